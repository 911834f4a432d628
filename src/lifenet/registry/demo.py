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

Planted data-quality problems that validation allows, so the data-quality page has something
to show: about 2 % of finished runs never locked after review (stale), about 1 % whose run
ends after the recorded hospital discharge (a cross-form date inconsistency no single form can
see), a few confirmed soft-range values, and optional fields left empty.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lifenet import audit
from lifenet.network.models import Hospital, OrgUnit, User
from lifenet.registry import validation
from lifenet.registry.dictionary import Dictionary, Form, load_dictionary
from lifenet.registry.models import RegistryPatient, RegistryRecord

TZ = "Asia/Shanghai"
ZONE = ZoneInfo(TZ)
FIRST_YEAR = 2019
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

Progress = Callable[[int, int], None]

# --- proportions ----------------------------------------------------------------------------

AGE_GROUPS: dict[str, float] = {"neonate": 0.30, "pediatric": 0.68, "adult": 0.02}
SUPPORT_TYPES: dict[str, dict[str, float]] = {
    "neonate": {"pulmonary": 0.62, "cardiac": 0.30, "ecpr": 0.08},
    "pediatric": {"pulmonary": 0.46, "cardiac": 0.40, "ecpr": 0.14},
    "adult": {"pulmonary": 0.55, "cardiac": 0.30, "ecpr": 0.15},
}
# (survived ECLS, survived to discharge or transfer), ELSO Registry Report 2012 (see above).
SURVIVAL: dict[tuple[str, str], tuple[float, float]] = {
    ("neonate", "pulmonary"): (0.85, 0.75),
    ("neonate", "cardiac"): (0.63, 0.40),
    ("neonate", "ecpr"): (0.64, 0.41),
    ("pediatric", "pulmonary"): (0.67, 0.56),
    ("pediatric", "cardiac"): (0.69, 0.49),
    ("pediatric", "ecpr"): (0.57, 0.41),
    ("adult", "pulmonary"): (0.66, 0.55),
    ("adult", "cardiac"): (0.56, 0.39),
    ("adult", "ecpr"): (0.40, 0.29),
}
# Median run length in days (ELSO neonatal respiratory runs last about 5–7 days, cardiac and
# ECPR runs fewer; UNVERIFIED medians).
RUN_DAYS: dict[tuple[str, str], float] = {
    ("neonate", "pulmonary"): 6.0,
    ("pediatric", "pulmonary"): 8.5,
    ("adult", "pulmonary"): 11.0,
}
YEAR_WEIGHTS: dict[int, float] = {
    2019: 0.09,
    2020: 0.09,
    2021: 0.11,
    2022: 0.12,
    2023: 0.13,
    2024: 0.15,
    2025: 0.16,
    2026: 0.15,
}
# Primary indication by age group and support type (weights); neonatal indications from the
# ELSO neonatal respiratory categories, fulminant myocarditis frequent in Chinese series.
INDICATIONS: dict[tuple[str, str], dict[str, float]] = {
    ("neonate", "pulmonary"): {
        "cdh": 26,
        "mas": 26,
        "pphn": 20,
        "neonatal_sepsis": 10,
        "neonatal_rds": 12,
        "other": 6,
    },
    ("neonate", "cardiac"): {
        "congenital_heart_disease": 42,
        "post_cardiotomy": 36,
        "myocarditis": 5,
        "arrhythmia": 5,
        "septic_shock": 12,
    },
    ("pediatric", "pulmonary"): {
        "viral_pneumonia": 26,
        "bacterial_pneumonia": 16,
        "rsv": 8,
        "pertussis": 5,
        "asthma": 3,
        "aspiration": 5,
        "sepsis_ards": 14,
        "ards_other": 18,
        "other": 5,
    },
    ("pediatric", "cardiac"): {
        "myocarditis": 34,
        "post_cardiotomy": 30,
        "cardiomyopathy": 12,
        "congenital_heart_disease": 8,
        "arrhythmia": 5,
        "septic_shock": 8,
        "pulmonary_hypertension": 3,
    },
    ("adult", "pulmonary"): {"viral_pneumonia": 50, "ards_other": 30, "sepsis_ards": 20},
    ("adult", "cardiac"): {"myocarditis": 45, "cardiomyopathy": 30, "congenital_heart_disease": 25},
}
ECPR_INDICATIONS = {"in_hospital_arrest": 85, "out_of_hospital_arrest": 15}
ICD10: dict[str, str] = {
    "cdh": "Q79.0",
    "mas": "P24.0",
    "pphn": "P29.3",
    "neonatal_rds": "P22.0",
    "neonatal_sepsis": "P36.9",
    "viral_pneumonia": "J12.9",
    "bacterial_pneumonia": "J15.7",
    "rsv": "J12.1",
    "pertussis": "A37.9",
    "asthma": "J45.9",
    "aspiration": "J69.0",
    "sepsis_ards": "J80",
    "ards_other": "J80",
    "congenital_heart_disease": "Q24.9",
    "post_cardiotomy": "I97.1",
    "myocarditis": "I40.9",
    "cardiomyopathy": "I42.9",
    "arrhythmia": "I47.2",
    "septic_shock": "R57.2",
    "pulmonary_hypertension": "I27.2",
    "in_hospital_arrest": "I46.9",
    "out_of_hospital_arrest": "I46.9",
    "other": "J98.8",
}
OTHER_INDICATIONS = ("先天性肺气道畸形", "乳糜胸", "重症腺病毒肺炎合并闭塞性细支气管炎")
OUTSIDE_HOSPITALS = (
    "六安市人民医院",
    "淮南市妇幼保健院",
    "宿州市立医院",
    "滁州市第一人民医院",
    "马鞍山市妇幼保健院",
    "铜陵市人民医院",
    "黄山市人民医院",
    "亳州市人民医院",
)
# Road distance from each spoke to the ECMO centres, km (approximate).
DISTANCE_KM: dict[str, float] = {
    "bengbu": 160,
    "funan": 250,
    "linquan": 280,
    "huoqiu": 150,
    "shucheng": 70,
    "tongcheng": 130,
    "qianshan": 170,
}
# Complication items: category and % of runs reported (neonatal, pediatric, adult). Rates
# marked "PMC7102020" are ELSO's respiratory-ECLS table (§1.4); the others UNVERIFIED.
COMPLICATIONS: dict[str, tuple[str, tuple[float, float, float]]] = {
    "oxygenator_failure": ("mechanical", (5.7, 10.6, 9.1)),  # PMC7102020
    "pump_malfunction": ("mechanical", (1.6, 2.2, 1.5)),  # PMC7102020
    "oxygenator_clots": ("mechanical", (16.7, 11.1, 13.6)),  # PMC7102020
    "cannula_problem": ("mechanical", (11.5, 15.3, 5.9)),  # PMC7102020
    "circuit_clots": ("mechanical", (9.0, 7.0, 6.0)),
    "air_in_circuit": ("mechanical", (1.0, 1.0, 1.0)),
    "circuit_change": ("mechanical", (5.0, 6.0, 8.0)),
    "cannulation_site_bleeding": ("hemorrhagic", (7.9, 18.3, 13.2)),  # PMC7102020
    "surgical_site_bleeding": ("hemorrhagic", (4.0, 4.0, 4.0)),
    "gi_hemorrhage": ("hemorrhagic", (3.0, 4.0, 5.0)),
    "hemolysis": ("hemorrhagic", (8.0, 8.0, 6.0)),
    "dic": ("hemorrhagic", (3.0, 3.0, 3.0)),
    "seizures_clinical": ("neurologic", (8.7, 4.8, 1.1)),  # PMC7102020
    "seizures_eeg": ("neurologic", (1.4, 1.6, 0.4)),  # PMC7102020
    "cns_infarct": ("neurologic", (6.8, 4.2, 2.0)),  # PMC7102020
    "cns_hemorrhage": ("neurologic", (7.6, 6.4, 3.9)),  # PMC7102020
    "creatinine_1_5_to_3": ("renal", (5.0, 8.0, 10.0)),
    "creatinine_over_3": ("renal", (2.0, 4.0, 6.0)),
    "dialysis": ("renal", (3.1, 11.1, 9.9)),  # PMC7102020
    "hemofiltration": ("renal", (2.2, 8.9, 11.8)),  # PMC7102020 (CAVHD)
    "inotropes_on_ecls": ("cardiovascular", (12.0, 12.0, 10.0)),
    "cpr_on_ecls": ("cardiovascular", (2.0, 2.0, 2.0)),
    "arrhythmia": ("cardiovascular", (4.0, 5.0, 6.0)),
    "hypertension": ("cardiovascular", (8.0, 4.0, 2.0)),
    "pneumothorax": ("pulmonary", (5.0, 4.0, 4.0)),
    "pulmonary_hemorrhage": ("pulmonary", (4.0, 5.0, 5.0)),
    "culture_proven_infection": ("infectious", (5.8, 16.8, 17.5)),  # PMC7102020
    "cannula_site_infection": ("infectious", (1.0, 2.0, 2.0)),
    "hypoglycemia": ("metabolic", (1.0, 0.5, 0.5)),
    "hyperglycemia": ("metabolic", (8.0, 5.0, 5.0)),
    "acidosis": ("metabolic", (3.0, 3.0, 3.0)),
    "alkalosis": ("metabolic", (2.0, 2.0, 2.0)),
    "hyperbilirubinemia": ("metabolic", (6.0, 3.0, 2.0)),
    "limb_ischemia": ("limb", (0.5, 2.0, 4.0)),
    "compartment_syndrome": ("limb", (0.2, 0.5, 1.0)),
    "fasciotomy": ("limb", (0.2, 0.5, 1.0)),
    "amputation": ("limb", (0.0, 0.1, 0.2)),
}
PUMPS = ("Maquet Rotaflow", "Medtronic Bio-Console 560", "LivaNova Revolution", "Abbott CentriMag")
OXYGENATORS_SMALL = ("Maquet Quadrox-iD Pediatric", "Medos Hilite 800 LT", "Eurosets A.L.ONE ECMO Neo")
OXYGENATORS_LARGE = ("Maquet Quadrox-iD Adult", "Medos Hilite 7000 LT", "Eurosets A.L.ONE ECMO")
CONVENTIONAL = ("pressure_control", "volume_control", "prvc", "simv")


