"""Scores at ECLS start from registry records: the registry's field names and codes map onto
the score inputs, and the score modules do the arithmetic."""

from __future__ import annotations

from typing import Any

from lifenet.early_warning import registry_scores
from lifenet.early_warning.scores import get_score

RUN: dict[str, Any] = {"support_type": "pulmonary", "mode": "vv", "age_at_cannulation_days": 400}
PRE: dict[str, Any] = {
    "mechanical_ventilation_hours": 72,
    "ph": 7.18,
    "pao2": 48.0,
    "fio2": 1.0,
    "cardiac_arrest": False,
    "pim3_systolic_bp": 70,
    "pim3_mechanical_ventilation": True,
    "pim3_base_excess": -6.0,
    "pim3_fio2": 1.0,
    "pim3_pao2": 48.0,
    "pim3_recovery": "nonbypass_cardiac",
    "pim3_diagnoses": ["cardiomyopathy_myocarditis", "asthma"],
    "prism_systolic_bp": 60,
    "prism_heart_rate": 190,
    "prism_temperature": 39.5,
    "prism_pupils": "one_fixed",
    "prism_ph_low": 7.1,
    "prism_creatinine": 120.0,
}
DIAGNOSIS: dict[str, Any] = {"primary_indication": "rsv", "cancer": False, "primary_system": "renal"}
EPISODE: dict[str, Any] = {"referral_source": "other_hospital"}


def scores() -> dict[str, registry_scores.RegistryScore]:
    item = {"run_id": 7, "ecls_run": RUN, "pre_ecls": PRE, "diagnosis": DIAGNOSIS, "episode": EPISODE}
    return {s.score: s for s in registry_scores.scores_for_runs([item])}


def test_pim3_reads_the_pim3_fields_and_maps_the_codes() -> None:
    expected = get_score("pim3").score_one(
        {
            "systolic_bp": 70,
            "mechanical_ventilation": True,
            "base_excess": -6.0,
            "fio2": 1.0,
            "pao2": 48.0,
            "recovery_procedure": "non_bypass_cardiac",
            "high_risk_diagnosis": "cardiomyopathy_or_myocarditis",
            "low_risk_diagnosis": "asthma",
        }
    )
    found = scores()["pim3"].result
    assert found is not None and found.predicted_mortality == expected.predicted_mortality


def test_prism4_takes_age_at_cannulation_and_the_admission_source() -> None:
    found = scores()["prism4"]
    assert found.result is not None, found.missing
    expected = get_score("prism4").score_one(
        {
            "age_days": 400,
            "systolic_bp_min": 60,
            "heart_rate_max": 190,
            "temperature_min": 39.5,
            "temperature_max": 39.5,
            "pupils_fixed_count": 1,
            "ph_min": 7.1,
            "creatinine_max": 120.0,
            "admission_source": "another_hospital",
            "cancer": False,
            "low_risk_system": True,
        }
    )
    assert found.result.predicted_mortality == expected.predicted_mortality


def test_pprep_reads_days_of_ventilation_and_the_diagnosis_group() -> None:
    expected = get_score("pprep").score_one(
        {
            "ecmo_mode": "VV",
            "mv_days": 3.0,
            "pao2": 48.0,
            "fio2": 1.0,
            "ph": 7.18,
            "diagnosis": "rsv",
            "cardiac_arrest": False,
            "cancer": False,
        }
    )
    found = scores()["pprep"].result
    assert found is not None and found.total == expected.total


def test_a_score_missing_a_required_input_says_which() -> None:
    item = {"run_id": 1, "ecls_run": {"mode": "vv", "support_type": "pulmonary"}, "pre_ecls": {"ph": 7.2}}
    found = {s.score: s for s in registry_scores.scores_for_runs([item | {"diagnosis": {}}])}
    assert found["pprep"].result is None
    assert "diagnosis" in found["pprep"].missing and "mv_days" in found["pprep"].missing
