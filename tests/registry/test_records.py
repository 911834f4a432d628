"""Registry records: scope, reasons for change, the conflict rule, locking, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lifenet.access import NotFound
from lifenet.audit import AuditEntry
from lifenet.lib.errors import Conflict, InvalidInput
from lifenet.registry import actions, queries
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