# --- the plan of one run --------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    hospital_id: int
    name_zh: str
    units: Mapping[str, int]  # unit type (PICU, NICU, CICU, ward…) -> org unit id
    ecmo: bool
    beds: int
    manager_id: int | None

    def unit_for(self, preferred: Sequence[str]) -> tuple[int, str]:
        """The first of the preferred unit types the hospital has (its ward otherwise)."""
        for unit_type in preferred:
            if unit_type in self.units:
                return self.units[unit_type], unit_type
        if "ward" in self.units:
            return self.units["ward"], "ward"
        return self.hospital_id, "other"


@dataclass
class Plan:
    center: Place
    spoke: Place | None  # a network hospital the child came from (records there too)
    age_group: str
    support: str
    indication: str
    age_days: int
    weight: float
    start: dt.datetime
    end: dt.datetime | None  # None: the run goes on
    weaned: bool
    survived: bool
    discharge: dt.datetime | None  # hospital discharge or death; None: still in hospital
    retrieval: bool
    outside_referral: str | None
    stale: bool = False
    discharge_before_end: bool = False
    birth: dt.date = field(init=False)

    def __post_init__(self) -> None:
        self.birth = self.start.astimezone(ZONE).date() - dt.timedelta(days=self.age_days)


@dataclass
class GeneratedRun:
    """One run's records by level of the form tree, as insert rows without ids."""

    patient: dict[str, Any]
    spoke_episode: dict[str, Any] | None
    episode: dict[str, Any]
    under_episode: list[dict[str, Any]]  # diagnosis, pre_ecls, ecls_run (last)
    under_run: list[dict[str, Any]]
    patient_unit: int
    network_id: str
    stamps: tuple[dt.datetime, dt.datetime, dt.datetime | None, int | None]


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _normal(rng: random.Random, mean: float, sd: float, low: float, high: float, digits: int = 1) -> float:
    return round(_clip(rng.gauss(mean, sd), low, high), digits)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(ZONE).isoformat(timespec="minutes")


