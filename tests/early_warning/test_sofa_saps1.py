"""SOFA and SAPS-I point tables, every band edge from both sides.

Tables: SOFA — Vincent JL et al., Intensive Care Med 1996;22:707-710 (Table 1), as used by
Ferreira FL et al., JAMA 2001;286:1754-1758. SAPS-I — Le Gall JR et al., Crit Care Med
1984;12:975-977 (urea and glucose in mmol/L). Both as transcribed in
../shared/references/clinical-scores.md §3.7 and §3.8. Each row: one input value, the
component it feeds, and the points the paper gives (everything else missing = normal).
"""

from __future__ import annotations

from typing import Any

import pytest

from lifenet.early_warning.scores import get_score
from lifenet.early_warning.scores.base import ScoreInputError

SAPS1 = get_score("saps1")
SOFA = get_score("sofa")

# Le Gall 1984: (input, value, component, points)
SAPS1_EDGES = [
    ("age_years", 45, "age_points", 0),
    ("age_years", 45.5, "age_points", 1),
    ("age_years", 55, "age_points", 1),
    ("age_years", 56, "age_points", 2),
    ("age_years", 65, "age_points", 2),
    ("age_years", 66, "age_points", 3),
    ("age_years", 75, "age_points", 3),
    ("age_years", 76, "age_points", 4),
    ("heart_rate", 180, "heart_rate_points", 4),
    ("heart_rate", 179, "heart_rate_points", 3),
    ("heart_rate", 140, "heart_rate_points", 3),
    ("heart_rate", 139, "heart_rate_points", 2),
    ("heart_rate", 110, "heart_rate_points", 2),
    ("heart_rate", 109, "heart_rate_points", 0),
    ("heart_rate", 70, "heart_rate_points", 0),
    ("heart_rate", 69, "heart_rate_points", 2),
    ("heart_rate", 55, "heart_rate_points", 2),
    ("heart_rate", 54, "heart_rate_points", 3),
    ("heart_rate", 40, "heart_rate_points", 3),
    ("heart_rate", 39, "heart_rate_points", 4),
    ("systolic_bp", 190, "systolic_bp_points", 4),
    ("systolic_bp", 189, "systolic_bp_points", 2),
    ("systolic_bp", 150, "systolic_bp_points", 2),
    ("systolic_bp", 149, "systolic_bp_points", 0),
    ("systolic_bp", 80, "systolic_bp_points", 0),
    ("systolic_bp", 79, "systolic_bp_points", 2),
    ("systolic_bp", 55, "systolic_bp_points", 2),
    ("systolic_bp", 54, "systolic_bp_points", 4),
    ("temperature", 41.0, "temperature_points", 4),
    ("temperature", 40.9, "temperature_points", 3),
    ("temperature", 39.0, "temperature_points", 3),
    ("temperature", 38.9, "temperature_points", 1),
    ("temperature", 38.5, "temperature_points", 1),
    ("temperature", 38.4, "temperature_points", 0),
    ("temperature", 36.0, "temperature_points", 0),
    ("temperature", 35.9, "temperature_points", 1),
    ("temperature", 34.0, "temperature_points", 1),
    ("temperature", 33.9, "temperature_points", 2),
    ("temperature", 32.0, "temperature_points", 2),
    ("temperature", 31.9, "temperature_points", 3),
    ("temperature", 30.0, "temperature_points", 3),
    ("temperature", 29.9, "temperature_points", 4),
    ("respiratory_rate", 50, "respiration_points", 4),
    ("respiratory_rate", 49, "respiration_points", 3),
    ("respiratory_rate", 35, "respiration_points", 3),
    ("respiratory_rate", 34, "respiration_points", 1),
    ("respiratory_rate", 25, "respiration_points", 1),
    ("respiratory_rate", 24, "respiration_points", 0),
    ("respiratory_rate", 12, "respiration_points", 0),
    ("respiratory_rate", 11, "respiration_points", 1),
    ("respiratory_rate", 10, "respiration_points", 1),
    ("respiratory_rate", 9, "respiration_points", 2),
    ("respiratory_rate", 6, "respiration_points", 2),
    ("respiratory_rate", 5, "respiration_points", 4),
    ("urine_output", 5001, "urine_output_points", 2),
    ("urine_output", 5000, "urine_output_points", 1),
    ("urine_output", 3500, "urine_output_points", 1),
    ("urine_output", 3499, "urine_output_points", 0),
    ("urine_output", 700, "urine_output_points", 0),
    ("urine_output", 699, "urine_output_points", 2),
    ("urine_output", 500, "urine_output_points", 2),
    ("urine_output", 499, "urine_output_points", 3),
    ("urine_output", 200, "urine_output_points", 3),
    ("urine_output", 199, "urine_output_points", 4),
    ("urea", 55, "urea_points", 4),
    ("urea", 54.9, "urea_points", 3),
    ("urea", 36, "urea_points", 3),
    ("urea", 35.9, "urea_points", 2),
    ("urea", 29, "urea_points", 2),
    ("urea", 28.9, "urea_points", 1),
    ("urea", 7.5, "urea_points", 1),
    ("urea", 7.4, "urea_points", 0),
    ("urea", 3.5, "urea_points", 0),
    ("urea", 3.4, "urea_points", 1),
    ("haematocrit", 60, "haematocrit_points", 4),
    ("haematocrit", 59.9, "haematocrit_points", 2),
    ("haematocrit", 50, "haematocrit_points", 2),
    ("haematocrit", 49.9, "haematocrit_points", 1),
    ("haematocrit", 46, "haematocrit_points", 1),
    ("haematocrit", 45.9, "haematocrit_points", 0),
    ("haematocrit", 30, "haematocrit_points", 0),
    ("haematocrit", 29.9, "haematocrit_points", 2),
    ("haematocrit", 20, "haematocrit_points", 2),
    ("haematocrit", 19.9, "haematocrit_points", 4),
    ("wbc", 40, "wbc_points", 4),
    ("wbc", 39.9, "wbc_points", 2),
    ("wbc", 20, "wbc_points", 2),
    ("wbc", 19.9, "wbc_points", 1),
    ("wbc", 15, "wbc_points", 1),
    ("wbc", 14.9, "wbc_points", 0),
    ("wbc", 3, "wbc_points", 0),
    ("wbc", 2.9, "wbc_points", 2),
    ("wbc", 1, "wbc_points", 2),
    ("wbc", 0.9, "wbc_points", 4),
    ("glucose", 44.5, "glucose_points", 4),
    ("glucose", 44.4, "glucose_points", 3),
    ("glucose", 27.8, "glucose_points", 3),
    ("glucose", 27.7, "glucose_points", 1),
    ("glucose", 14.0, "glucose_points", 1),
    ("glucose", 13.9, "glucose_points", 0),
    ("glucose", 3.9, "glucose_points", 0),
    ("glucose", 3.8, "glucose_points", 2),
    ("glucose", 2.8, "glucose_points", 2),
    ("glucose", 2.7, "glucose_points", 3),
    ("glucose", 1.6, "glucose_points", 3),
    ("glucose", 1.5, "glucose_points", 4),
    ("potassium", 7.0, "potassium_points", 4),
    ("potassium", 6.9, "potassium_points", 3),
    ("potassium", 6.0, "potassium_points", 3),
    ("potassium", 5.9, "potassium_points", 1),
    ("potassium", 5.5, "potassium_points", 1),
    ("potassium", 5.4, "potassium_points", 0),
    ("potassium", 3.5, "potassium_points", 0),
    ("potassium", 3.4, "potassium_points", 1),
    ("potassium", 3.0, "potassium_points", 1),
    ("potassium", 2.9, "potassium_points", 2),
    ("potassium", 2.5, "potassium_points", 2),
    ("potassium", 2.4, "potassium_points", 4),
    ("sodium", 180, "sodium_points", 4),
    ("sodium", 179, "sodium_points", 3),
    ("sodium", 161, "sodium_points", 3),
    ("sodium", 160, "sodium_points", 2),
    ("sodium", 156, "sodium_points", 2),
    ("sodium", 155, "sodium_points", 1),
    ("sodium", 151, "sodium_points", 1),
    ("sodium", 150, "sodium_points", 0),
    ("sodium", 130, "sodium_points", 0),
    ("sodium", 129, "sodium_points", 2),
    ("sodium", 120, "sodium_points", 2),
    ("sodium", 119, "sodium_points", 3),
    ("sodium", 110, "sodium_points", 3),
    ("sodium", 109, "sodium_points", 4),
    ("bicarbonate", 40, "bicarbonate_points", 3),
    ("bicarbonate", 39.9, "bicarbonate_points", 1),
    ("bicarbonate", 30, "bicarbonate_points", 1),
    ("bicarbonate", 29.9, "bicarbonate_points", 0),
    ("bicarbonate", 20, "bicarbonate_points", 0),
    ("bicarbonate", 19.9, "bicarbonate_points", 1),
    ("bicarbonate", 10, "bicarbonate_points", 1),
    ("bicarbonate", 9.9, "bicarbonate_points", 3),
    ("bicarbonate", 5, "bicarbonate_points", 3),
    ("bicarbonate", 4.9, "bicarbonate_points", 4),
    ("gcs", 13, "gcs_points", 0),
    ("gcs", 12, "gcs_points", 1),
    ("gcs", 10, "gcs_points", 1),
    ("gcs", 9, "gcs_points", 2),
    ("gcs", 7, "gcs_points", 2),
    ("gcs", 6, "gcs_points", 3),
    ("gcs", 4, "gcs_points", 3),
    ("gcs", 3, "gcs_points", 4),
]


