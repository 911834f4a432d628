"""The demo ECLS registry: about 2,000 plausible runs across the demo network's hospitals.

Deterministic for a seed and a ``today``: the same call writes the same values. Every record
passes :func:`lifenet.registry.validation.validate_record` with its related records as
context, exactly as a form save would (soft-range values count as confirmed); the generator
raises rather than write an invalid one. Records are written with bulk inserts in one
transaction, with one audit entry for the whole seeding.

Proportions (``../shared/references/clinical-scores.md``; "UNVERIFIED" marks estimates):

- Age groups and support types: the Pediatric ELSO report 2016 (Barbaro et al. 2017, §1.1)
  has 48 % respiratory and 52 % cardiac or ECPR runs in children; neonates lean to
  respiratory support (CDH, MAS, PPHN). A regional pediatric network sees mostly children,
  neonates next and a few adults (grown-up congenital heart disease) — network mix UNVERIFIED.
- Outcomes: survival to discharge or transfer from the ELSO Registry Report 2012 (§1.1):
  neonatal respiratory 75 % (85 % survived ECLS), pediatric respiratory 56 %, adult respiratory
  55 %; cardiac 40 % neonatal, 49 % pediatric, 39 % adult. ECPR (about 41 %) and the "survived
  ECLS" figures other than neonatal respiratory are ELSO International Summary figures as
  recalled — UNVERIFIED.
- Complications: % of runs reported, neonatal / pediatric / adult, from the ELSO respiratory
  ECLS table of Alibrahim & Heard 2017 (PMC7102020 Table 1, §1.4); items without a published
  rate are estimates (UNVERIFIED); hemorrhagic complications are 1.5 times as frequent on
  cardiac support (ELSO pediatric cardiac 49 % vs non-cardiac 32 %, §1.4).

The proportions and the plan of a run live in :mod:`lifenet.registry.demo_plan`, the values
of each form in :mod:`lifenet.registry.demo_forms`; this module validates and writes them.

Planted data-quality problems that validation allows, so the data-quality page has something
to show: about 2 % of finished runs never locked after review (stale), about 1 % whose run
ends after the recorded hospital discharge (a cross-form date inconsistency no single form can
see), a few confirmed soft-range values, and optional fields left empty.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lifenet import audit
from lifenet.network.models import Hospital, OrgUnit, User
from lifenet.registry import validation
from lifenet.registry.actions import new_network_id
from lifenet.registry.demo_forms import (
    complication_forms,
    daily_forms,
    diagnosis_form,
    episode_form,
    outcome_form,
    patient_form,
    pre_ecls_form,
    run_form,
)
from lifenet.registry.demo_plan import (
    DISTANCE_KM,
    TZ,
    ZONE,
    GeneratedRun,
    Place,
    Plan,
    Progress,
    iso,
    pick,
    plan_run,
)
from lifenet.registry.dictionary import Dictionary, load_dictionary
from lifenet.registry.models import RegistryPatient, RegistryRecord

# --- one run, validated ---------------------------------------------------------------------


class InvalidDemoRecord(RuntimeError):
    """The generator made a record the dictionary refuses: a bug of this module."""


@dataclass
class _Validator:
    dictionary: Dictionary
    today: dt.date

    def clean(
        self, form: str, values: Mapping[str, Any], context: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, Any]:
        definition = self.dictionary.form(form)
        result = validation.validate_record(
            definition,
            values,
            confirmed_soft=frozenset(definition.field_names),
            today=self.today,
            tz=TZ,
            context=context,
            dictionary=self.dictionary,
        )
        if result.errors:
            problems = "; ".join(f"{e.field}: {e.rule} ({values.get(e.field)!r})" for e in result.errors)
            raise InvalidDemoRecord(f"demo {form} record refused: {problems}")
        return result.values


def _retrieval(rng: random.Random, plan: Plan) -> dict[str, Any]:
    """The mobile team's transport: leaves the spoke after cannulation, drives or flies in."""
    if not plan.retrieval or plan.spoke is None:
        return {}
    distance = round(DISTANCE_KM.get(plan.spoke.code, 150) * rng.uniform(0.95, 1.1), 0)
    helicopter = rng.random() < 0.1
    departure = plan.start + dt.timedelta(minutes=rng.randint(45, 150))
    arrival = departure + dt.timedelta(hours=distance / (180 if helicopter else 70))
    return {
        "retrieval_transport": "helicopter" if helicopter else "ground",
        "retrieval_distance_km": distance,
        "retrieval_departure": iso(departure),
        "retrieval_arrival": iso(arrival.replace(second=0, microsecond=0)),
    }