def _age_days(rng: random.Random, age_group: str, support: str, indication: str) -> int:
    if age_group == "neonate":
        if support == "pulmonary":
            return min(28, int(rng.expovariate(1 / 2.5)))
        return rng.randint(0, 28)
    if age_group == "adult":
        return int(rng.uniform(18.05, 30) * 365.25)
    medians = {
        "myocarditis": 6.0,
        "post_cardiotomy": 0.5,
        "congenital_heart_disease": 0.4,
        "cardiomyopathy": 3,
    }
    spread = 0.7 if indication == "myocarditis" else 1.1
    years = math.exp(rng.gauss(math.log(medians.get(indication, 2.0)), spread))
    return int(_clip(years, 30 / 365.25, 17.8) * 365.25)


def _weight(rng: random.Random, age_days: int) -> float:
    """Weight for age (a smooth growth curve with ±12 % spread)."""
    years = age_days / 365.25
    if age_days <= 28:
        base = 3.2 + age_days * 0.025
    elif years < 1:
        base = 3.5 + years * 12 * 0.55
    elif years < 12:
        base = 2 * years + 8
    else:
        base = min(65.0, 3 * years + 7)
    return round(_clip(base * rng.gauss(1, 0.12), 1.8, 110), 2)


def _start(rng: random.Random, horizon: dt.datetime) -> dt.datetime:
    year = int(_pick(rng, {str(y): w for y, w in YEAR_WEIGHTS.items()}))
    first = dt.datetime(year, 1, 1, tzinfo=ZONE)
    last = min(dt.datetime(year + 1, 1, 1, tzinfo=ZONE), horizon - dt.timedelta(hours=2))
    span = max((last - first).total_seconds(), 3600.0)
    return (first + dt.timedelta(seconds=rng.uniform(0, span))).replace(second=0, microsecond=0)


def _run_days(rng: random.Random, age_group: str, support: str) -> float:
    median = RUN_DAYS.get((age_group, support), 4.5 if support == "cardiac" else 3.5)
    return _clip(math.exp(rng.gauss(math.log(median), 0.55)), 0.4, 55)