@pytest.mark.parametrize(("name", "value", "component", "points"), SAPS1_EDGES)
def test_saps1_band_edges_score_as_le_gall_1984(name: str, value: float, component: str, points: int) -> None:
    result = SAPS1.score_one({name: value})
    assert result.components[component] == points
    assert result.total == points


def test_saps1_ventilation_scores_three_in_place_of_the_respiratory_rate() -> None:
    assert SAPS1.score_one({"ventilated": True, "respiratory_rate": 55}).components["respiration_points"] == 3
    assert (
        SAPS1.score_one({"ventilated": False, "respiratory_rate": 55}).components["respiration_points"] == 4
    )


def test_saps1_worked_patient_adds_up_its_fourteen_items() -> None:
    # 70 y (3), HR 120 (2), SBP 85 (0), 38.6 °C (1), ventilated (3), 600 mL (2), urea 10 (1),
    # Hct 28 (2), WBC 16 (1), glucose 15 (1), K 3.2 (1), Na 152 (1), HCO3 18 (1), GCS 8 (2) = 21
    values: dict[str, Any] = {
        "age_years": 70,
        "heart_rate": 120,
        "systolic_bp": 85,
        "temperature": 38.6,
        "ventilated": True,
        "urine_output": 600,
        "urea": 10,
        "haematocrit": 28,
        "wbc": 16,
        "glucose": 15,
        "potassium": 3.2,
        "sodium": 152,
        "bicarbonate": 18,
        "gcs": 8,
    }
    assert SAPS1.score_one(values).total == 21