def _timeline(rng: random.Random, plan: Plan, retrieval: Mapping[str, Any]) -> dict[str, dt.datetime | None]:
    """Admission at the centre (and the spoke), transfer and discharge times."""
    birth = dt.datetime.combine(plan.birth, dt.time(0, 0), tzinfo=ZONE)
    before = dt.timedelta(hours=math.exp(rng.gauss(math.log(36), 1.0)))
    times: dict[str, dt.datetime | None] = {"spoke_in": None, "spoke_out": None}
    if retrieval:
        departure = dt.datetime.fromisoformat(retrieval["retrieval_departure"])
        arrival = dt.datetime.fromisoformat(retrieval["retrieval_arrival"])
        spoke_in = max(plan.start - before, birth + (plan.start - birth) * 0.3)
        times |= {"spoke_in": spoke_in, "spoke_out": departure, "center_in": arrival}
    else:
        center_in = max(plan.start - before, birth + (plan.start - birth) * 0.6)
        times["center_in"] = center_in
        if plan.spoke is not None:
            stay = dt.timedelta(hours=rng.uniform(6, 96))
            out = center_in - dt.timedelta(hours=rng.uniform(2, 5))
            spoke_in = max(out - stay, birth)
            times |= {"spoke_in": spoke_in, "spoke_out": max(out, spoke_in + dt.timedelta(minutes=30))}
    times["center_out"] = plan.discharge
    admitted = times["center_in"]
    if plan.discharge_before_end and plan.end is not None and admitted is not None:
        # Planted: the hospital discharge typed a day or two before the run's end.
        times["center_out"] = max(admitted, plan.end - dt.timedelta(hours=rng.uniform(20, 60)))
    return {k: v.replace(second=0, microsecond=0) if v else None for k, v in times.items()}


def _generate(
    rng: random.Random, plan: Plan, network_id: str, validator: _Validator, horizon: dt.datetime
) -> GeneratedRun:
    retrieval = _retrieval(rng, plan)
    times = _timeline(rng, plan, retrieval)
    center_in = times["center_in"] or plan.start
    registered_at = times["spoke_in"] or center_in
    home = plan.spoke or plan.center
    patient = validator.clean("patient", patient_form(rng, plan, network_id, registered_at), {})
    context: dict[str, Mapping[str, Any]] = {"patient": patient}
    preferred = ["NICU", "PICU"] if plan.age_group == "neonate" else ["PICU"]
    center_preferred = (["CICU"] if plan.support != "pulmonary" else []) + preferred
    spoke_episode = None
    if plan.spoke is not None:
        unit, unit_type = plan.spoke.unit_for(preferred)
        referral = "emergency" if rng.random() < 0.6 else rng.choice(("direct", "inpatient_ward"))
        values = episode_form(
            rng, plan, times["spoke_in"] or center_in, unit_type, referral, None, times["spoke_out"]
        )
        spoke_episode = _row("episode", unit, validator.clean("episode", values, context))
        referral, referring = "other_hospital", plan.spoke.name_zh
    elif plan.outside_referral is not None:
        referral, referring = "other_hospital", plan.outside_referral
    elif plan.indication == "post_cardiotomy":
        referral, referring = "or_pacu", None
    else:
        referral, referring = pick(rng, {"emergency": 50, "inpatient_ward": 40, "direct": 10}), None
    unit, unit_type = plan.center.unit_for(center_preferred)
    episode_values = episode_form(rng, plan, center_in, unit_type, referral, referring, times["center_out"])
    episode = validator.clean("episode", episode_values, context)
    context["episode"] = episode
    diagnosis = validator.clean("diagnosis", diagnosis_form(rng, plan), context)
    pre_ecls = validator.clean("pre_ecls", pre_ecls_form(rng, plan), context)
    run = validator.clean("ecls_run", run_form(rng, plan, retrieval), context)
    context["ecls_run"] = run
    complications = [
        validator.clean("complication", c, context) for c in complication_forms(rng, plan, horizon)
    ]
    renal = any(c["complication_item"] in ("dialysis", "hemofiltration") for c in complications)
    daily = [validator.clean("daily_observation", d, context) for d in daily_forms(rng, plan, horizon, renal)]
    under_run = [_row("complication", unit, c) for c in complications]
    under_run += [_row("daily_observation", unit, d) for d in daily]
    if plan.discharge is not None:
        outcome = validator.clean("outcome", outcome_form(rng, plan, plan.discharge), context)
        under_run.append(_row("outcome", unit, outcome))
    return GeneratedRun(
        patient=_row("patient", home.hospital_id, patient),
        spoke_episode=spoke_episode,
        episode=_row("episode", unit, episode),
        under_episode=[
            _row("diagnosis", unit, diagnosis),
            _row("pre_ecls", unit, pre_ecls),
            _row("ecls_run", unit, run),
        ],
        under_run=under_run,
        patient_unit=home.hospital_id,
        network_id=network_id,
        stamps=_stamps(rng, plan, horizon),
    )