def _plan(
    rng: random.Random, centers: Mapping[str, float], places: Mapping[str, Place], horizon: dt.datetime
) -> Plan:
    center = places[_pick(rng, centers)]
    spokes = {p.code: float(p.beds) for p in places.values() if not p.ecmo}
    age_group = _pick(rng, AGE_GROUPS)
    support = _pick(rng, SUPPORT_TYPES[age_group])
    indication = _pick(rng, ECPR_INDICATIONS if support == "ecpr" else INDICATIONS[(age_group, support)])
    age_days = _age_days(rng, age_group, support, indication)
    start = _start(rng, horizon)
    if age_days == 0:
        start = start.replace(hour=max(start.hour, 4))
    ecls, discharge = SURVIVAL[(age_group, support)]
    weaned = rng.random() < ecls
    survived = weaned and rng.random() < discharge / ecls
    end = start + dt.timedelta(days=_run_days(rng, age_group, support))
    if weaned:
        leave = end + dt.timedelta(days=rng.uniform(4, 40) if survived else rng.uniform(0.5, 25))
    else:
        leave = end
    came = rng.random()
    spoke = places[_pick(rng, spokes)] if spokes and came < 0.33 and support != "ecpr" else None
    outside = rng.choice(OUTSIDE_HOSPITALS) if spoke is None and 0.33 <= came < 0.55 else None
    plan = Plan(
        center=center,
        spoke=spoke,
        age_group=age_group,
        support=support,
        indication=indication,
        age_days=age_days,
        weight=_weight(rng, age_days),
        start=start,
        end=end.replace(second=0, microsecond=0) if end < horizon else None,
        weaned=weaned,
        survived=survived,
        discharge=leave.replace(second=0, microsecond=0) if leave < horizon and end < horizon else None,
        retrieval=spoke is not None and rng.random() < 0.45,
        outside_referral=outside,
    )
    plan.stale = plan.discharge is not None and rng.random() < 0.02
    plan.discharge_before_end = plan.discharge is not None and plan.survived and rng.random() < 0.01
    return plan


# --- forms ----------------------------------------------------------------------------------


def _patient_form(rng: random.Random, plan: Plan, network_id: str, registered: dt.datetime) -> dict[str, Any]:
    registration = registered.astimezone(ZONE).date()
    values: dict[str, Any] = {
        "network_id": network_id,
        "sex": "male" if rng.random() < 0.56 else ("female" if rng.random() < 0.995 else "ambiguous"),
        "registration_date": registration.isoformat(),
        "birth_date": plan.birth.isoformat(),
        "weight_kg": plan.weight,
    }
    if (registration - plan.birth).days <= 28:
        weeks = rng.choice((34, 35, 36)) if rng.random() < 0.12 else rng.randint(37, 41)
        values["gestational_age_weeks"] = weeks
        values["birth_weight_kg"] = round(_clip(rng.gauss(3.3 - 0.2 * (40 - weeks), 0.35), 1.6, 4.8), 2)
    if rng.random() < 0.9:
        values["height_cm"] = _height(rng, plan.age_days)
    return values


def _height(rng: random.Random, age_days: int) -> float:
    years = age_days / 365.25
    if years < 1:
        base = 50 + years * 25
    elif years < 13:
        base = 6 * years + 77
    else:
        base = min(172.0, 6 * years + 77)
    return round(_clip(base * rng.gauss(1, 0.04), 40, 195), 1)


def _episode_form(
    rng: random.Random,
    plan: Plan,
    admitted: dt.datetime,
    unit_type: str,
    referral: str,
    referring: str | None,
    discharged: dt.datetime | None,
) -> dict[str, Any]:
    kinds = {"PICU": "picu", "NICU": "nicu", "CICU": "cicu"}
    values: dict[str, Any] = {
        "admission_datetime": _iso(admitted),
        "admission_unit_type": kinds.get(unit_type, "other"),
        "referral_source": referral,
    }
    if rng.random() < 0.85:
        values["icu_admission_datetime"] = _iso(admitted + dt.timedelta(minutes=rng.randint(0, 90)))
    if referral == "other_hospital":
        values["referring_hospital"] = referring
        values["transferred_on_ecls"] = (
            plan.retrieval and plan.spoke is not None and referring == plan.spoke.name_zh
        )
    if discharged is not None:
        values["hospital_discharge_datetime"] = _iso(discharged)
    return values


def _diagnosis_form(rng: random.Random, plan: Plan) -> dict[str, Any]:
    systems = {"septic_shock": "infectious", "neonatal_sepsis": "infectious", "sepsis_ards": "infectious"}
    default_system = "respiratory" if plan.support == "pulmonary" else "cardiovascular"
    renal = rng.random() < 0.15
    values: dict[str, Any] = {
        "primary_diagnosis_icd10": ICD10[plan.indication],
        "primary_indication": plan.indication,
        "cancer": plan.age_group != "neonate" and rng.random() < 0.03,
        "acute_renal_failure": renal,
        "acute_liver_failure": rng.random() < 0.05,
    }
    if plan.indication == "other":
        values["primary_indication_other"] = rng.choice(OTHER_INDICATIONS)
    if rng.random() < 0.9:
        values["primary_system"] = systems.get(plan.indication, default_system)
    secondary = ["J96.0"] if plan.support == "pulmonary" else []
    if renal:
        secondary.append("N17.9")
    if plan.age_group == "neonate" and rng.random() < 0.1:
        secondary.append("P07.3")
    if secondary:
        values["secondary_diagnoses_icd10"] = secondary
    return values


