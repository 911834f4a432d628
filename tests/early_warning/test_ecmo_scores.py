"""ECMO risk scores: P-PREP (pediatric respiratory), RESP (adult respiratory), SAVE (adult VA).

Worked examples come from shared/references/clinical-scores.md sections 2.1, 2.7 and 2.8 (the
P-PREP examples and its logistic conversion; the RESP and SAVE examples, recomputed with the
constants this project takes, -2 and -6, see docs/scores/resp.md and save.md). Band edges come
from the published point tables, read on continuous values as the docs pages describe.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest

from lifenet.early_warning.scores import all_scores, get_score
from lifenet.early_warning.scores.base import ERRORS_COLUMN, TOTAL_COLUMN, ScoreInputError

PPREP = get_score("pprep")
RESP = get_score("resp")
SAVE = get_score("save")

PPREP_BASE: dict[str, Any] = {"ecmo_mode": "VA", "mv_days": 2, "pao2": 400, "fio2": 1.0, "diagnosis": "other"}
RESP_BASE: dict[str, Any] = {"age_years": 30, "mv_hours": 200, "diagnosis": "non_respiratory_or_chronic"}
SAVE_BASE: dict[str, Any] = {"age_years": 70, "weight_kg": 95, "intubation_hours": 0}


def points(definition: Any, base: dict[str, Any], component: str, **changes: Any) -> float:
    values: float = definition.score_one({**base, **changes}).components[component]
    return values


# ----- registration and labels -----------------------------------------------------------------


def test_the_three_ecmo_scores_are_registered() -> None:
    assert {"pprep", "resp", "save"} <= set(all_scores())


# ----- P-PREP ------------------------------------------------------------------------------------

# clinical-scores.md §2.1 worked examples (points from Bailly 2017's table; mortality from its
# conversion 1 / (1 + e^-(0.1196 x score - 1.2769))), and the table's extremes -13 and 53.
PPREP_EXAMPLES = [
    (
        "vv_rsv_severe_hypoxia",
        {"ecmo_mode": "VV", "mv_days": 3, "pao2": 80, "fio2": 1.0, "ph": 7.20, "diagnosis": "rsv"},
        -1,
        0.198,
    ),
    (
        "va_sepsis_cancer_long_ventilation",
        {
            "ecmo_mode": "VA",
            "mv_days": 20,
            "pao2": 150,
            "fio2": 1.0,
            "ph": 7.05,
            "diagnosis": "sepsis_ards",
            "cancer": True,
        },
        20,
        0.753,
    ),
    (
        "lowest_possible",
        {"ecmo_mode": "VV", "mv_days": 1, "pao2": 350, "fio2": 1.0, "ph": 7.40, "diagnosis": "asthma"},
        -13,
        0.056,
    ),
    (
        "highest_possible",
        {
            "ecmo_mode": "VA",
            "mv_days": 15,
            "pao2": 50,
            "fio2": 1.0,
            "ph": 6.9,
            "diagnosis": "pertussis",
            "cardiac_arrest": True,
            "cancer": True,
            "renal_dysfunction": True,
            "liver_dysfunction": True,
        },
        53,
        0.994,
    ),
]


@pytest.mark.parametrize(
    ("case", "values", "total", "mortality"), PPREP_EXAMPLES, ids=[e[0] for e in PPREP_EXAMPLES]
)
def test_pprep_worked_examples_give_published_total_and_mortality(
    case: str, values: dict[str, Any], total: float, mortality: float
) -> None:
    result = PPREP.score_one(values)
    assert result.total == total
    assert result.predicted_mortality == pytest.approx(mortality, abs=5e-4)
    assert result.predicted_mortality == pytest.approx(1 / (1 + math.exp(-(0.1196 * total - 1.2769))))
    assert result.extras["logit"] == pytest.approx(0.1196 * total - 1.2769)


@pytest.mark.parametrize(
    ("component", "changes", "expected"),
    [
        ("mechanical_ventilation", {"mv_days": 0}, 0),
        ("mechanical_ventilation", {"mv_days": 14}, 0),
        ("mechanical_ventilation", {"mv_days": 14.1}, 5),
        ("pf_ratio", {"pao2": 100}, 7),
        ("pf_ratio", {"pao2": 100.1}, 5),
        ("pf_ratio", {"pao2": 200}, 5),
        ("pf_ratio", {"pao2": 200.1}, 4),
        ("pf_ratio", {"pao2": 300}, 4),
        ("pf_ratio", {"pao2": 300.1}, 0),
        ("pf_ratio", {"pao2": 60, "fio2": 0.5}, 5),  # 120 mmHg: FiO2 is a fraction
        # Exactly on the edges although the float division is not: 42.2 / 0.211 and 21.1 / 0.211
        ("pf_ratio", {"pao2": 42.2, "fio2": 0.211}, 5),
        ("pf_ratio", {"pao2": 21.1, "fio2": 0.211}, 7),
        ("ph", {"ph": 7.10}, 1),
        ("ph", {"ph": 7.11}, 0),
        ("ph", {"ph": 7.34}, 0),
        ("ph", {"ph": 7.35}, -1),
        ("ph", {}, 0),
        ("ecmo_mode", {"ecmo_mode": "VA"}, 0),
        ("ecmo_mode", {"ecmo_mode": "VV"}, -4),
        ("diagnosis", {"diagnosis": "asthma"}, -8),
        ("diagnosis", {"diagnosis": "aspiration"}, -5),
        ("diagnosis", {"diagnosis": "rsv"}, -4),
        ("diagnosis", {"diagnosis": "sepsis_ards"}, 3),
        ("diagnosis", {"diagnosis": "pertussis"}, 5),
        ("diagnosis", {"diagnosis": "other"}, 0),
        ("cardiac_arrest", {"cardiac_arrest": True}, 3),
        ("cancer", {"cancer": True}, 6),
        ("renal_dysfunction", {"renal_dysfunction": True}, 8),
        ("liver_dysfunction", {"liver_dysfunction": True}, 18),
        ("liver_dysfunction", {"liver_dysfunction": False}, 0),
    ],
)
def test_pprep_band_edges_score_both_sides(component: str, changes: dict[str, Any], expected: float) -> None:
    assert points(PPREP, PPREP_BASE, component, **changes) == expected


def test_pprep_publishes_no_risk_class_only_the_model_probability() -> None:
    result = PPREP.score_one(PPREP_BASE)
    assert set(result.extras) == {"logit"}
    assert result.predicted_mortality == pytest.approx(1 / (1 + math.exp(1.2769)))


# ----- RESP --------------------------------------------------------------------------------------

# clinical-scores.md §2.7 worked example (35 y, ventilated < 48 h, viral pneumonia, neuromuscular
# blockade: 7 points from the table) recomputed with the -2 constant, and the table's extremes.
RESP_EXAMPLES = [
    (
        "young_viral_pneumonia",
        {"age_years": 35, "mv_hours": 24, "diagnosis": "viral_pneumonia", "neuromuscular_blockade": True},
        5,
        "II",
        0.76,
    ),
    (
        "highest_possible",
        {"age_years": 25, "mv_hours": 10, "diagnosis": "asthma", "neuromuscular_blockade": True},
        13,
        "I",
        0.92,
    ),
    (
        "lowest_possible",
        {
            "age_years": 70,
            "immunocompromised": True,
            "mv_hours": 240,
            "diagnosis": "non_respiratory_or_chronic",
            "cns_dysfunction": True,
            "non_pulmonary_infection": True,
            "nitric_oxide": True,
            "bicarbonate_infusion": True,
            "cardiac_arrest": True,
            "paco2": 80,
            "peak_inspiratory_pressure": 45,
        },
        -24,
        "V",
        0.18,
    ),
    (
        "older_bacterial_pneumonia_with_nitric_oxide",
        {
            "age_years": 55,
            "mv_hours": 72,
            "diagnosis": "bacterial_pneumonia",
            "nitric_oxide": True,
            "paco2": 60,
            "peak_inspiratory_pressure": 35,
        },
        -1,
        "III",
        0.57,
    ),
]


@pytest.mark.parametrize(
    ("case", "values", "total", "risk_class", "survival"), RESP_EXAMPLES, ids=[e[0] for e in RESP_EXAMPLES]
)
def test_resp_worked_examples_give_total_class_and_published_survival(
    case: str, values: dict[str, Any], total: float, risk_class: str, survival: float
) -> None:
    result = RESP.score_one(values)
    assert result.total == total
    assert result.components["constant"] == -2
    assert result.extras == {"risk_class": risk_class, "risk_class_observed_survival": survival}
    assert result.predicted_mortality is None


@pytest.mark.parametrize(
    ("component", "changes", "expected"),
    [
        ("age", {"age_years": 18}, 0),
        ("age", {"age_years": 49.9}, 0),
        ("age", {"age_years": 50}, -2),
        ("age", {"age_years": 59.9}, -2),
        ("age", {"age_years": 60}, -3),
        ("mechanical_ventilation", {"mv_hours": 0}, 3),
        ("mechanical_ventilation", {"mv_hours": 47.9}, 3),
        ("mechanical_ventilation", {"mv_hours": 48}, 1),
        ("mechanical_ventilation", {"mv_hours": 168}, 1),
        ("mechanical_ventilation", {"mv_hours": 168.1}, 0),
        ("paco2", {"paco2": 74.9}, 0),
        ("paco2", {"paco2": 75}, -1),
        ("paco2", {}, 0),
        ("peak_inspiratory_pressure", {"peak_inspiratory_pressure": 41.9}, 0),
        ("peak_inspiratory_pressure", {"peak_inspiratory_pressure": 42}, -1),
        ("diagnosis", {"diagnosis": "viral_pneumonia"}, 3),
        ("diagnosis", {"diagnosis": "bacterial_pneumonia"}, 3),
        ("diagnosis", {"diagnosis": "asthma"}, 11),
        ("diagnosis", {"diagnosis": "trauma_burn"}, 3),
        ("diagnosis", {"diagnosis": "aspiration_pneumonitis"}, 5),
        ("diagnosis", {"diagnosis": "other_acute_respiratory"}, 1),
        ("diagnosis", {"diagnosis": "non_respiratory_or_chronic"}, 0),
        ("immunocompromised", {"immunocompromised": True}, -2),
        ("cns_dysfunction", {"cns_dysfunction": True}, -7),
        ("non_pulmonary_infection", {"non_pulmonary_infection": True}, -3),
        ("neuromuscular_blockade", {"neuromuscular_blockade": True}, 1),
        ("nitric_oxide", {"nitric_oxide": True}, -1),
        ("bicarbonate_infusion", {"bicarbonate_infusion": True}, -2),
        ("cardiac_arrest", {"cardiac_arrest": True}, -2),
        ("cardiac_arrest", {"cardiac_arrest": False}, 0),
    ],
)
def test_resp_band_edges_score_both_sides(component: str, changes: dict[str, Any], expected: float) -> None:
    assert points(RESP, RESP_BASE, component, **changes) == expected


# Schmidt 2014 risk classes: I >= 6 (92%), II 3-5 (76%), III -1 to 2 (57%), IV -5 to -2 (33%),
# V <= -6 (18%); each boundary is checked on both sides.
RESP_CLASS_EDGES = [
    (13, "I", 0.92),
    (6, "I", 0.92),
    (5, "II", 0.76),
    (3, "II", 0.76),
    (2, "III", 0.57),
    (-1, "III", 0.57),
    (-2, "IV", 0.33),
    (-5, "IV", 0.33),
    (-6, "V", 0.18),
    (-24, "V", 0.18),
]

# Schmidt 2015 risk classes as the paper words them: I > 5 (75%), II 1-5 (58%), III -4 to 0 (42%),
# IV -9 to -5 (30%), V <= -10 (18%).
SAVE_CLASS_EDGES = [
    (17, "I", 0.75),
    (6, "I", 0.75),
    (5, "II", 0.58),
    (1, "II", 0.58),
    (0, "III", 0.42),
    (-4, "III", 0.42),
    (-5, "IV", 0.30),
    (-9, "IV", 0.30),
    (-10, "V", 0.18),
    (-35, "V", 0.18),
]


def classes_for(definition: Any, totals: list[float]) -> list[tuple[str, float]]:
    frame = pl.DataFrame({TOTAL_COLUMN: totals}, schema={TOTAL_COLUMN: pl.Float64})
    out = frame.select(
        [definition.extras[n].alias(n) for n in ("risk_class", "risk_class_observed_survival")]
    )
    return list(out.iter_rows())


def test_resp_class_boundaries_fall_where_the_paper_puts_them() -> None:
    totals = [float(t) for t, _, _ in RESP_CLASS_EDGES]
    assert classes_for(RESP, totals) == [(c, s) for _, c, s in RESP_CLASS_EDGES]


def test_resp_refuses_patients_under_eighteen_naming_age() -> None:
    with pytest.raises(ScoreInputError) as refused:
        RESP.score_one({**RESP_BASE, "age_years": 16})
    assert [(p.input, p.rule) for p in refused.value.problems] == [("age_years", "minimum")]


# ----- SAVE --------------------------------------------------------------------------------------

SAVE_MAXIMUM = {
    "age_years": 30,
    "weight_kg": 70,
    "myocarditis": True,
    "refractory_vt_vf": True,
    "heart_lung_transplant": True,
    "intubation_hours": 5,
    "peak_inspiratory_pressure": 18,
    "diastolic_bp": 50,
    "pulse_pressure": 30,
    "hco3": 24,
}
SAVE_MINIMUM = {
    "age_years": 70,
    "weight_kg": 100,
    "congenital_heart_disease": True,
    "acute_renal_failure": True,
    "chronic_renal_failure": True,
    "liver_failure": True,
    "cns_dysfunction": True,
    "intubation_hours": 48,
    "peak_inspiratory_pressure": 30,
    "cardiac_arrest": True,
    "diastolic_bp": 30,
    "pulse_pressure": 10,
    "hco3": 10,
}

# clinical-scores.md §2.8 worked example (58 y, 95 kg, acute renal failure, intubated 12 h, PIP
# above 20, arrest, DBP >= 40, pulse pressure <= 20, HCO3 <= 15: -6 from the table) with the -6
# constant, and the published range -35 to +17.
SAVE_EXAMPLES = [
    (
        "reference_example_with_constant",
        {
            "age_years": 58,
            "weight_kg": 95,
            "acute_renal_failure": True,
            "intubation_hours": 12,
            "peak_inspiratory_pressure": 25,
            "cardiac_arrest": True,
            "diastolic_bp": 45,
            "pulse_pressure": 18,
            "hco3": 14,
        },
        -12,
        "V",
        0.18,
    ),
    ("highest_possible", SAVE_MAXIMUM, 17, "I", 0.75),
    ("lowest_possible", SAVE_MINIMUM, -35, "V", 0.18),
    (
        "young_myocarditis_not_yet_intubated",
        {"age_years": 45, "weight_kg": 60, "myocarditis": True, "intubation_hours": 0, "diastolic_bp": 38},
        2,
        "II",
        0.58,
    ),
]


@pytest.mark.parametrize(
    ("case", "values", "total", "risk_class", "survival"), SAVE_EXAMPLES, ids=[e[0] for e in SAVE_EXAMPLES]
)
def test_save_worked_examples_give_total_class_and_published_survival(
    case: str, values: dict[str, Any], total: float, risk_class: str, survival: float
) -> None:
    result = SAVE.score_one(values)
    assert result.total == total
    assert result.components["constant"] == -6
    assert result.extras == {"risk_class": risk_class, "risk_class_observed_survival": survival}
    assert result.predicted_mortality is None


@pytest.mark.parametrize(
    ("component", "changes", "expected"),
    [
        ("age", {"age_years": 18}, 7),
        ("age", {"age_years": 38.9}, 7),
        ("age", {"age_years": 39}, 4),
        ("age", {"age_years": 52.9}, 4),
        ("age", {"age_years": 53}, 3),
        ("age", {"age_years": 62.9}, 3),
        ("age", {"age_years": 63}, 0),
        ("weight", {"weight_kg": 64.9}, 1),
        ("weight", {"weight_kg": 65}, 2),
        ("weight", {"weight_kg": 89.9}, 2),
        ("weight", {"weight_kg": 90}, 0),
        ("intubation", {"intubation_hours": 10.9}, 0),
        ("intubation", {"intubation_hours": 11}, -2),
        ("intubation", {"intubation_hours": 29.9}, -2),
        ("intubation", {"intubation_hours": 30}, -4),
        ("peak_inspiratory_pressure", {"peak_inspiratory_pressure": 20}, 3),
        ("peak_inspiratory_pressure", {"peak_inspiratory_pressure": 20.1}, 0),
        ("peak_inspiratory_pressure", {}, 0),
        ("diastolic_bp", {"diastolic_bp": 39.9}, 0),
        ("diastolic_bp", {"diastolic_bp": 40}, 3),
        ("pulse_pressure", {"pulse_pressure": 20}, -2),
        ("pulse_pressure", {"pulse_pressure": 20.1}, 0),
        ("hco3", {"hco3": 15}, -3),
        ("hco3", {"hco3": 15.1}, 0),
        ("myocarditis", {"myocarditis": True}, 3),
        ("refractory_vt_vf", {"refractory_vt_vf": True}, 2),
        ("heart_lung_transplant", {"heart_lung_transplant": True}, 3),
        ("congenital_heart_disease", {"congenital_heart_disease": True}, -3),
        ("acute_renal_failure", {"acute_renal_failure": True}, -3),
        ("chronic_renal_failure", {"chronic_renal_failure": True}, -6),
        ("liver_failure", {"liver_failure": True}, -3),
        ("cns_dysfunction", {"cns_dysfunction": True}, -3),
        ("cardiac_arrest", {"cardiac_arrest": True}, -2),
        ("cardiac_arrest", {"cardiac_arrest": False}, 0),
    ],
)
def test_save_band_edges_score_both_sides(component: str, changes: dict[str, Any], expected: float) -> None:
    assert points(SAVE, SAVE_BASE, component, **changes) == expected


def test_save_class_boundaries_fall_where_the_paper_puts_them() -> None:
    totals = [float(t) for t, _, _ in SAVE_CLASS_EDGES]
    assert classes_for(SAVE, totals) == [(c, s) for _, c, s in SAVE_CLASS_EDGES]


def test_save_diagnosis_groups_add_up_when_more_than_one_applies() -> None:
    both = SAVE.score_one({**SAVE_BASE, "myocarditis": True, "refractory_vt_vf": True})
    assert both.components["myocarditis"] + both.components["refractory_vt_vf"] == 5


def test_score_frame_keeps_invalid_rows_with_their_reasons_and_no_score() -> None:
    frame = pl.DataFrame([PPREP_BASE, {**PPREP_BASE, "fio2": 40.0}])
    scored = PPREP.score_frame(frame).collect()
    assert scored[TOTAL_COLUMN].to_list() == [0.0, None]
    assert scored[ERRORS_COLUMN].to_list()[1] == ["fio2: above the plausible maximum 1 fraction (got 40.0)"]


# ----- refused inputs name the input -------------------------------------------------------------

BAD_INPUTS = [
    (PPREP, PPREP_BASE, {"fio2": 21}, "fio2", "maximum"),
    (PPREP, PPREP_BASE, {"fio2": 0.1}, "fio2", "minimum"),
    (PPREP, PPREP_BASE, {"pao2": 0}, "pao2", "minimum"),
    (PPREP, PPREP_BASE, {"ph": 9.1}, "ph", "maximum"),
    (PPREP, PPREP_BASE, {"mv_days": -1}, "mv_days", "minimum"),
    (PPREP, PPREP_BASE, {"ecmo_mode": "VAV"}, "ecmo_mode", "choice"),
    (PPREP, PPREP_BASE, {"diagnosis": "flu"}, "diagnosis", "choice"),
    (PPREP, PPREP_BASE, {"pao2": None}, "pao2", "required"),
    (PPREP, PPREP_BASE, {"cancer": "maybe"}, "cancer", "type"),
    (RESP, RESP_BASE, {"age_years": -3}, "age_years", "minimum"),
    (RESP, RESP_BASE, {"mv_hours": -5}, "mv_hours", "minimum"),
    (RESP, RESP_BASE, {"paco2": 400}, "paco2", "maximum"),
    (RESP, RESP_BASE, {"peak_inspiratory_pressure": 120}, "peak_inspiratory_pressure", "maximum"),
    (RESP, RESP_BASE, {"diagnosis": "covid"}, "diagnosis", "choice"),
    (RESP, RESP_BASE, {"diagnosis": None}, "diagnosis", "required"),
    (RESP, RESP_BASE, {"paco2": "high"}, "paco2", "type"),
    (SAVE, SAVE_BASE, {"weight_kg": -5}, "weight_kg", "minimum"),
    (SAVE, SAVE_BASE, {"weight_kg": None}, "weight_kg", "required"),
    (SAVE, SAVE_BASE, {"age_years": 150}, "age_years", "maximum"),
    (SAVE, SAVE_BASE, {"hco3": 0}, "hco3", "minimum"),
    (SAVE, SAVE_BASE, {"diastolic_bp": 300}, "diastolic_bp", "maximum"),
    (SAVE, SAVE_BASE, {"pulse_pressure": -1}, "pulse_pressure", "minimum"),
    (SAVE, SAVE_BASE, {"intubation_hours": -1}, "intubation_hours", "minimum"),
    (SAVE, SAVE_BASE, {"lactate": 4}, "lactate", "unknown"),
]


@pytest.mark.parametrize(
    ("definition", "base", "changes", "name", "rule"),
    BAD_INPUTS,
    ids=[f"{d.name}-{n}-{r}" for d, _, _, n, r in BAD_INPUTS],
)
def test_bad_input_is_refused_naming_the_input_and_rule(
    definition: Any, base: dict[str, Any], changes: dict[str, Any], name: str, rule: str
) -> None:
    with pytest.raises(ScoreInputError) as refused:
        definition.score_one({**base, **changes})
    assert [(p.input, p.rule) for p in refused.value.problems] == [(name, rule)]
    assert name in str(refused.value)