# Vincent 1996: (inputs, component, points)
SOFA_EDGES: list[tuple[dict[str, Any], str, int]] = [
    ({"pao2_fio2": 400}, "respiration", 0),
    ({"pao2_fio2": 399}, "respiration", 1),
    ({"pao2_fio2": 300}, "respiration", 1),
    ({"pao2_fio2": 299}, "respiration", 2),
    ({"pao2_fio2": 199}, "respiration", 2),  # below 200 but no respiratory support
    ({"pao2_fio2": 99}, "respiration", 2),
    ({"pao2_fio2": 200, "ventilated": True}, "respiration", 2),
    ({"pao2_fio2": 199, "ventilated": True}, "respiration", 3),
    ({"pao2_fio2": 100, "ventilated": True}, "respiration", 3),
    ({"pao2_fio2": 99, "ventilated": True}, "respiration", 4),
    ({"platelets": 150}, "coagulation", 0),
    ({"platelets": 149}, "coagulation", 1),
    ({"platelets": 100}, "coagulation", 1),
    ({"platelets": 99}, "coagulation", 2),
    ({"platelets": 50}, "coagulation", 2),
    ({"platelets": 49}, "coagulation", 3),
    ({"platelets": 20}, "coagulation", 3),
    ({"platelets": 19}, "coagulation", 4),
    ({"bilirubin": 1.1}, "liver", 0),
    ({"bilirubin": 1.2}, "liver", 1),
    ({"bilirubin": 1.9}, "liver", 1),
    ({"bilirubin": 2.0}, "liver", 2),
    ({"bilirubin": 5.9}, "liver", 2),
    ({"bilirubin": 6.0}, "liver", 3),
    ({"bilirubin": 11.9}, "liver", 3),
    ({"bilirubin": 12.0}, "liver", 4),
    ({"map": 70}, "cardiovascular", 0),
    ({"map": 69}, "cardiovascular", 1),
    ({"map": 60, "dobutamine": 2}, "cardiovascular", 2),
    ({"dopamine": 5}, "cardiovascular", 2),
    ({"dopamine": 5.1}, "cardiovascular", 3),
    ({"dopamine": 15}, "cardiovascular", 3),
    ({"dopamine": 15.1}, "cardiovascular", 4),
    ({"epinephrine": 0.1}, "cardiovascular", 3),
    ({"epinephrine": 0.11}, "cardiovascular", 4),
    ({"norepinephrine": 0.1}, "cardiovascular", 3),
    ({"norepinephrine": 0.11}, "cardiovascular", 4),
    ({"dobutamine": 0, "map": 75}, "cardiovascular", 0),
    ({"gcs": 15}, "cns", 0),
    ({"gcs": 14}, "cns", 1),
    ({"gcs": 13}, "cns", 1),
    ({"gcs": 12}, "cns", 2),
    ({"gcs": 10}, "cns", 2),
    ({"gcs": 9}, "cns", 3),
    ({"gcs": 6}, "cns", 3),
    ({"gcs": 5}, "cns", 4),
    ({"creatinine": 1.1}, "renal", 0),
    ({"creatinine": 1.2}, "renal", 1),
    ({"creatinine": 1.9}, "renal", 1),
    ({"creatinine": 2.0}, "renal", 2),
    ({"creatinine": 3.4}, "renal", 2),
    ({"creatinine": 3.5}, "renal", 3),
    ({"creatinine": 4.9}, "renal", 3),
    ({"creatinine": 5.0}, "renal", 4),
    ({"urine_output": 500}, "renal", 0),
    ({"urine_output": 499}, "renal", 3),
    ({"urine_output": 200}, "renal", 3),
    ({"urine_output": 199}, "renal", 4),
    ({"creatinine": 2.5, "urine_output": 150}, "renal", 4),  # the worse of the two
]