def _ventilation(rng: random.Random, plan: Plan) -> dict[str, Any]:
    pulmonary = plan.support == "pulmonary"
    if plan.age_group == "neonate" and pulmonary:
        mode = "hfov" if rng.random() < 0.55 else rng.choice(("pressure_control", "simv"))
    elif plan.indication == "out_of_hospital_arrest":
        mode = "pressure_control"
    else:
        mode = _pick(rng, {"pressure_control": 40, "prvc": 15, "volume_control": 10, "simv": 10, "hfov": 15})
    hours = math.exp(rng.gauss(math.log(60 if pulmonary else 18), 0.9))
    values: dict[str, Any] = {
        "mechanical_ventilation_hours": int(_clip(hours, 1, 900)),
        "ventilator_mode": mode,
        "inhaled_nitric_oxide": rng.random() < (0.7 if plan.age_group == "neonate" and pulmonary else 0.2),
    }
    if mode in CONVENTIONAL:
        neonate = plan.age_group == "neonate"
        values["ventilator_rate"] = rng.randint(40, 60) if neonate else rng.randint(18, 40)
        values["peak_inspiratory_pressure"] = _normal(rng, 32 if pulmonary else 24, 5, 14, 44)
        values["peep"] = _normal(rng, 9 if pulmonary else 6, 2, 4, 16)
        values["mean_airway_pressure"] = _normal(rng, 18 if pulmonary else 12, 4, 6, 34)
    elif mode == "hfov":
        values["mean_airway_pressure"] = _normal(rng, 22, 4, 10, 36)
        values["hfov_frequency"] = _normal(rng, 10 if plan.age_group == "neonate" else 6, 1.2, 4, 14)
    if rng.random() < 0.8:
        values["neuromuscular_blockade"] = rng.random() < 0.6
        values["bicarbonate_infusion"] = rng.random() < 0.3
    return values


def _gas_and_circulation(rng: random.Random, plan: Plan) -> dict[str, Any]:
    ph_mean = {"pulmonary": 7.18, "cardiac": 7.2, "ecpr": 7.02}[plan.support]
    pulmonary = plan.support == "pulmonary"
    values: dict[str, Any] = {
        "ph": _normal(rng, ph_mean, 0.1, 6.62, 7.5, 2),
        "paco2": _normal(rng, 72 if pulmonary else 46, 18 if pulmonary else 12, 25, 140),
        "pao2": _normal(rng, 42 if pulmonary else 85, 10 if pulmonary else 35, 18, 400),
        "fio2": 1.0 if pulmonary or rng.random() < 0.6 else round(rng.uniform(0.5, 0.95), 2),
        "lactate": _normal(rng, {"pulmonary": 3.0, "cardiac": 7.0, "ecpr": 11.0}[plan.support], 3.5, 0.5, 30),
    }
    if rng.random() < 0.8:
        values["blood_gas_datetime"] = _iso(plan.start - dt.timedelta(minutes=rng.randint(20, 300)))
    if rng.random() < 0.7:
        values["sao2"] = _normal(rng, 72 if pulmonary else 88, 10, 25, 100)
        values["hco3"] = _normal(rng, 21, 5, 6, 40)
        values["base_excess"] = _normal(rng, -4 if pulmonary else -10, 5, -32, 15)
    if plan.support != "ecpr" or rng.random() < 0.5:
        systolic = int(_normal(rng, 48 if plan.age_group == "neonate" else 72, 12, 25, 140, 0))
        diastolic = int(systolic * rng.uniform(0.45, 0.65))
        values |= {
            "systolic_bp": systolic,
            "diastolic_bp": diastolic,
            "mean_bp": diastolic + (systolic - diastolic) // 3,
        }
    if plan.support == "cardiac" and rng.random() < 0.6:
        values["svo2"] = _normal(rng, 45, 10, 15, 85)
    drugs = ["epinephrine", "milrinone", "dopamine"] if plan.support != "pulmonary" else ["dopamine"]
    if rng.random() < 0.5:
        drugs.append(rng.choice(("norepinephrine", "dobutamine", "vasopressin", "levosimendan")))
    values["vasoactive_drugs"] = sorted(set(drugs))
    values["vasoactive_inotropic_score"] = _normal(rng, 28 if plan.support != "pulmonary" else 14, 12, 0, 95)
    return values