def _row(form: str, org_unit_id: int, values: dict[str, Any]) -> dict[str, Any]:
    return {"form": form, "org_unit_id": org_unit_id, "values": values}


def _stamps(
    rng: random.Random, plan: Plan, horizon: dt.datetime
) -> tuple[dt.datetime, dt.datetime, dt.datetime | None, int | None]:
    """(created, last updated, locked, locked by): entered soon after the events; reviewed and
    locked within weeks of discharge, except the planted stale ones."""
    created = min(plan.start + dt.timedelta(hours=rng.uniform(4, 48)), horizon - dt.timedelta(minutes=30))
    last_event = plan.discharge or plan.end or plan.start
    updated = min(
        max(created, last_event + dt.timedelta(days=rng.uniform(1, 14))), horizon - dt.timedelta(minutes=10)
    )
    locked_at = updated + dt.timedelta(days=rng.uniform(7, 45))
    if plan.discharge is None or plan.stale or locked_at >= horizon:
        return created, updated, None, None
    return created, updated, locked_at, plan.center.manager_id


# --- the network, and writing ---------------------------------------------------------------


def _places(session: Session) -> dict[str, Place]:
    hospitals = session.execute(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name_zh, Hospital.ecmo_capable, Hospital.licensed_beds)
        .join(Hospital, Hospital.org_unit_id == OrgUnit.id)
        .order_by(OrgUnit.id)
    ).all()
    units = session.execute(
        select(OrgUnit.parent_id, OrgUnit.id, OrgUnit.unit_type).where(OrgUnit.kind == "unit")
    ).all()
    managers = {name: user_id for name, user_id in session.execute(select(User.username, User.id)).all()}
    places = {}
    for hospital_id, code, name_zh, ecmo, beds in hospitals:
        own = {
            unit_type: unit_id for parent, unit_id, unit_type in units if parent == hospital_id and unit_type
        }
        places[code] = Place(code, hospital_id, name_zh, own, ecmo, beds, managers.get(f"{code}.dm"))
    return places


def _centers(places: Mapping[str, Place]) -> dict[str, float]:
    """ECMO centres and their share of runs: the hub most (about two thirds)."""
    capable = [p.code for p in places.values() if p.ecmo]
    hub = "hub" if "hub" in capable else (capable[0] if capable else None)
    if hub is None:
        return {}
    others = [c for c in capable if c != hub]
    return {hub: 0.68 if others else 1.0} | {c: 0.32 / len(others) for c in others}


def _network_ids(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < count:
        candidate = new_network_id(rng.choice)
        if candidate not in taken:
            taken.add(candidate)
            chosen.append(candidate)
    return chosen


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    statement = insert(RegistryRecord).returning(RegistryRecord.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows).all())


