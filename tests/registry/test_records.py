"""Registry records: scope, reasons for change, the conflict rule, locking, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lifenet import audit
from lifenet.access import NotFound
from lifenet.audit import AuditEntry
from lifenet.lib.errors import Conflict, InvalidInput
from lifenet.registry import actions, queries
from lifenet.registry.dictionary import Change, Dictionary, load_dictionary
from lifenet.registry.models import RegistryRecord
from tests.conftest import World


def _run(world: World, persona: str = "county_a_dm", hospital: str = "funan") -> RegistryRecord:
    by = world.principal(persona)
    with world.session() as session:
        patient = actions.do_register_patient(session, by, world.unit(hospital))
        return actions.do_create_record(
            session,
            by,
            patient_id=patient.id,
            form="ecls_run",
            org_unit_id=world.unit(f"{hospital}-picu"),
            values={"support_type": "pulmonary", "mode": "VV"},
            dictionary_version=1,
        )


def test_a_network_id_is_a_readable_pseudonym() -> None:
    network_id = actions.new_network_id()
    assert network_id.startswith("LN-") and len(network_id) == 13
    assert not set(network_id[3:]) & set("ILOU")


def test_a_county_doctor_cannot_read_other_county_records(world: World) -> None:
    record = _run(world, "county_a_dm", "funan")
    with world.session() as session:
        assert queries.access_record(session, world.principal("county_a_doctor"), record.id).id == record.id
        with pytest.raises(NotFound):
            queries.access_record(session, world.principal("county_b_doctor"), record.id)
        with pytest.raises(NotFound):
            queries.access_patient(session, world.principal("commission_viewer"), record.patient_id)
        assert queries.access_record(session, world.principal("quality_officer"), record.id).id == record.id


def test_a_change_to_a_saved_record_needs_a_reason_and_is_audited(world: World) -> None:
    record = _run(world)
    by = world.principal("county_a_dm")
    with world.session() as session, pytest.raises(InvalidInput) as caught:
        actions.do_update_record(session, by, record.id, {"mode": "VA"}, expected_version=1, reason=" ")
    assert caught.value.errors[0].field == "reason"
    with world.session() as session:
        updated = actions.do_update_record(
            session,
            by,
            record.id,
            {"support_type": "pulmonary", "mode": "VA"},
            expected_version=1,
            reason="converted",
        )
        assert updated.version == 2 and updated.values["mode"] == "VA"
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.reason == "converted"
    assert entry.before == {"mode": "VV", "version": 1} and entry.after == {"mode": "VA", "version": 2}


def test_the_second_of_two_concurrent_saves_is_refused_not_silently_merged(world: World) -> None:
    record = _run(world)
    alice, bob = world.principal("county_a_dm"), world.principal("county_a_doctor")
    with world.session() as session:
        actions.do_update_record(
            session, alice, record.id, {"mode": "VA"}, expected_version=1, reason="alice"
        )
    with world.session() as session, pytest.raises(Conflict) as caught:
        actions.do_update_record(session, bob, record.id, {"mode": "VVA"}, expected_version=1, reason="bob")
    assert caught.value.errors[0].rule == "stale"
    with world.session() as session:
        kept = session.get(RegistryRecord, record.id)
        assert kept is not None and kept.values["mode"] == "VA" and kept.version == 2


def test_a_locked_record_refuses_changes_until_unlocked_with_a_reason(world: World) -> None:
    record = _run(world)
    dm, doctor = world.principal("county_a_dm"), world.principal("county_a_doctor")
    with world.session() as session:
        with pytest.raises(Exception, match="records.lock"):
            actions.do_set_record_lock(session, doctor, record.id, locked=True)
        actions.do_set_record_lock(session, dm, record.id, locked=True)
        with pytest.raises(Conflict):
            actions.do_update_record(session, dm, record.id, {"mode": "VA"}, expected_version=1, reason="x")
        with pytest.raises(InvalidInput):
            actions.do_set_record_lock(session, dm, record.id, locked=False)
        actions.do_set_record_lock(
            session, dm, record.id, locked=False, reason="late correction from the ward"
        )
        assert (
            actions.do_update_record(
                session, dm, record.id, {"mode": "VA"}, expected_version=1, reason="x"
            ).version
            == 2
        )


def test_a_hospital_holding_registry_records_cannot_be_deleted(world: World) -> None:
    _run(world, "county_a_dm", "funan")
    api = world.api_client("admin")
    with world.session() as session:
        before = session.scalar(select(func.count()).select_from(RegistryRecord))
    response = api.delete(f"/api/v1/network/org-units/{world.unit('funan-picu')}")
    assert response.status_code == 409
    assert "1 registry records" in response.json()["detail"][0]["message"]
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(RegistryRecord)) == before


# --- dictionary migrations ------------------------------------------------------------------


def _dictionary_with_a_change() -> Dictionary:
    """The core dictionary at version 2, where the ecls_run form renamed its mode field
    (``mode`` -> ``mode_at_start``) and recoded VVA as "other"."""
    core = load_dictionary()
    form = core.form("ecls_run")
    renamed = tuple(
        f.model_copy(update={"name": "mode_at_start"}) if f.name == "mode" else f for f in form.fields
    )
    change = Change(
        version=2, field="mode", rename_to="mode_at_start", values={"VVA": "other"}, note="mode renamed"
    )
    forms = dict(core.forms) | {
        "ecls_run": form.model_copy(update={"version": 2, "fields": renamed, "changes": (change,)})
    }
    return core.model_copy(update={"version": 2, "forms": forms})


def test_records_of_an_older_dictionary_are_migrated_once_with_an_audit_entry(world: World) -> None:
    changed, untouched = _run(world), _run(world)  # the second one comes to have no mode
    dictionary = _dictionary_with_a_change()
    by = world.principal("county_a_dm")
    with world.session() as session:
        actions.do_update_record(
            session,
            by,
            changed.id,
            {"support_type": "pulmonary", "mode": "VVA"},
            expected_version=1,
            reason="converted",
        )
        actions.do_update_record(
            session,
            by,
            untouched.id,
            {"support_type": "cardiac"},
            expected_version=1,
            reason="typo",
        )
        actions.do_set_record_lock(session, by, changed.id, locked=True)
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
        progress: list[tuple[int, int]] = []
        done = actions.do_migrate_records(
            session, dictionary=dictionary, on_progress=lambda n, t: progress.append((n, t))
        )
    assert done.migrated == {"ecls_run": 1} and done.examined == 2 and progress[-1] == (2, 2)
    with world.session() as session:
        record = session.get(RegistryRecord, changed.id)
        kept = session.get(RegistryRecord, untouched.id)
        assert record is not None and kept is not None
        assert record.values == {"support_type": "pulmonary", "mode_at_start": "other"}
        assert (record.dictionary_version, record.version) == (2, 3)  # a stale editor is refused
        assert record.locked_at is not None  # still locked: the meaning did not change
        assert kept.values == {"support_type": "cardiac"} and (
            kept.dictionary_version,
            kept.version,
        ) == (
            1,
            2,
        )
        entries = session.scalars(select(AuditEntry).where(AuditEntry.id > (audits or 0))).all()
        assert [(e.action, e.entity_id, e.actor_name) for e in entries] == [
            ("migrate", str(changed.id), audit.SYSTEM.name)
        ]
        assert entries[0].before == {
            "mode": "VVA",
            "mode_at_start": None,
            "dictionary_version": 1,
            "version": 2,
        }
        assert entries[0].after == {
            "mode": None,
            "mode_at_start": "other",
            "dictionary_version": 2,
            "version": 3,
        }
        assert entries[0].reason == "dictionary version 2: mode renamed"
        again = actions.do_migrate_records(session, dictionary=dictionary)
    assert again.migrated == {} and again.examined == 1  # only the untouched one is looked at again


def test_the_shipped_dictionary_has_nothing_to_migrate(world: World) -> None:
    _run(world)
    with world.session() as session:
        assert actions.do_migrate_records(session) == actions.RecordMigration(examined=0, migrated={})