def _arrest_and_scores(rng: random.Random, plan: Plan) -> dict[str, Any]:
    arrest = plan.support == "ecpr" or rng.random() < 0.12
    values: dict[str, Any] = {"cardiac_arrest": arrest, "prior_ecls": False}
    if arrest:
        values["cpr_at_cannulation"] = plan.support == "ecpr"
        minutes = math.exp(rng.gauss(math.log(45), 0.45)) if plan.support == "ecpr" else rng.uniform(2, 25)
        values["cpr_duration_minutes"] = int(_clip(minutes, 1, 200))
    if rng.random() < 0.6:
        recovery = "bypass_cardiac" if plan.indication == "post_cardiotomy" else "none"
        values |= {
            "pim3_elective_admission": plan.indication == "post_cardiotomy" and rng.random() < 0.5,
            "pim3_recovery": recovery,
            "pim3_mechanical_ventilation": True,
            "pim3_pupils_fixed": plan.support == "ecpr" and rng.random() < 0.1,
            "pim3_systolic_bp": int(_normal(rng, 60, 15, 0, 130, 0)),
            "pim3_base_excess": _normal(rng, -6, 5, -30, 12),
            "pim3_pao2": _normal(rng, 55, 20, 20, 300),
            "pim3_fio2": round(rng.uniform(0.6, 1.0), 2),
        }
        diagnoses = {
            "myocarditis": "cardiomyopathy_myocarditis",
            "cardiomyopathy": "cardiomyopathy_myocarditis",
        }
        if plan.indication in diagnoses:
            values["pim3_diagnoses"] = [diagnoses[plan.indication]]
        elif arrest:
            values["pim3_diagnoses"] = ["cardiac_arrest_before_icu"]
    if rng.random() < 0.5:
        low = _normal(rng, 7.15, 0.1, 6.85, 7.4, 2)
        co2_low = _normal(rng, 18, 4, 8, 30)
        values |= {
            "prism_gcs": rng.randint(3, 15),
            "prism_pupils": "both_reactive" if rng.random() < 0.93 else "one_fixed",
            "prism_heart_rate": int(
                _normal(rng, 165 if plan.age_group == "neonate" else 140, 25, 60, 230, 0)
            ),
            "prism_temperature": _normal(rng, 37.4, 1.0, 34, 40.5),
            "prism_ph_low": low,
            "prism_ph_high": round(low + rng.uniform(0, 0.2), 2),
            "prism_total_co2_low": co2_low,
            "prism_total_co2_high": round(co2_low + rng.uniform(0, 8), 1),
            "prism_glucose": _normal(rng, 8, 3, 2.5, 25),
            "prism_potassium": _normal(rng, 4.5, 0.8, 2.5, 7.5),
            "prism_creatinine": _normal(rng, 60, 30, 15, 400),
            "prism_platelets": _normal(rng, 160, 70, 15, 500),
            "prism_cpr_prior_24h": values["cardiac_arrest"],
        }
    return values


def _pre_ecls_form(rng: random.Random, plan: Plan) -> dict[str, Any]:
    return _ventilation(rng, plan) | _gas_and_circulation(rng, plan) | _arrest_and_scores(rng, plan)


def _mode(rng: random.Random, plan: Plan) -> str:
    if plan.support != "pulmonary":
        return "va" if rng.random() < 0.97 else "vva"
    share_vv = {"neonate": 0.3, "pediatric": 0.5, "adult": 0.85}[plan.age_group]
    roll = rng.random()
    return "vv" if roll < share_vv else ("vva" if roll < share_vv + 0.04 else "va")


def _cannulation(rng: random.Random, plan: Plan, mode: str) -> dict[str, Any]:
    big = plan.weight >= 25
    if plan.indication == "post_cardiotomy":
        sites, technique = ["right_atrium", "aorta"], "central"
    elif mode == "va":
        sites = (
            ["femoral_vein", "femoral_artery"]
            if big
            else ["right_internal_jugular_vein", "right_common_carotid_artery"]
        )
        technique = "percutaneous" if big else ("cutdown" if rng.random() < 0.8 else "semi_percutaneous")
    elif mode == "vva":
        sites = [
            "right_internal_jugular_vein",
            "femoral_vein",
            "femoral_artery" if big else "right_common_carotid_artery",
        ]
        technique = "semi_percutaneous"
    else:
        sites = ["right_internal_jugular_vein", "femoral_vein"] if big else ["right_internal_jugular_vein"]
        technique = "percutaneous" if big or rng.random() < 0.4 else "cutdown"
    drainage = int(_clip(8 + 3.2 * math.log(plan.weight) * 1.6 + rng.gauss(0, 1), 8, 29))
    values: dict[str, Any] = {"cannulation_sites": sites, "cannulation_technique": technique}
    if mode == "vv":
        values["vv_cannula"] = "two_cannulas" if big else "double_lumen"
    if rng.random() < 0.92:
        values["drainage_cannula_fr"] = drainage
        values["return_cannula_fr"] = int(_clip(drainage - rng.randint(2, 4), 6, 25))
    return values


