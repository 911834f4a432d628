"""The demo registry: plausible ECLS runs in ELSO proportions, every record valid, reproducible."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from lifenet.audit import AuditEntry, verify_chain
from lifenet.network.models import OrgUnit
from lifenet.registry import validation
from lifenet.registry.demo import generate_runs, seed_registry
from lifenet.registry.demo_plan import TZ
from lifenet.registry.dictionary import load_dictionary
from lifenet.registry.models import RegistryPatient, RegistryRecord
from tests.conftest import World

TODAY = dt.date(2026, 11, 25)


def _seed(world: World, runs: int = 200) -> int:
    with world.session() as session:
        return seed_registry(session, runs=runs, seed=11, today=TODAY)


def _records(world: World, form: str | None = None) -> list[RegistryRecord]:
    with world.session() as session:
        query = select(RegistryRecord).order_by(RegistryRecord.id)
        if form is not None:
            query = query.where(RegistryRecord.form == form)
        return list(session.scalars(query).all())


def _share(counts: Counter[Any], key: Any) -> float:
    return counts[key] / sum(counts.values())


def test_seeding_writes_one_patient_episode_and_run_per_run_with_their_forms(world: World) -> None:
    with world.session() as session:
        before = session.scalar(select(func.count()).select_from(RegistryRecord)) or 0
    written = _seed(world)
    counts = Counter(r.form for r in _records(world))
    assert sum(counts.values()) - before == written
    assert counts["ecls_run"] == counts["diagnosis"] == counts["pre_ecls"] == counts["patient"] == 200
    # Transfers from spokes add the spoke's own episode; a few runs are still going on.
    assert 200 < counts["episode"] < 300
    assert 180 <= counts["outcome"] <= 200
    assert 1.0 < counts["complication"] / 200 < 4.0
    assert 1.5 < counts["daily_observation"] / 200 <= 3.0
    with world.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "registry")).all()
        assert [(e.action, e.after and e.after["runs"]) for e in entries] == [("seed", 200)]
        assert verify_chain(session).ok


def test_age_groups_support_types_and_outcomes_are_in_elso_proportions(world: World) -> None:
    _seed(world)
    runs = {r.id: r.values for r in _records(world, "ecls_run")}
    ages = Counter(v["age_group"] for v in runs.values())
    supports = Counter(v["support_type"] for v in runs.values())
    assert 0.18 < _share(ages, "neonate") < 0.42 and 0.55 < _share(ages, "pediatric") < 0.80
    assert _share(ages, "adult") < 0.07
    assert 0.4 < _share(supports, "pulmonary") < 0.62 and 0.05 < _share(supports, "ecpr") < 0.2
    # ECPR is veno-arterial support.
    assert {v["mode"] for v in runs.values() if v["support_type"] == "ecpr"} <= {"va", "vva"}
    outcomes = [r.values for r in _records(world, "outcome")]
    weaned = sum(o["weaned_off_ecls"] for o in outcomes) / len(outcomes)
    survived = sum(o["survived_to_discharge"] for o in outcomes) / len(outcomes)
    # ELSO: about 70 % survive ECLS and 55 % to discharge across these groups.
    assert 0.58 < weaned < 0.82 and 0.42 < survived < 0.68 and survived < weaned


def test_runs_come_mostly_from_the_hub_and_some_children_are_transferred_from_spokes(world: World) -> None:
    _seed(world)
    with world.session() as session:
        codes = {unit_id: code for unit_id, code in session.execute(select(OrgUnit.id, OrgUnit.code)).all()}
        patients = Counter(codes[u] for u in session.scalars(select(RegistryPatient.org_unit_id)).all())
    runs = Counter(codes[r.org_unit_id].split("-")[0] for r in _records(world, "ecls_run"))
    assert set(runs) <= {"hub", "wuhu", "shanghai"} and runs.most_common(1)[0][0] == "hub"
    assert _share(runs, "hub") > 0.5
    spokes = {"bengbu", "funan", "linquan", "huoqiu", "shucheng", "tongcheng", "qianshan"}
    assert 20 < sum(n for code, n in patients.items() if code in spokes) < 100
    episodes = [r.values for r in _records(world, "episode")]
    assert any(e.get("transferred_on_ecls") for e in episodes)
    assert {e["referral_source"] for e in episodes} >= {"other_hospital", "emergency"}


def test_every_seeded_record_passes_the_dictionary_with_its_related_records(world: World) -> None:
    _seed(world, runs=120)
    dictionary = load_dictionary()
    records = _records(world)
    by_id = {r.id: r for r in records}
    patient_forms = {r.patient_id: r.values for r in records if r.form == "patient"}
    for record in records:
        context: dict[str, dict[str, Any]] = {"patient": patient_forms[record.patient_id]}
        parent = by_id.get(record.parent_id) if record.parent_id else None
        while parent is not None:
            context.setdefault(parent.form, parent.values)
            parent = by_id.get(parent.parent_id) if parent.parent_id else None
        form = dictionary.form(record.form)
        result = validation.validate_record(
            form,
            record.values,
            confirmed_soft=frozenset(form.field_names),
            today=TODAY,
            tz=TZ,
            context=context,
        )
        assert result.errors == [], (record.form, record.values)
        assert result.values == record.values
        assert record.updated_at.date() < TODAY and record.created_at <= record.updated_at


def test_dates_spread_from_2019_to_before_today(world: World) -> None:
    _seed(world)
    starts = sorted(dt.datetime.fromisoformat(r.values["ecls_start"]) for r in _records(world, "ecls_run"))
    assert starts[0].year == 2019 and starts[-1].date() < TODAY
    assert len({s.year for s in starts}) == 8


def test_most_finished_runs_are_locked_and_a_few_are_left_stale(world: World) -> None:
    _seed(world)
    runs = _records(world, "ecls_run")
    old = [r for r in runs if r.updated_at.date() < TODAY - dt.timedelta(days=120)]
    unlocked = [r for r in old if r.locked_at is None]
    assert old and 0 < len(unlocked) < 0.1 * len(old)


def test_the_same_seed_generates_the_same_runs(world: World) -> None:
    with world.session() as session:
        first = generate_runs(session, runs=25, seed=3, today=TODAY)
        again = generate_runs(session, runs=25, seed=3, today=TODAY)
        other = generate_runs(session, runs=25, seed=4, today=TODAY)
    assert first == again
    assert [g.under_episode for g in first] != [g.under_episode for g in other]


def test_progress_is_reported_and_zero_runs_write_nothing(world: World) -> None:
    seen: list[tuple[int, int]] = []
    with world.session() as session:
        assert seed_registry(session, runs=0, today=TODAY) == 0
        assert not session.scalar(select(func.count()).select_from(RegistryRecord))
        seed_registry(session, runs=150, seed=1, today=TODAY, on_progress=lambda d, t: seen.append((d, t)))
    assert seen == [(100, 150), (150, 150)]
