"""Data quality: each kind of problem planted in stored records is counted and listed, per
hospital and form, for the users who may read that hospital's records only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lifenet.registry import actions, data_quality
from tests.conftest import World

TODAY = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
PATIENT = {
    "sex": "female",
    "registration_date": "2024-03-01",
    "birth_date": "2021-06-01",
    "weight_kg": 14.0,
}
EPISODE = {
    "admission_datetime": "2024-03-01T08:00:00+08:00",
    "admission_unit_type": "picu",
    "referral_source": "emergency",
    "hospital_discharge_datetime": "2024-03-20T10:00:00+08:00",
}
RUN = {
    "run_number": 1,
    "support_type": "pulmonary",
    "mode": "vv",
    "ecls_start": "2024-03-02T10:00:00+08:00",
    "ecls_end": "2024-03-09T10:00:00+08:00",
    "weight_at_cannulation_kg": 14.0,
    "cannulation_sites": ["right_internal_jugular_vein"],
    "cannulation_technique": "cutdown",
    "pump_type": "centrifugal",
    "oxygenator_type": "pmp_hollow_fiber",
    "mobile_retrieval": False,
}
OUTCOME = {
    "weaned_off_ecls": True,
    "discontinuation_reason": "recovered",
    "survived_to_discharge": True,
    "discharge_date": "2024-03-20",
    "discharge_location": "home",
}


class Chart:
    """One patient's records at a hospital, written straight through ``do_create_record`` so
    that values the forms would refuse can be planted."""

    def __init__(self, world: World, hospital: str = "funan", persona: str = "county_a_dm") -> None:
        self.world, self.unit = world, world.unit(f"{hospital}-picu")
        self.by = world.principal(persona)
        with world.session() as session:
            patient = actions.do_register_patient(session, self.by, world.unit(hospital))
            self.patient_id, self.network_id = patient.id, patient.network_id
        self.patient = self.add(
            "patient", {"network_id": self.network_id} | PATIENT, unit=world.unit(hospital)
        )

    def add(
        self, form: str, values: dict[str, Any], parent: int | None = None, unit: int | None = None
    ) -> int:
        with self.world.session() as session:
            return actions.do_create_record(
                session,
                self.by,
                patient_id=self.patient_id,
                form=form,
                org_unit_id=unit or self.unit,
                values=values,
                dictionary_version=1,
                parent_id=parent,
            ).id

    def run(self, episode: dict[str, Any] = EPISODE, run: dict[str, Any] = RUN) -> tuple[int, int]:
        episode_id = self.add("episode", episode, self.patient)
        return episode_id, self.add("ecls_run", run, episode_id)


def _cell(world: World, persona: str, hospital: str, form: str, today: dt.date = TODAY) -> dict[str, int]:
    with world.session() as session:
        rows = data_quality.summary(session, world.principal(persona), today=today)
    found = [r for r in rows if r.hospital_code == hospital and r.form == form]
    if not found:
        return {}
    return {"records": found[0].records} | {c: found[0].count(c) for c in data_quality.CATEGORIES}


def _listed(world: World, persona: str, hospital: str, form: str, rule: str) -> list[data_quality.Problem]:
    with world.session() as session:
        return data_quality.problems(
            session,
            world.principal(persona),
            hospital_id=world.unit(hospital),
            form=form,
            rule=rule,
            today=TODAY,
        )


def _listed_on(world: World, today: dt.date) -> list[data_quality.Problem]:
    with world.session() as session:
        return data_quality.problems(
            session,
            world.principal("county_a_dm"),
            hospital_id=world.unit("funan"),
            form="patient",
            rule="stale",
            today=today,
        )


def test_a_clean_chart_has_no_problems(world: World) -> None:
    chart = Chart(world)
    _, run_id = chart.run()
    chart.add("outcome", OUTCOME, run_id)
    for form in ("patient", "episode", "ecls_run", "outcome"):
        cell = _cell(world, "county_a_dm", "funan", form)
        assert cell["records"] == 1 and not any(cell[c] for c in data_quality.CATEGORIES), form


def test_missing_required_out_of_range_soft_range_and_invalid_values_are_counted_and_listed(
    world: World,
) -> None:
    missing = Chart(world).patient  # the clean one, then three planted below
    planted = {
        "missing_required": Chart(world).add("patient", {k: v for k, v in PATIENT.items() if k != "sex"}),
        "out_of_range": Chart(world).add("patient", PATIENT | {"weight_kg": 400}),
        "soft_range": Chart(world).add("patient", PATIENT | {"weight_kg": 160}),
        "invalid_values": Chart(world).add("patient", PATIENT | {"sex": "x", "shoe_size": 31}),
    }
    cell = _cell(world, "quality_officer", "funan", "patient")
    assert cell["records"] == 9
    # The unregistered network ids of the planted patient forms are missing too.
    assert cell["missing_required"] == 5 and cell["out_of_range"] == 1 and cell["soft_range"] == 1
    assert cell["invalid_values"] == 2
    for category, record_id in planted.items():
        listed = _listed(world, "quality_officer", "funan", "patient", category)
        assert record_id in {p.record_id for p in listed}, category
        assert missing not in {p.record_id for p in listed}
    (weight,) = _listed(world, "quality_officer", "funan", "patient", "range")
    assert (weight.field, weight.value, weight.rule, weight.severity) == (
        "weight_kg",
        "400",
        "range",
        "error",
    )
    assert weight.network_id.startswith("LN-") and weight.hospital_id == world.unit("funan")
    invalid = _listed(world, "quality_officer", "funan", "patient", "invalid_values")
    assert {(p.field, p.rule) for p in invalid} == {("sex", "code"), ("shoe_size", "unknown_field")}
    (soft,) = _listed(world, "quality_officer", "funan", "patient", "soft_range")
    assert soft.severity == "warning" and "160" in soft.message


def test_inconsistent_dates_within_a_form_and_across_forms_are_counted(world: World) -> None:
    chart = Chart(world)
    _, backwards = chart.run(run=RUN | {"ecls_end": "2024-03-01T10:00:00+08:00"})
    _, after_discharge = chart.run(run=RUN | {"ecls_end": "2024-03-25T10:00:00+08:00"})
    _, died = chart.run()
    chart.add(
        "outcome",
        {"weaned_off_ecls": False, "discontinuation_reason": "died_on_ecls", "survived_to_discharge": False}
        | {"death_date": "2024-02-25"},
        died,
    )
    cell = _cell(world, "county_a_dm", "funan", "ecls_run")
    # One run ends before it starts, one after the discharge; and every run of this child
    # starts after the recorded death (2024-02-25).
    assert cell["records"] == 3 and cell["inconsistent_dates"] == 2 + 3
    listed = _listed(world, "county_a_dm", "funan", "ecls_run", "inconsistent_dates")
    assert {(p.record_id, p.rule) for p in listed} == {
        (backwards, "date_order"),
        (after_discharge, "date_order"),
        (backwards, "run_after_death"),
        (after_discharge, "run_after_death"),
        (died, "run_after_death"),
    }
    ends = {p.message for p in listed if p.rule == "date_order"}
    assert ends == {"The run ends before it starts.", "The run ends after the hospital discharge."}
    outcome = _cell(world, "county_a_dm", "funan", "outcome")
    # Death before the run started, and before it ended.
    assert outcome["inconsistent_dates"] == 2


def test_inconsistent_values_are_counted(world: World) -> None:
    chart = Chart(world)
    _, run_id = chart.run(run=RUN | {"support_type": "ecpr"})
    chart.add("outcome", OUTCOME | {"weaned_off_ecls": False}, run_id)
    assert _cell(world, "county_a_dm", "funan", "ecls_run")["inconsistent_values"] == 1
    assert _cell(world, "county_a_dm", "funan", "outcome")["inconsistent_values"] == 1
    (problem,) = _listed(world, "county_a_dm", "funan", "outcome", "consistency")
    assert problem.field == "survived_to_discharge"


def test_a_record_left_unchanged_and_unlocked_becomes_stale_until_locked(world: World) -> None:
    chart = Chart(world)
    later = TODAY + dt.timedelta(days=91)
    assert _cell(world, "county_a_dm", "funan", "patient")["stale"] == 0
    assert _cell(world, "county_a_dm", "funan", "patient", today=later)["stale"] == 1
    (stale,) = _listed_on(world, later)
    assert (stale.record_id, stale.field, stale.rule) == (chart.patient, None, "stale")
    with world.session() as session:
        actions.do_set_record_lock(session, chart.by, chart.patient, locked=True)
    assert _cell(world, "county_a_dm", "funan", "patient", today=later)["stale"] == 0


def test_a_county_doctor_sees_only_their_hospitals_rows(world: World) -> None:
    Chart(world, "funan", "county_a_dm").add("patient", PATIENT | {"weight_kg": 400})
    Chart(world, "linquan", "linquan.dm").add("patient", PATIENT | {"weight_kg": 400})
    with world.session() as session:
        rows = data_quality.summary(session, world.principal("county_b_doctor"), today=TODAY)
        assert {r.hospital_code for r in rows} == {"linquan"}
        everyone = data_quality.summary(session, world.principal("quality_officer"), today=TODAY)
        assert {r.hospital_code for r in everyone} >= {"funan", "linquan"}
        assert data_quality.summary(session, world.principal("commission_viewer"), today=TODAY) == []
    assert _listed(world, "county_b_doctor", "funan", "patient", "out_of_range") == []
    assert len(_listed(world, "county_b_doctor", "linquan", "patient", "out_of_range")) == 1
