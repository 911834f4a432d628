"""PIM2 and PIM3: worked examples from published calculators, missing rules, batch = single path.

Sources of the expected values:

* PIM3 — the ESPNIC online PIM3 calculator
  (https://espnic-online.org/Education/Professional-Resources/Paediatric-Index-of-Mortality-3),
  as recorded in the test vectors of informedica/Informedica.PimPrism.Lib
  (tests/Informedica.PimPrism.Tests/PIMTests.fs). The calculator shows mortality to 0.1 %.
* PIM2 — the QxMD PIM2 calculator (https://qxmd.com/calculate/calculator_368/pim2), same file.
* The logit and the probability to 6 decimals beside each case were worked by hand from the
  published equations (Straney 2013; Slater 2003) with a calculator, not by this code.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from lifenet.early_warning.scores import get_score
from lifenet.early_warning.scores.base import ScoreInputError

PIM3 = get_score("pim3")
PIM2 = get_score("pim2")

# (case, inputs, ESPNIC mortality %, logit by hand, probability by hand)
PIM3_ESPNIC: list[tuple[str, dict[str, Any], float, float, float]] = [
    ("baseline with nothing abnormal", {}, 1.2, -4.396838, 0.012166),
    ("both pupils fixed", {"pupils_fixed": True}, 36.0, -0.573538, 0.360421),
    ("elective admission", {"elective_admission": True}, 0.7, -4.934638, 0.007142),
    ("ventilated in the first hour", {"mechanical_ventilation": True}, 3.2, -3.420538, 0.031660),
    ("base excess 1", {"base_excess": 1}, 1.3, -4.329738, 0.013000),
    ("systolic pressure 100", {"systolic_bp": 100}, 1.4, -4.289878, 0.013521),
    ("FiO2 1.0 with PaO2 100", {"fio2": 1.0, "pao2": 100}, 1.7, -4.072360, 0.016752),
    (
        "recovery from bypass cardiac surgery",
        {"recovery_procedure": "bypass_cardiac"},
        0.4,
        -5.621438,
        0.003606,
    ),
    (
        "recovery from non-bypass cardiac surgery",
        {"recovery_procedure": "non_bypass_cardiac"},
        0.5,
        -5.273038,
        0.005102,
    ),
    (
        "recovery from a non-cardiac procedure",
        {"recovery_procedure": "non_cardiac"},
        0.3,
        -5.913238,
        0.002696,
    ),
    ("low-risk diagnosis asthma", {"low_risk_diagnosis": "asthma"}, 0.1, -6.573438, 0.001395),
    (
        "high-risk diagnosis HLHS",
        {"high_risk_diagnosis": "hypoplastic_left_heart_syndrome"},
        3.5,
        -3.324338,
        0.034746,
    ),
    (
        "high-risk and low-risk diagnosis: only the high one counts",
        {"high_risk_diagnosis": "hypoplastic_left_heart_syndrome", "low_risk_diagnosis": "asthma"},
        3.5,
        -3.324338,
        0.034746,
    ),
    (
        "very high-risk leukaemia after first induction",
        {"very_high_risk_diagnosis": "leukaemia_lymphoma_after_first_induction"},
        5.9,
        -2.774338,
        0.058727,
    ),
    (
        "leukaemia with SBP 100",
        {"very_high_risk_diagnosis": "leukaemia_lymphoma_after_first_induction", "systolic_bp": 100},
        6.5,
        -2.667378,
        0.064926,
    ),
    (
        "bone marrow transplant, SBP 129, PaO2 106 on FiO2 0.21, BE -7",
        {
            "very_high_risk_diagnosis": "bone_marrow_transplant",
            "systolic_bp": 129,
            "pao2": 106,
            "fio2": 0.21,
            "base_excess": -7,
        },
        8.9,
        -2.321419,
        0.089364,
    ),
    (
        "bone marrow transplant ventilated, SBP 104, PaO2 80 on FiO2 0.39, BE 6",
        {
            "very_high_risk_diagnosis": "bone_marrow_transplant",
            "systolic_bp": 104,
            "pao2": 80,
            "fio2": 0.39,
            "base_excess": 6,
            "mechanical_ventilation": True,
        },
        22.9,
        -1.212342,
        0.229287,
    ),
    (
        "surgical leukaemia, SBP 117, PaO2 68 without FiO2, BE -3",
        {
            "recovery_procedure": "non_cardiac",
            "very_high_risk_diagnosis": "leukaemia_lymphoma_after_first_induction",
            "systolic_bp": 117,
            "pao2": 68,
            "base_excess": -3,
        },
        1.7,
        -4.082146,
        0.016591,
    ),
]

# (case, inputs, QxMD mortality %, logit by hand, probability by hand)
PIM2_QXMD: list[tuple[str, dict[str, Any], float, float, float]] = [
    ("baseline with nothing abnormal", {}, 0.8, -4.8841, 0.007509),
    ("both pupils fixed", {"pupils_fixed": True}, 14.1, -1.8050, 0.141244),
    ("elective admission", {"elective_admission": True}, 0.3, -5.8123, 0.002982),
    ("ventilated in the first hour", {"mechanical_ventilation": True}, 2.8, -3.5489, 0.027952),
    ("base excess 1", {"base_excess": 1}, 0.8, -4.7801, 0.008325),
    ("systolic pressure 100", {"systolic_bp": 100}, 1.0, -4.6051, 0.009902),
    ("FiO2 1.0 with PaO2 100", {"fio2": 1.0, "pao2": 100}, 1.0, -4.5953, 0.009998),
    ("recovery after cardiac bypass", {"recovery_procedure": "bypass_cardiac"}, 0.6, -5.1578, 0.005721),
    (
        "recovery from non-bypass cardiac surgery",
        {"recovery_procedure": "non_bypass_cardiac"},
        0.3,
        -5.9085,
        0.002709,
    ),
    ("recovery from a non-cardiac procedure", {"recovery_procedure": "non_cardiac"}, 0.3, -5.9085, 0.002709),
    ("low-risk diagnosis asthma", {"low_risk_diagnosis": "asthma"}, 0.2, -6.4611, 0.001561),
    (
        "high-risk diagnosis HLHS",
        {"high_risk_diagnosis": "hypoplastic_left_heart_syndrome"},
        3.9,
        -3.2012,
        0.039121,
    ),
    (
        "high-risk and low-risk diagnosis both count",
        {"high_risk_diagnosis": "hypoplastic_left_heart_syndrome", "low_risk_diagnosis": "asthma"},
        0.8,
        -4.7782,
        0.008341,
    ),
    (
        "leukaemia after first induction is high risk in PIM2",
        {"high_risk_diagnosis": "leukaemia_lymphoma_after_first_induction"},
        3.9,
        -3.2012,
        0.039121,
    ),
]


@pytest.mark.parametrize(("case", "values", "calculator_percent", "logit", "probability"), PIM3_ESPNIC)
def test_pim3_matches_the_espnic_calculator_and_the_equation_by_hand(
    case: str, values: dict[str, Any], calculator_percent: float, logit: float, probability: float
) -> None:
    result = PIM3.score_one(values)
    assert result.predicted_mortality is not None
    assert result.total == pytest.approx(logit, abs=1e-6), case
    assert result.predicted_mortality == pytest.approx(probability, abs=1e-6), case
    assert round(result.predicted_mortality * 100, 1) == calculator_percent, case


@pytest.mark.parametrize(("case", "values", "calculator_percent", "logit", "probability"), PIM2_QXMD)
def test_pim2_matches_the_qxmd_calculator_and_the_equation_by_hand(
    case: str, values: dict[str, Any], calculator_percent: float, logit: float, probability: float
) -> None:
    result = PIM2.score_one(values)
    assert result.predicted_mortality is not None
    assert result.total == pytest.approx(logit, abs=1e-6), case
    assert result.predicted_mortality == pytest.approx(probability, abs=1e-6), case
    assert round(result.predicted_mortality * 100, 1) == calculator_percent, case


def test_pim3_components_add_up_to_the_logit() -> None:
    result = PIM3.score_one({"systolic_bp": 104, "pao2": 80, "fio2": 0.39, "base_excess": 6})
    assert sum(result.components.values()) == pytest.approx(result.total, abs=1e-12)
    assert result.components["constant"] == -1.7928


# Straney 2013 coding rules: unknown SBP 120; unknown FiO2 x 100 / PaO2 0.23 (the value the
# ESPNIC calculator uses: the baseline 1.2 % above is only reached with it). The Stata
# pim3.ado v1.2 leaves these terms out (SBP 0, ratio 0); clinical-scores.md lists that as a bug.
def test_pim3_unknown_systolic_pressure_scores_as_120_not_as_zero() -> None:
    unknown = PIM3.score_one({}).components["blood_pressure"]
    assert unknown == PIM3.score_one({"systolic_bp": 120}).components["blood_pressure"]
    assert unknown == pytest.approx(-0.0431 * 120 + 0.1716 * 14.4, abs=1e-12)


@pytest.mark.parametrize(
    "values", [{}, {"pao2": 68}, {"fio2": 0.5}], ids=["neither", "PaO2 only", "FiO2 only"]
)
def test_pim3_unknown_oxygenation_ratio_scores_as_0_23(values: dict[str, Any]) -> None:
    assert PIM3.score_one(values).components["oxygenation"] == pytest.approx(0.4214 * 0.23, abs=1e-12)


@pytest.mark.parametrize(
    "values", [{}, {"pao2": 68}, {"fio2": 0.5}], ids=["neither", "PaO2 only", "FiO2 only"]
)
def test_pim2_unknown_fio2_or_pao2_gives_an_oxygenation_term_of_zero(values: dict[str, Any]) -> None:
    assert PIM2.score_one(values).components["oxygenation"] == 0.0


@pytest.mark.parametrize(
    ("sbp", "pim3_term", "pim2_term"),
    [
        (0, 0.0, 0.01395 * 120),  # cardiac arrest is recorded as 0
        (30, -0.0431 * 30 + 0.1716 * 0.9, 0.01395 * 90),  # shock with unrecordable pressure: 30
        (120, -0.0431 * 120 + 0.1716 * 14.4, 0.0),
        (160, -0.0431 * 160 + 0.1716 * 25.6, 0.01395 * 40),
    ],
)
def test_systolic_pressure_terms_follow_each_published_form(
    sbp: float, pim3_term: float, pim2_term: float
) -> None:
    assert PIM3.score_one({"systolic_bp": sbp}).components["blood_pressure"] == pytest.approx(
        pim3_term, abs=1e-12
    )
    assert PIM2.score_one({"systolic_bp": sbp}).components["blood_pressure"] == pytest.approx(
        pim2_term, abs=1e-12
    )


@pytest.mark.parametrize(
    ("values", "term"),
    [
        ({"very_high_risk_diagnosis": "liver_failure", "low_risk_diagnosis": "croup"}, 1.6225),
        (
            {
                "very_high_risk_diagnosis": "cardiac_arrest_before_icu",
                "high_risk_diagnosis": "necrotising_enterocolitis",
            },
            1.6225,
        ),
        (
            {"high_risk_diagnosis": "neurodegenerative_disorder", "low_risk_diagnosis": "seizure_disorder"},
            1.0725,
        ),
        ({"low_risk_diagnosis": "seizure_disorder"}, -2.1766),
        (
            {"very_high_risk_diagnosis": "none", "high_risk_diagnosis": "none", "low_risk_diagnosis": "none"},
            0.0,
        ),
    ],
)
def test_pim3_counts_only_the_highest_risk_diagnosis(values: dict[str, Any], term: float) -> None:
    assert PIM3.score_one(values).components["diagnosis"] == term


def test_pim2_bypass_adds_to_the_recovery_term() -> None:
    components = PIM2.score_one({"recovery_procedure": "bypass_cardiac"}).components
    assert (components["recovery"], components["bypass"]) == (-1.0244, 0.7507)
    components = PIM2.score_one({"recovery_procedure": "non_cardiac"}).components
    assert (components["recovery"], components["bypass"]) == (-1.0244, 0.0)


@pytest.mark.parametrize("definition", [PIM3, PIM2], ids=["pim3", "pim2"])
@pytest.mark.parametrize(
    ("values", "refused"),
    [
        ({"systolic_bp": 400}, "systolic_bp"),
        ({"systolic_bp": -5}, "systolic_bp"),
        ({"fio2": 21, "pao2": 80}, "fio2"),  # FiO2 typed as a percentage
        ({"fio2": 0.2, "pao2": 80}, "fio2"),
        ({"pao2": 0, "fio2": 0.5}, "pao2"),
        ({"base_excess": 60}, "base_excess"),
        ({"recovery_procedure": "appendicectomy"}, "recovery_procedure"),
        ({"low_risk_diagnosis": "pneumonia"}, "low_risk_diagnosis"),
        ({"pupils_fixed": "maybe"}, "pupils_fixed"),
        ({"systolic_bp": "high"}, "systolic_bp"),
    ],
)
def test_impossible_or_mistyped_values_are_refused_naming_the_input(
    definition: Any, values: dict[str, Any], refused: str
) -> None:
    with pytest.raises(ScoreInputError) as caught:
        definition.score_one(values)
    assert [p.input for p in caught.value.problems] == [refused]
    assert refused in str(caught.value)


@pytest.mark.parametrize(
    ("name", "inside", "outside"),
    [("fio2", 0.21, 0.2099), ("fio2", 1.0, 1.001), ("systolic_bp", 300, 300.1), ("systolic_bp", 0, -0.1)],
)
def test_range_limits_accept_the_edge_and_refuse_just_beyond(
    name: str, inside: float, outside: float
) -> None:
    extra = {"pao2": 90} if name == "fio2" else {}
    assert PIM3.score_one({name: inside, **extra}).predicted_mortality is not None
    with pytest.raises(ScoreInputError, match=name):
        PIM3.score_one({name: outside, **extra})


def test_score_frame_keeps_a_refused_row_with_its_reason_and_no_score() -> None:
    frame = pl.DataFrame({"systolic_bp": [90.0, 400.0], "fio2": [0.4, 21.0], "pao2": [70.0, 70.0]})
    scored = PIM3.score_frame(frame).collect()
    assert scored["_errors"][0].to_list() == []
    assert scored["total"][1] is None and scored["predicted_mortality"][1] is None
    assert [m.split(":")[0] for m in scored["_errors"][1].to_list()] == ["systolic_bp", "fio2"]