def _stamped(
    row: dict[str, Any], patient_id: int, parent_id: int | None, run: GeneratedRun, version: int
) -> dict[str, Any]:
    created, updated, locked_at, locked_by = run.stamps
    return row | {
        "patient_id": patient_id,
        "parent_id": parent_id,
        "dictionary_version": version,
        "version": 1 if updated == created else 2,
        "created_at": created,
        "updated_at": updated,
        "locked_at": locked_at,
        "locked_by_id": locked_by,
    }


def _write(session: Session, generated: list[GeneratedRun], version: int) -> int:
    patient_ids = list(
        session.scalars(
            insert(RegistryPatient).returning(RegistryPatient.id, sort_by_parameter_order=True),
            [
                {"network_id": g.network_id, "org_unit_id": g.patient_unit, "created_at": g.stamps[0]}
                for g in generated
            ],
        ).all()
    )
    patient_records = _insert(
        session,
        [_stamped(g.patient, pid, None, g, version) for g, pid in zip(generated, patient_ids, strict=True)],
    )
    episodes = _insert(
        session,
        [
            _stamped(g.episode, pid, rid, g, version)
            for g, pid, rid in zip(generated, patient_ids, patient_records, strict=True)
        ],
    )
    spoke_rows = [
        _stamped(g.spoke_episode, pid, rid, g, version)
        for g, pid, rid in zip(generated, patient_ids, patient_records, strict=True)
        if g.spoke_episode is not None
    ]
    _insert(session, spoke_rows)
    level3 = [
        _stamped(row, pid, eid, g, version)
        for g, pid, eid in zip(generated, patient_ids, episodes, strict=True)
        for row in g.under_episode
    ]
    level3_ids = _insert(session, level3)
    # The run is the last of each run's three records under its episode.
    run_ids = level3_ids[2::3]
    level4 = [
        _stamped(row, pid, run_id, g, version)
        for g, pid, run_id in zip(generated, patient_ids, run_ids, strict=True)
        for row in g.under_run
    ]
    _insert(session, level4)
    return len(patient_records) + len(episodes) + len(spoke_rows) + len(level3) + len(level4)


def generate_runs(
    session: Session, *, runs: int, seed: int = 2026, today: dt.date, on_progress: Progress | None = None
) -> list[GeneratedRun]:
    """The records of ``runs`` runs, validated, without writing anything (reads the network)."""
    places = _places(session)
    centers = _centers(places)
    if runs <= 0 or not centers:
        return []
    horizon = dt.datetime.combine(today, dt.time(0, 0), tzinfo=ZONE)
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible by design; not a secret
    validator = _Validator(load_dictionary(), today)
    taken = set(session.scalars(select(RegistryPatient.network_id)).all())
    generated = []
    for index, network_id in enumerate(_network_ids(rng, runs, taken), start=1):
        generated.append(
            _generate(rng, plan_run(rng, centers, places, horizon), network_id, validator, horizon)
        )
        if on_progress is not None and (index % 100 == 0 or index == runs):
            on_progress(index, runs)
    return generated


def seed_registry(
    session: Session,
    *,
    runs: int = 2000,
    seed: int = 2026,
    on_progress: Progress | None = None,
    today: dt.date | None = None,
) -> int:
    """Seed ``runs`` plausible ECLS runs into the demo network; returns the records written.

    ``today`` (the network's date, Asia/Shanghai; the real one by default) bounds every date:
    runs start from 2019 up to the day before. Nothing is written when the network has no
    ECMO-capable hospital or ``runs`` is 0. ``on_progress(done, total)`` follows the runs.
    """
    today = today or dt.datetime.now(ZONE).date()
    generated = generate_runs(session, runs=runs, seed=seed, today=today, on_progress=on_progress)
    if not generated:
        return 0
    written = _write(session, generated, load_dictionary().version)
    audit.record(
        session,
        audit.SYSTEM,
        "seed",
        "registry",
        "demo",
        after={"runs": len(generated), "records": written, "seed": seed, "today": today.isoformat()},
        reason="Demo data: plausible ECLS runs in ELSO proportions",
    )
    session.commit()
    return written
