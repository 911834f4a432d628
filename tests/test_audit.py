"""The audit log: every write leaves an entry; altering any row breaks the chain there."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from lifenet import audit
from lifenet.audit import AuditEntry
from lifenet.cli import app as cli
from tests.conftest import World


def test_the_seeded_chain_verifies(world: World) -> None:
    with world.session() as session:
        report = audit.verify_chain(session)
    assert report.ok and report.checked > 50


def test_an_update_records_who_what_before_after_and_why(world: World) -> None:
    api = world.api_client("admin")
    api.patch(f"/api/v1/network/org-units/{world.unit('funan')}", json={"name_en": "Funan People's Hospital"})
    with world.session() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert (entry.actor_name, entry.action, entry.entity_type) == ("admin", "update", "org_unit")
    assert entry.before is not None and entry.after is not None
    assert entry.before["name_en"] == "Funan County People's Hospital"
    assert entry.after["name_en"] == "Funan People's Hospital"


@pytest.mark.parametrize("column", ["after", "actor_name", "reason"])
def test_altering_one_row_by_hand_makes_verify_fail_at_that_row(world: World, column: str) -> None:
    with world.session() as session:
        target = session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(20).limit(1)).one()
        values = {"after": {"tampered": True}, "actor_name": "mallory", "reason": "covered up"}
        session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values({column: values[column]}))
        session.commit()
        report = audit.verify_chain(session)
    assert not report.ok
    assert report.broken_id == target.id
    assert report.checked == 20


def test_deleting_a_row_by_hand_breaks_the_link_of_the_next(world: World) -> None:
    with world.session() as session:
        ids = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id).limit(12)).all()
        session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": ids[10]})
        session.commit()
        report = audit.verify_chain(session)
    assert report.broken_id == ids[11]
    assert report.problem == "its link to the previous entry is broken"


def test_the_cli_reports_the_first_broken_link_and_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIFENET_DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("LIFENET_ENVIRONMENT", "development")
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "Audit log intact" in ok.output
    with world.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.id == 7).values(entity_id="999"))
        session.commit()
    broken = runner.invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "broken at entry 7" in broken.output