def _run_form(rng: random.Random, plan: Plan, retrieval: Mapping[str, Any]) -> dict[str, Any]:
    mode = _mode(rng, plan)
    small = plan.weight < 20
    values: dict[str, Any] = {
        "run_number": 1,
        "support_type": plan.support,
        "mode": mode,
        "ecls_start": _iso(plan.start),
        "weight_at_cannulation_kg": plan.weight,
        "pump_type": "roller" if plan.age_group == "neonate" and rng.random() < 0.15 else "centrifugal",
        "oxygenator_type": "pmp_hollow_fiber" if rng.random() < 0.96 else "polypropylene_hollow_fiber",
        "mobile_retrieval": plan.retrieval,
        "cannulated_outside_hub": plan.retrieval,
    }
    if rng.random() < 0.9:
        emergency = plan.support == "ecpr" or plan.indication != "post_cardiotomy" or rng.random() < 0.5
        values["urgency"] = "emergency" if emergency else "elective"
    if mode != "vv" and plan.support == "pulmonary" and rng.random() < 0.05:
        values["mode_converted"] = True
    elif mode == "vv":
        values["mode_converted"] = rng.random() < 0.06
    if plan.end is not None:
        values["ecls_end"] = _iso(plan.end)
    values |= _cannulation(rng, plan, mode)
    if values["pump_type"] == "centrifugal" and rng.random() < 0.8:
        values["pump_model"] = rng.choice(PUMPS)
    if rng.random() < 0.8:
        values["oxygenator_model"] = rng.choice(OXYGENATORS_SMALL if small else OXYGENATORS_LARGE)
    if rng.random() < 0.95:
        values["anticoagulant"] = _pick(rng, {"unfractionated_heparin": 92, "bivalirudin": 5, "none": 3})
    if retrieval:
        values |= retrieval
    return values


def _outcome_form(rng: random.Random, plan: Plan, left: dt.datetime) -> dict[str, Any]:
    if plan.weaned:
        reasons = {"recovered": 90, "poor_prognosis": 0 if plan.survived else 8}
        if plan.support == "cardiac":
            reasons |= {"cpb": 5, "vad": 2, "heart_transplant": 1}
        reason = _pick(rng, reasons)
    else:
        reason = _pick(
            rng, {"died_on_ecls": 55, "poor_prognosis": 28, "family_request": 12, "complication": 5}
        )
    values: dict[str, Any] = {
        "weaned_off_ecls": plan.weaned,
        "discontinuation_reason": reason,
        "survived_to_discharge": plan.survived,
    }
    day = left.astimezone(ZONE).date().isoformat()
    if plan.survived:
        values["discharge_date"] = day
        values["discharge_location"] = _pick(
            rng, {"home": 72, "other_hospital": 12, "rehabilitation": 5, "against_medical_advice": 11}
        )
    else:
        values["death_date"] = day
        values["death_after_withdrawal"] = reason in ("poor_prognosis", "family_request")
        if rng.random() < 0.9:
            values["brain_death"] = rng.random() < 0.06
    return values


def _complications(rng: random.Random, plan: Plan, horizon: dt.datetime) -> list[dict[str, Any]]:
    column = {"neonate": 0, "pediatric": 1, "adult": 2}[plan.age_group]
    until = plan.end or horizon - dt.timedelta(hours=1)
    span = max((until - plan.start).total_seconds(), 600.0)
    factor = 1.0 if plan.survived else 1.3
    found = []
    for item, (category, rates) in COMPLICATIONS.items():
        rate = rates[column] / 100 * factor
        if category == "hemorrhagic" and plan.support != "pulmonary":
            rate *= 1.5
        if item == "surgical_site_bleeding" and plan.indication == "post_cardiotomy":
            rate = 0.3
        if rng.random() >= rate:
            continue
        onset = plan.start + dt.timedelta(seconds=rng.uniform(0, span) * rng.uniform(0.2, 1))
        values: dict[str, Any] = {
            "complication_category": category,
            "complication_item": item,
            "complication_datetime": _iso(min(onset, until)),
        }
        if item == "hemolysis":
            values["hemolysis_plasma_free_hb"] = _normal(rng, 110, 60, 50, 480, 0)
        found.append(values)
    return found


def _daily(rng: random.Random, plan: Plan, horizon: dt.datetime, renal: bool) -> list[dict[str, Any]]:
    last = plan.end or horizon - dt.timedelta(hours=1)
    moments = [plan.start + dt.timedelta(hours=6), plan.start + dt.timedelta(hours=rng.uniform(26, 34))]
    if (last - plan.start).days >= 3:
        moments.append(last - dt.timedelta(hours=6))
    first_day = plan.start.astimezone(ZONE).date()
    flow_per_kg = 0.12 if plan.age_group == "neonate" else 0.08
    rows = []
    for moment in moments:
        if moment > last:
            continue
        values: dict[str, Any] = {
            "observation_datetime": _iso(moment),
            "ecls_day": (moment.astimezone(ZONE).date() - first_day).days,
            "pump_flow": round(_clip(plan.weight * flow_per_kg * rng.uniform(0.8, 1.15), 0.2, 5.8), 2),
            "sweep_gas_flow": round(_clip(plan.weight * 0.06 * rng.uniform(0.5, 1.5), 0.2, 9), 1),
            "sweep_fio2": round(rng.uniform(0.5, 1.0), 2),
            "ph": _normal(rng, 7.4, 0.04, 7.2, 7.55, 2),
            "paco2": _normal(rng, 41, 5, 28, 60),
            "pao2": _normal(rng, 180, 60, 50, 420),
            "lactate": _normal(rng, 2.0, 1.0, 0.5, 12),
            "act": int(_normal(rng, 195, 20, 140, 260, 0)),
        }
        if rng.random() < 0.01:
            values["act"] = rng.randint(405, 460)  # planted: a confirmed soft-range value
        if plan.weight > 0 and rng.random() < 0.9:
            values["pump_speed"] = rng.randint(1800, 3600)
        if rng.random() < 0.85:
            mode = "pressure_control" if rng.random() < 0.7 else "simv"
            values |= {
                "ventilator_mode": mode,
                "fio2": round(rng.uniform(0.21, 0.4), 2),
                "peak_inspiratory_pressure": _normal(rng, 20, 3, 12, 30),
                "peep": _normal(rng, 9, 1.5, 5, 14),
            }
        if rng.random() < 0.9:
            values |= {
                "heparin_dose": _normal(rng, 35 if plan.age_group == "neonate" else 22, 8, 5, 58),
                "anti_xa": _normal(rng, 0.45, 0.12, 0.1, 1.0, 2),
                "aptt": _normal(rng, 65, 12, 35, 120),
                "platelets": _normal(rng, 120, 35, 30, 400, 0),
                "fibrinogen": _normal(rng, 2.4, 0.6, 0.8, 5),
                "plasma_free_hb": _normal(rng, 25, 15, 2, 120, 0),
                "urine_output": _normal(rng, 2.0, 0.9, 0.1, 6),
                "crrt": renal,
            }
        rows.append(values)
    return rows