@pytest.mark.parametrize(("values", "component", "points"), SOFA_EDGES)
def test_sofa_band_edges_score_as_vincent_1996(values: dict[str, Any], component: str, points: int) -> None:
    result = SOFA.score_one(values)
    assert result.components[component] == points
    assert result.total == points


def test_sofa_total_is_the_sum_of_the_six_organs() -> None:
    values = {
        "pao2_fio2": 150,
        "ventilated": True,
        "platelets": 80,
        "bilirubin": 2.5,
        "map": 65,
        "gcs": 11,
        "creatinine": 1.5,
    }
    result = SOFA.score_one(values)
    assert result.components == {
        "respiration": 3,
        "coagulation": 2,
        "liver": 2,
        "cardiovascular": 1,
        "cns": 2,
        "renal": 1,
    }
    assert result.total == 11


IMPOSSIBLE = [
    (SAPS1, {"heart_rate": 0}, "heart_rate"),
    (SAPS1, {"gcs": 2}, "gcs"),
    (SAPS1, {"age_years": -1}, "age_years"),
    (SOFA, {"pao2_fio2": 5}, "pao2_fio2"),
    (SOFA, {"platelets": 0}, "platelets"),
    (SOFA, {"norepinephrine": -0.1}, "norepinephrine"),
]


@pytest.mark.parametrize(("definition", "values", "name"), IMPOSSIBLE)
def test_impossible_values_are_refused_naming_the_input(
    definition: Any, values: dict[str, Any], name: str
) -> None:
    with pytest.raises(ScoreInputError) as caught:
        definition.score_one(values)
    assert [p.input for p in caught.value.problems] == [name]
