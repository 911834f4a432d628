"""The demo registry's proportions and the plan of one generated run: who the child is, what
support, where and when, and how it ends — before any form is filled in. The sources of the
proportions are listed in :mod:`lifenet.registry.demo`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

TZ = "Asia/Shanghai"
ZONE = ZoneInfo(TZ)
FIRST_YEAR = 2019

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


def pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def normal(rng: random.Random, mean: float, sd: float, low: float, high: float, digits: int = 1) -> float:
    return round(clip(rng.gauss(mean, sd), low, high), digits)


def iso(moment: dt.datetime) -> str:
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
    return int(clip(years, 30 / 365.25, 17.8) * 365.25)


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
    return round(clip(base * rng.gauss(1, 0.12), 1.8, 110), 2)


def _start(rng: random.Random, horizon: dt.datetime) -> dt.datetime:
    year = int(pick(rng, {str(y): w for y, w in YEAR_WEIGHTS.items()}))
    first = dt.datetime(year, 1, 1, tzinfo=ZONE)
    last = min(dt.datetime(year + 1, 1, 1, tzinfo=ZONE), horizon - dt.timedelta(hours=2))
    span = max((last - first).total_seconds(), 3600.0)
    return (first + dt.timedelta(seconds=rng.uniform(0, span))).replace(second=0, microsecond=0)


def _run_days(rng: random.Random, age_group: str, support: str) -> float:
    median = RUN_DAYS.get((age_group, support), 4.5 if support == "cardiac" else 3.5)
    return clip(math.exp(rng.gauss(math.log(median), 0.55)), 0.4, 55)


def plan_run(
    rng: random.Random, centers: Mapping[str, float], places: Mapping[str, Place], horizon: dt.datetime
) -> Plan:
    center = places[pick(rng, centers)]
    spokes = {p.code: float(p.beds) for p in places.values() if not p.ecmo}
    age_group = pick(rng, AGE_GROUPS)
    support = pick(rng, SUPPORT_TYPES[age_group])
    indication = pick(rng, ECPR_INDICATIONS if support == "ecpr" else INDICATIONS[(age_group, support)])
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
    spoke = places[pick(rng, spokes)] if spokes and came < 0.33 and support != "ecpr" else None
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
