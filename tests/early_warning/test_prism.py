"""PRISM III points and PRISM IV probability.

Sources of the expected values:

* Band edges: the PRISM III table (Pollack 1996, Crit Care Med 24:743; its SI column),
  as transcribed in ../shared/references/clinical-scores.md §3.2. Each edge is tested on both
  sides, for every age group where the table depends on age.
* PRISM IV probabilities: the CPCCRN PRISM calculator (https://www.cpccrn.org/calculators/
  prismiiicalculator/), as recorded in informedica/Informedica.PimPrism.Lib
  (tests/Informedica.PimPrism.Tests/PRISMTests.fs; shown there to 0.1 % or 1 %), and the
  logit and probability to 6 decimals worked by hand from the coefficients of Pollack 2016
  (PCCM 17:2) with a calculator, not by this code.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifenet.early_warning.scores import get_score, prism3, prism4
from lifenet.early_warning.scores.base import ScoreInputError

PRISM3 = get_score("prism3")
PRISM4 = get_score("prism4")

NEONATE, INFANT, CHILD, ADOLESCENT = 10, 100, 1000, 5000  # a day of age inside each PRISM III group

# (component, age in days, inputs, points) — both sides of every edge of every table.
BAND_EDGES: list[tuple[str, int, dict[str, float], float]] = [
    # systolic blood pressure (lowest), by age group
    ("systolic_bp", NEONATE, {"systolic_bp_min": 39.9}, 7),
    ("systolic_bp", NEONATE, {"systolic_bp_min": 40}, 3),
    ("systolic_bp", NEONATE, {"systolic_bp_min": 55}, 3),
    ("systolic_bp", NEONATE, {"systolic_bp_min": 55.1}, 0),
    ("systolic_bp", INFANT, {"systolic_bp_min": 44.9}, 7),
    ("systolic_bp", INFANT, {"systolic_bp_min": 45}, 3),
    ("systolic_bp", INFANT, {"systolic_bp_min": 65}, 3),
    ("systolic_bp", INFANT, {"systolic_bp_min": 65.1}, 0),
    ("systolic_bp", CHILD, {"systolic_bp_min": 54.9}, 7),
    ("systolic_bp", CHILD, {"systolic_bp_min": 55}, 3),
    ("systolic_bp", CHILD, {"systolic_bp_min": 75}, 3),
    ("systolic_bp", CHILD, {"systolic_bp_min": 75.1}, 0),
    ("systolic_bp", ADOLESCENT, {"systolic_bp_min": 64.9}, 7),
    ("systolic_bp", ADOLESCENT, {"systolic_bp_min": 65}, 3),
    ("systolic_bp", ADOLESCENT, {"systolic_bp_min": 85}, 3),
    ("systolic_bp", ADOLESCENT, {"systolic_bp_min": 85.1}, 0),
    # heart rate (highest), by age group
    ("heart_rate", NEONATE, {"heart_rate_max": 214.9}, 0),
    ("heart_rate", NEONATE, {"heart_rate_max": 215}, 3),
    ("heart_rate", NEONATE, {"heart_rate_max": 225}, 3),
    ("heart_rate", NEONATE, {"heart_rate_max": 225.1}, 4),
    ("heart_rate", INFANT, {"heart_rate_max": 214.9}, 0),
    ("heart_rate", INFANT, {"heart_rate_max": 215}, 3),
    ("heart_rate", INFANT, {"heart_rate_max": 225}, 3),
    ("heart_rate", INFANT, {"heart_rate_max": 225.1}, 4),
    ("heart_rate", CHILD, {"heart_rate_max": 184.9}, 0),
    ("heart_rate", CHILD, {"heart_rate_max": 185}, 3),
    ("heart_rate", CHILD, {"heart_rate_max": 205}, 3),
    ("heart_rate", CHILD, {"heart_rate_max": 205.1}, 4),
    ("heart_rate", ADOLESCENT, {"heart_rate_max": 144.9}, 0),
    ("heart_rate", ADOLESCENT, {"heart_rate_max": 145}, 3),
    ("heart_rate", ADOLESCENT, {"heart_rate_max": 155}, 3),
    ("heart_rate", ADOLESCENT, {"heart_rate_max": 155.1}, 4),
    # temperature: < 33 or > 40 °C
    ("temperature", CHILD, {"temperature_min": 33.0, "temperature_max": 40.0}, 0),
    ("temperature", CHILD, {"temperature_min": 32.9, "temperature_max": 37.0}, 3),
    ("temperature", CHILD, {"temperature_min": 36.0, "temperature_max": 40.1}, 3),
    # mental status: GCS < 8
    ("mental_status", CHILD, {"gcs_min": 8}, 0),
    ("mental_status", CHILD, {"gcs_min": 7}, 5),
    # pupils > 3 mm and fixed
    ("pupils", CHILD, {"pupils_fixed_count": 0}, 0),
    ("pupils", CHILD, {"pupils_fixed_count": 1}, 7),
    ("pupils", CHILD, {"pupils_fixed_count": 2}, 11),
    # acidosis from the lowest pH: 7.0-7.28 → 2, < 7.0 → 6
    ("acidosis", CHILD, {"ph_min": 7.29}, 0),
    ("acidosis", CHILD, {"ph_min": 7.28}, 2),
    ("acidosis", CHILD, {"ph_min": 7.0}, 2),
    ("acidosis", CHILD, {"ph_min": 6.99}, 6),
    # acidosis from the lowest total CO2: 5-16.9 → 2, < 5 → 6
    ("acidosis", CHILD, {"total_co2_min": 17.0}, 0),
    ("acidosis", CHILD, {"total_co2_min": 16.9}, 2),
    ("acidosis", CHILD, {"total_co2_min": 5.0}, 2),
    ("acidosis", CHILD, {"total_co2_min": 4.9}, 6),
    # alkalosis from the highest pH: 7.48-7.55 → 2, > 7.55 → 3
    ("ph", CHILD, {"ph_max": 7.47}, 0),
    ("ph", CHILD, {"ph_max": 7.48}, 2),
    ("ph", CHILD, {"ph_max": 7.55}, 2),
    ("ph", CHILD, {"ph_max": 7.56}, 3),
    # PCO2: 50-75 → 1, > 75 → 3
    ("pco2", CHILD, {"pco2_max": 49.9}, 0),
    ("pco2", CHILD, {"pco2_max": 50.0}, 1),
    ("pco2", CHILD, {"pco2_max": 75.0}, 1),
    ("pco2", CHILD, {"pco2_max": 75.1}, 3),
    # total CO2 > 34
    ("total_co2", CHILD, {"total_co2_max": 34.0}, 0),
    ("total_co2", CHILD, {"total_co2_max": 34.1}, 4),
    # PaO2: 42-49.9 → 3, < 42 → 6
    ("pao2", CHILD, {"pao2_min": 50.0}, 0),
    ("pao2", CHILD, {"pao2_min": 49.9}, 3),
    ("pao2", CHILD, {"pao2_min": 42.0}, 3),
    ("pao2", CHILD, {"pao2_min": 41.9}, 6),
    # glucose > 11.0 mmol/L; potassium > 6.9 mmol/L
    ("glucose", CHILD, {"glucose_max": 11.0}, 0),
    ("glucose", CHILD, {"glucose_max": 11.1}, 2),
    ("potassium", CHILD, {"potassium_max": 6.9}, 0),
    ("potassium", CHILD, {"potassium_max": 7.0}, 3),
    # creatinine (µmol/L), by age group
    ("creatinine", NEONATE, {"creatinine_max": 75}, 0),
    ("creatinine", NEONATE, {"creatinine_max": 75.1}, 2),
    ("creatinine", INFANT, {"creatinine_max": 80}, 0),
    ("creatinine", INFANT, {"creatinine_max": 80.1}, 2),
    ("creatinine", CHILD, {"creatinine_max": 80}, 0),
    ("creatinine", CHILD, {"creatinine_max": 80.1}, 2),
    ("creatinine", ADOLESCENT, {"creatinine_max": 115}, 0),
    ("creatinine", ADOLESCENT, {"creatinine_max": 115.1}, 2),
    # urea (mmol/L), by age group
    ("urea", NEONATE, {"urea_max": 4.3}, 0),
    ("urea", NEONATE, {"urea_max": 4.4}, 3),
    ("urea", INFANT, {"urea_max": 5.4}, 0),
    ("urea", INFANT, {"urea_max": 5.5}, 3),
    ("urea", CHILD, {"urea_max": 5.4}, 0),
    ("urea", CHILD, {"urea_max": 5.5}, 3),
    ("urea", ADOLESCENT, {"urea_max": 5.4}, 0),
    ("urea", ADOLESCENT, {"urea_max": 5.5}, 3),
    # white cells < 3.0 x 10⁹/L
    ("wbc", CHILD, {"wbc_min": 3.0}, 0),
    ("wbc", CHILD, {"wbc_min": 2.9}, 4),
    # PT > 22 s at any age; PTT > 85 s neonate, > 57 s others
    ("coagulation", NEONATE, {"pt_max": 22.0}, 0),
    ("coagulation", NEONATE, {"pt_max": 22.1}, 3),
    ("coagulation", ADOLESCENT, {"pt_max": 22.0}, 0),
    ("coagulation", ADOLESCENT, {"pt_max": 22.1}, 3),
    ("coagulation", NEONATE, {"ptt_max": 85.0}, 0),
    ("coagulation", NEONATE, {"ptt_max": 85.1}, 3),
    ("coagulation", INFANT, {"ptt_max": 57.0}, 0),
    ("coagulation", INFANT, {"ptt_max": 57.1}, 3),
    ("coagulation", CHILD, {"ptt_max": 57.0}, 0),
    ("coagulation", CHILD, {"ptt_max": 57.1}, 3),
    ("coagulation", ADOLESCENT, {"ptt_max": 57.0}, 0),
    ("coagulation", ADOLESCENT, {"ptt_max": 57.1}, 3),
    ("coagulation", CHILD, {"pt_max": 30.0, "ptt_max": 90.0}, 3),  # either or both: 3, not 6
    # platelets (x 10⁹/L): 100-200 → 2, 50-99.9 → 4, < 50 → 5
    ("platelets", CHILD, {"platelets_min": 200.1}, 0),
    ("platelets", CHILD, {"platelets_min": 200}, 2),
    ("platelets", CHILD, {"platelets_min": 100}, 2),
    ("platelets", CHILD, {"platelets_min": 99.9}, 4),
    ("platelets", CHILD, {"platelets_min": 50}, 4),
    ("platelets", CHILD, {"platelets_min": 49.9}, 5),
]


@pytest.mark.parametrize(("component", "age_days", "values", "points"), BAND_EDGES)
def test_each_prism3_band_edge_scores_as_published_on_both_sides(
    component: str, age_days: int, values: dict[str, float], points: float
) -> None:
    result = PRISM3.score_one({"age_days": age_days, **values})
    assert result.components[component] == points
    assert result.total == points  # nothing else scores


# The last day of one age group and the first day of the next, with a value that scores
# differently in the two groups: (age in days, inputs, component, points).
AGE_GROUP_EDGES = [
    (30, {"systolic_bp_min": 42}, "systolic_bp", 3),  # neonate 40-55
    (31, {"systolic_bp_min": 42}, "systolic_bp", 7),  # infant < 45
    (365, {"systolic_bp_min": 50}, "systolic_bp", 3),  # infant 45-65
    (366, {"systolic_bp_min": 50}, "systolic_bp", 7),  # child < 55
    (4383, {"systolic_bp_min": 60}, "systolic_bp", 3),  # child 55-75
    (4384, {"systolic_bp_min": 60}, "systolic_bp", 7),  # adolescent < 65
    (365, {"heart_rate_max": 210}, "heart_rate", 0),  # infant < 215
    (366, {"heart_rate_max": 210}, "heart_rate", 4),  # child > 205
    (4383, {"heart_rate_max": 160}, "heart_rate", 0),  # child < 185
    (4384, {"heart_rate_max": 160}, "heart_rate", 4),  # adolescent > 155
    (30, {"creatinine_max": 78}, "creatinine", 2),  # neonate > 75
    (31, {"creatinine_max": 78}, "creatinine", 0),  # infant > 80
    (4383, {"creatinine_max": 100}, "creatinine", 2),  # child > 80
    (4384, {"creatinine_max": 100}, "creatinine", 0),  # adolescent > 115
    (30, {"urea_max": 5.0}, "urea", 3),  # neonate > 4.3
    (31, {"urea_max": 5.0}, "urea", 0),  # infant > 5.4
    (30, {"ptt_max": 60}, "coagulation", 0),  # neonate > 85
    (31, {"ptt_max": 60}, "coagulation", 3),  # infant > 57
    (0, {"systolic_bp_min": 39}, "systolic_bp", 7),  # day of birth is a neonate
]


@pytest.mark.parametrize(("age_days", "values", "component", "points"), AGE_GROUP_EDGES)
def test_each_prism3_age_group_edge_switches_tables_on_the_next_day(
    age_days: int, values: dict[str, float], component: str, points: float
) -> None:
    assert PRISM3.score_one({"age_days": age_days, **values}).components[component] == points


def test_unmeasured_values_score_zero() -> None:
    result = PRISM3.score_one({"age_days": 400})
    assert result.total == 0 and set(result.components.values()) == {0.0}
    assert result.extras == {"neurologic": 0.0, "nonneurologic": 0.0}


@pytest.mark.parametrize(
    ("values", "component", "points"),
    [
        ({"ph_min": 7.6}, "ph", 3),  # a single pH serves as the highest too
        ({"ph_max": 6.9}, "acidosis", 6),  # ...and as the lowest
        ({"ph_min": 7.6, "ph_max": 7.2}, "acidosis", 2),  # swapped low/high: the lower is the lowest
        ({"ph_min": 7.6, "ph_max": 7.2}, "ph", 3),
        ({"total_co2_min": 40}, "total_co2", 4),
        ({"total_co2_max": 4}, "acidosis", 6),
        ({"temperature_max": 32}, "temperature", 3),
        ({"temperature_min": 41}, "temperature", 3),
    ],
)
def test_one_value_of_a_low_high_pair_serves_for_both(
    values: dict[str, float], component: str, points: float
) -> None:
    assert PRISM3.score_one({"age_days": 1000, **values}).components[component] == points


# Known bugs of public implementations (clinical-scores.md §3.2 and the CPCCRN notice of
# 11 Nov 2019): acidosis scored 6 with normal pH and total CO2; acidosis missed when only the
# pH was measured (Stata prismscore.ado requires both); highest instead of lowest WBC.
@pytest.mark.parametrize(
    ("values", "component", "points"),
    [
        ({"ph_min": 7.35, "total_co2_min": 22}, "acidosis", 0),
        ({"ph_min": 6.9}, "acidosis", 6),
        ({"total_co2_min": 3}, "acidosis", 6),
        ({"ph_min": 7.1, "total_co2_min": 4}, "acidosis", 6),  # the worse of the two, not the sum
        ({"ph_min": 6.8, "total_co2_min": 12}, "acidosis", 6),
        ({"wbc_min": 2.0}, "wbc", 4),
        ({"platelets_min": 30}, "platelets", 5),
    ],
)
def test_known_public_implementation_bugs_are_not_repeated(
    values: dict[str, float], component: str, points: float
) -> None:
    assert PRISM3.score_one({"age_days": 1000, **values}).components[component] == points


# A worked case, each item by hand from the table: a 3-year-old (1095 days).
SICK_CHILD = {
    "age_days": 1095,
    "systolic_bp_min": 50,  # child < 55 → 7
    "heart_rate_max": 210,  # child > 205 → 4
    "temperature_min": 32.5,  # < 33 → 3
    "temperature_max": 38.0,
    "gcs_min": 6,  # < 8 → 5 (neurological)
    "pupils_fixed_count": 1,  # one fixed → 7 (neurological)
    "ph_min": 7.1,  # 7.0-7.28 → acidosis 2
    "ph_max": 7.3,
    "total_co2_min": 14,  # 5-16.9 → acidosis 2 (worse of pH and tCO2: 2)
    "total_co2_max": 20,
    "pco2_max": 60,  # 50-75 → 1
    "pao2_min": 45,  # 42-49.9 → 3
    "glucose_max": 12,  # > 11.0 → 2
    "potassium_max": 7.0,  # > 6.9 → 3
    "creatinine_max": 90,  # child > 80 → 2
    "urea_max": 6,  # > 5.4 → 3
    "wbc_min": 2.5,  # < 3.0 → 4
    "pt_max": 23,  # > 22 → 3
    "ptt_max": 40,
    "platelets_min": 40,  # < 50 → 5
}


def test_a_worked_sick_child_scores_12_neurological_and_42_other_points() -> None:
    result = PRISM3.score_one(SICK_CHILD)
    assert result.extras == {"neurologic": 12.0, "nonneurologic": 42.0}
    assert result.total == 54


# (case, age in days, inputs, CPCCRN mortality %, digits shown, logit by hand, probability by hand);
# admission from the operating room, no CPR, no cancer, not a low-risk system.
PRISM4_CPCCRN = [
    ("baseline newborn, 1 day", 1, {}, 1.1, 1, -4.465, 0.011374),
    ("baseline neonate, 15 days", 15, {}, 0.8, 1, -4.808, 0.008098),
    ("baseline infant, 50 days", 50, {}, 0.4, 1, -5.419, 0.004412),
    ("baseline child, 3 years", 1095, {}, 0.3, 1, -5.776, 0.003092),
    ("baseline adolescent, 13 years", 4745, {}, 0.3, 1, -5.776, 0.003092),
    ("newborn, one pupil fixed", 1, {"pupils_fixed_count": 1}, 4.0, 0, -3.086, 0.043688),
    ("neonate, one pupil fixed", 15, {"pupils_fixed_count": 1}, 3.1, 1, -3.429, 0.031401),
    ("infant, one pupil fixed", 50, {"pupils_fixed_count": 1}, 1.7, 1, -4.040, 0.017293),
    ("child, one pupil fixed", 1095, {"pupils_fixed_count": 1}, 1.2, 1, -4.397, 0.012164),
    ("newborn, both pupils fixed", 1, {"pupils_fixed_count": 2}, 9.1, 1, -2.298, 0.091289),
    ("neonate, both pupils fixed", 15, {"pupils_fixed_count": 2}, 7.0, 0, -2.641, 0.066546),
    ("infant, both pupils fixed", 50, {"pupils_fixed_count": 2}, 3.7, 1, -3.252, 0.037255),
    ("adolescent, both pupils fixed", 4745, {"pupils_fixed_count": 2}, 2.6, 1, -3.609, 0.026365),
    ("newborn, SBP 30", 1, {"systolic_bp_min": 30}, 3.5, 1, -3.324, 0.034757),
    ("neonate, SBP 30", 15, {"systolic_bp_min": 30}, 2.5, 1, -3.667, 0.024916),
]


@pytest.mark.parametrize(
    ("case", "age_days", "values", "calculator_percent", "digits", "logit", "probability"), PRISM4_CPCCRN
)
def test_prism4_matches_the_cpccrn_calculator_and_the_equation_by_hand(
    case: str,
    age_days: int,
    values: dict[str, Any],
    calculator_percent: float,
    digits: int,
    logit: float,
    probability: float,
) -> None:
    result = PRISM4.score_one({"age_days": age_days, "admission_source": "operating_room", **values})
    assert result.predicted_mortality is not None
    assert result.total == pytest.approx(logit, abs=1e-9), case
    assert result.predicted_mortality == pytest.approx(probability, abs=1e-6), case
    assert round(result.predicted_mortality * 100, digits) == calculator_percent, case


def test_prism4_worked_sick_child_from_the_emergency_department_after_cpr() -> None:
    # logit = -5.776 + 0 (3 years) + 0.693 (ED) + 1.082 (CPR) + 0.197 x 12 + 0.163 x 42 = 5.209
    result = PRISM4.score_one(
        {**SICK_CHILD, "admission_source": "emergency_department", "cpr_before_admission": True}
    )
    assert result.total == pytest.approx(5.209, abs=1e-9)
    assert result.predicted_mortality == pytest.approx(0.994563, abs=1e-6)
    assert result.extras == {"prism3_neurologic": 12.0, "prism3_nonneurologic": 42.0, "prism3_total": 54.0}


def test_prism4_worked_infant_with_cancer_from_a_ward_in_a_low_risk_system() -> None:
    # logit = -5.776 + 0.357 (200 days) + 1.626 (ward) + 0.766 - 1.697 + 0.163 x 12 = -2.768
    values = {
        "age_days": 200,
        "admission_source": "inpatient_unit",
        "cancer": True,
        "low_risk_system": True,
        "wbc_min": 0.5,  # 4
        "platelets_min": 20,  # 5
        "pt_max": 25,  # 3
    }
    result = PRISM4.score_one(values)
    assert result.total == pytest.approx(-2.768, abs=1e-9)
    assert result.predicted_mortality == pytest.approx(0.059078, abs=1e-6)


@pytest.mark.parametrize(
    ("age_days", "term"),
    [(0, 1.311), (14, 1.311), (15, 0.968), (30, 0.968), (31, 0.357), (365, 0.357), (366, 0.0), (6000, 0.0)],
)
def test_prism4_age_term_on_both_sides_of_each_age_edge(age_days: int, term: float) -> None:
    result = PRISM4.score_one({"age_days": age_days, "admission_source": "operating_room"})
    assert result.components["age"] == term


@pytest.mark.parametrize(
    ("source", "term"),
    [
        ("operating_room", 0.0),
        ("another_hospital", 1.012),
        ("inpatient_unit", 1.626),
        ("emergency_department", 0.693),
    ],
)
def test_prism4_admission_source_terms_are_the_published_coefficients(source: str, term: float) -> None:
    result = PRISM4.score_one({"age_days": 1000, "admission_source": source})
    assert result.components["admission_source"] == term
    assert sum(result.components.values()) == pytest.approx(result.total, abs=1e-12)


def test_prism4_reads_prism3_points_from_the_same_tables() -> None:
    assert PRISM4.inputs[: len(prism3.INPUTS)] == prism3.INPUTS
    assert not hasattr(prism4, "SYSTOLIC_BP_BANDS")
    values = {**SICK_CHILD, "admission_source": "operating_room"}
    three = PRISM3.score_one(SICK_CHILD)
    four = PRISM4.score_one(values)
    assert four.extras["prism3_total"] == three.total
    assert four.components["neurologic"] == pytest.approx(0.197 * three.extras["neurologic"], abs=1e-12)
    assert four.components["nonneurologic"] == pytest.approx(0.163 * three.extras["nonneurologic"], abs=1e-12)


@pytest.mark.parametrize(
    ("values", "refused"),
    [
        ({"age_days": -1}, "age_days"),
        ({"age_days": 14.5}, "age_days"),
        ({}, "age_days"),  # age is required: the tables depend on it
        ({"age_days": 100, "systolic_bp_min": 400}, "systolic_bp_min"),
        ({"age_days": 100, "heart_rate_max": 0}, "heart_rate_max"),
        ({"age_days": 100, "gcs_min": 2}, "gcs_min"),
        ({"age_days": 100, "pupils_fixed_count": 3}, "pupils_fixed_count"),
        ({"age_days": 100, "ph_min": 6.2}, "ph_min"),
        ({"age_days": 100, "temperature_max": 46}, "temperature_max"),
        ({"age_days": 100, "temperature_max": 98.6}, "temperature_max"),  # typed in °F
        ({"age_days": 100, "platelets_min": 150000}, "platelets_min"),  # typed in cells/mm³
        ({"age_days": 100, "wbc_min": 8000}, "wbc_min"),
        ({"age_days": 100, "creatinine_max": 0.9}, "creatinine_max"),  # typed in mg/dL
    ],
)
def test_prism3_refuses_impossible_values_naming_the_input(values: dict[str, Any], refused: str) -> None:
    with pytest.raises(ScoreInputError) as caught:
        PRISM3.score_one(values)
    assert [p.input for p in caught.value.problems] == [refused]
    assert refused in str(caught.value)


@pytest.mark.parametrize(
    ("values", "refused"),
    [
        ({"age_days": -3, "admission_source": "operating_room"}, "age_days"),
        ({"age_days": 100}, "admission_source"),
        ({"age_days": 100, "admission_source": "picu"}, "admission_source"),
        ({"age_days": 100, "admission_source": "operating_room", "cancer": "perhaps"}, "cancer"),
    ],
)
def test_prism4_refuses_bad_inputs_naming_the_input(values: dict[str, Any], refused: str) -> None:
    with pytest.raises(ScoreInputError) as caught:
        PRISM4.score_one(values)
    assert [p.input for p in caught.value.problems] == [refused]


@pytest.mark.parametrize("definition", [PRISM3, PRISM4], ids=["prism3", "prism4"])
def test_the_licence_note_names_prism_iii(definition: Any) -> None:
    assert "licens" in definition.licence and "PRISM III" in definition.licence