# --- one run, validated ---------------------------------------------------------------------


def _related_fields(form: Form) -> dict[str, frozenset[str]]:
    """Fields of related records (``patient.birth_date``) the form's rules read, by form."""
    found: dict[str, set[str]] = {}
    for name in form.related_names():
        related, _, field_name = name.partition(".")
        found.setdefault(related, set()).add(field_name)
    return {k: frozenset(v) for k, v in found.items()}


class InvalidDemoRecord(RuntimeError):
    """The generator made a record the dictionary refuses: a bug of this module."""


@dataclass
class _Validator:
    dictionary: Dictionary
    today: dt.date
    reads: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)

    def clean(
        self, form: str, values: Mapping[str, Any], context: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, Any]:
        definition = self.dictionary.form(form)
        if form not in self.reads:
            self.reads[form] = _related_fields(definition)
        read = self.reads[form]
        # Only the related fields the form reads: reading whole related records is the slow part.
        trimmed = {name: {f: v[f] for f in read.get(name, ()) if f in v} for name, v in context.items()}
        result = validation.validate_record(
            definition,
            values,
            confirmed_soft=frozenset(definition.field_names),
            today=self.today,
            tz=TZ,
            context=trimmed,
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
        "retrieval_departure": _iso(departure),
        "retrieval_arrival": _iso(arrival.replace(second=0, microsecond=0)),
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
    patient = validator.clean("patient", _patient_form(rng, plan, network_id, registered_at), {})
    context: dict[str, Mapping[str, Any]] = {"patient": patient}
    preferred = ["NICU", "PICU"] if plan.age_group == "neonate" else ["PICU"]
    center_preferred = (["CICU"] if plan.support != "pulmonary" else []) + preferred
    spoke_episode = None
    if plan.spoke is not None:
        unit, unit_type = plan.spoke.unit_for(preferred)
        referral = "emergency" if rng.random() < 0.6 else rng.choice(("direct", "inpatient_ward"))
        values = _episode_form(
            rng, plan, times["spoke_in"] or center_in, unit_type, referral, None, times["spoke_out"]
        )
        spoke_episode = _row("episode", unit, validator.clean("episode", values, context))
        referral, referring = "other_hospital", plan.spoke.name_zh
    elif plan.outside_referral is not None:
        referral, referring = "other_hospital", plan.outside_referral
    elif plan.indication == "post_cardiotomy":
        referral, referring = "or_pacu", None
    else:
        referral, referring = _pick(rng, {"emergency": 50, "inpatient_ward": 40, "direct": 10}), None
    unit, unit_type = plan.center.unit_for(center_preferred)
    episode_values = _episode_form(rng, plan, center_in, unit_type, referral, referring, times["center_out"])
    episode = validator.clean("episode", episode_values, context)
    context["episode"] = episode
    diagnosis = validator.clean("diagnosis", _diagnosis_form(rng, plan), context)
    pre_ecls = validator.clean("pre_ecls", _pre_ecls_form(rng, plan), context)
    run = validator.clean("ecls_run", _run_form(rng, plan, retrieval), context)
    context["ecls_run"] = run
    complications = [validator.clean("complication", c, context) for c in _complications(rng, plan, horizon)]
    renal = any(c["complication_item"] in ("dialysis", "hemofiltration") for c in complications)
    daily = [validator.clean("daily_observation", d, context) for d in _daily(rng, plan, horizon, renal)]
    under_run = [_row("complication", unit, c) for c in complications]
    under_run += [_row("daily_observation", unit, d) for d in daily]
    if plan.discharge is not None:
        outcome = validator.clean("outcome", _outcome_form(rng, plan, plan.discharge), context)
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
        candidate = "LN-" + "".join(rng.choice(_ALPHABET) for _ in range(10))
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
        generated.append(_generate(rng, _plan(rng, centers, places, horizon), network_id, validator, horizon))
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
