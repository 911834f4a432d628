"""Scores computed from a patient's registry records: PIM3, PRISM IV and P-PREP at ECLS start.

The pre-ECLS assessment form asks for each score's inputs under the score's own definitions
(the PIM3 fields are named ``pim3_*``; P-PREP reads the worst blood gas of the 6 h before
ECLS). This module only maps registry field names and codes to score inputs; the formulas
are the score modules'. A score whose required inputs are missing is reported as such, never
computed from guesses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lifenet.early_warning.scores import get_score
from lifenet.early_warning.scores.base import ScoreInputError, ScoreResult

# Registry code (pim3_diagnosis code list) -> PIM3 input and choice.
PIM3_DIAGNOSES: dict[str, tuple[str, str]] = {
    "cardiac_arrest_before_icu": ("very_high_risk_diagnosis", "cardiac_arrest_before_icu"),
    "scid": ("very_high_risk_diagnosis", "severe_combined_immunodeficiency"),
    "leukaemia_lymphoma_after_induction": (
        "very_high_risk_diagnosis",
        "leukaemia_lymphoma_after_first_induction",
    ),
    "bone_marrow_transplant": ("very_high_risk_diagnosis", "bone_marrow_transplant"),
    "liver_failure": ("very_high_risk_diagnosis", "liver_failure"),
    "cerebral_haemorrhage": ("high_risk_diagnosis", "spontaneous_cerebral_haemorrhage"),
    "cardiomyopathy_myocarditis": ("high_risk_diagnosis", "cardiomyopathy_or_myocarditis"),
    "hlhs": ("high_risk_diagnosis", "hypoplastic_left_heart_syndrome"),
    "neurodegenerative": ("high_risk_diagnosis", "neurodegenerative_disorder"),
    "nec": ("high_risk_diagnosis", "necrotising_enterocolitis"),
    "asthma": ("low_risk_diagnosis", "asthma"),
    "bronchiolitis": ("low_risk_diagnosis", "bronchiolitis"),
    "croup": ("low_risk_diagnosis", "croup"),
    "obstructive_sleep_apnoea": ("low_risk_diagnosis", "obstructive_sleep_apnoea"),
    "diabetic_ketoacidosis": ("low_risk_diagnosis", "diabetic_ketoacidosis"),
    "seizure_disorder": ("low_risk_diagnosis", "seizure_disorder"),
}
PIM3_RECOVERY = {
    "none": "none",
    "bypass_cardiac": "bypass_cardiac",
    "nonbypass_cardiac": "non_bypass_cardiac",
    "noncardiac": "non_cardiac",
}
PIM3_FIELDS = {
    "pim3_systolic_bp": "systolic_bp",
    "pim3_pupils_fixed": "pupils_fixed",
    "pim3_mechanical_ventilation": "mechanical_ventilation",
    "pim3_base_excess": "base_excess",
    "pim3_fio2": "fio2",
    "pim3_pao2": "pao2",
    "pim3_elective_admission": "elective_admission",
}
# P-PREP's diagnosis groups (Bailly 2017) from the registry's primary indication.
PPREP_DIAGNOSES = {
    "asthma": "asthma",
    "aspiration": "aspiration",
    "rsv": "rsv",
    "sepsis_ards": "sepsis_ards",
    "pertussis": "pertussis",
}


# Pre-ECLS form field -> PRISM III/IV inputs (the form asks for each worst value once; a single
# worst temperature or pH bounds both sides of its band table).
PRISM_FIELDS: dict[str, tuple[str, ...]] = {
    "prism_systolic_bp": ("systolic_bp_min",),
    "prism_heart_rate": ("heart_rate_max",),
    "prism_temperature": ("temperature_min", "temperature_max"),
    "prism_gcs": ("gcs_min",),
    "prism_ph_low": ("ph_min",),
    "prism_ph_high": ("ph_max",),
    "prism_total_co2_low": ("total_co2_min",),
    "prism_total_co2_high": ("total_co2_max",),
    "prism_pco2": ("pco2_max",),
    "prism_pao2": ("pao2_min",),
    "prism_glucose": ("glucose_max",),
    "prism_potassium": ("potassium_max",),
    "prism_creatinine": ("creatinine_max",),
    "prism_urea": ("urea_max",),
    "prism_wbc": ("wbc_min",),
    "prism_pt": ("pt_max",),
    "prism_ptt": ("ptt_max",),
    "prism_platelets": ("platelets_min",),
}
FIXED_PUPILS = {"both_reactive": 0, "one_fixed": 1, "both_fixed": 2}
# Registry referral source -> PRISM IV admission source ("direct" admissions have no match).
PRISM_SOURCES = {
    "emergency": "emergency_department",
    "inpatient_ward": "inpatient_unit",
    "or_pacu": "operating_room",
    "other_hospital": "another_hospital",
}
# PRISM IV's low-risk systems of primary dysfunction (Pollack 2016).
LOW_RISK_SYSTEMS = {"endocrine", "hematologic", "musculoskeletal", "renal"}


@dataclass(frozen=True)
class RegistryScore:
    """One score for one ECLS run: the result, or why it could not be computed."""

    score: str
    run_id: int
    result: ScoreResult | None
    missing: tuple[str, ...] = ()


def pim3_inputs(pre_ecls: Mapping[str, Any]) -> dict[str, Any]:
    values = {target: pre_ecls[source] for source, target in PIM3_FIELDS.items() if source in pre_ecls}
    if "pim3_recovery" in pre_ecls:
        values["recovery_procedure"] = PIM3_RECOVERY.get(pre_ecls["pim3_recovery"], "none")
    for code in pre_ecls.get("pim3_diagnoses", []):
        if code in PIM3_DIAGNOSES:
            name, choice = PIM3_DIAGNOSES[code]
            # PIM3 counts one diagnosis of each risk group: keep the first given.
            values.setdefault(name, choice)
    return values


def pprep_inputs(
    run: Mapping[str, Any], pre_ecls: Mapping[str, Any], diagnosis: Mapping[str, Any]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if run.get("mode") in ("va", "vv"):
        values["ecmo_mode"] = str(run["mode"]).upper()
    if pre_ecls.get("mechanical_ventilation_hours") is not None:
        values["mv_days"] = pre_ecls["mechanical_ventilation_hours"] / 24
    for name in ("pao2", "fio2", "ph", "cardiac_arrest"):
        if pre_ecls.get(name) is not None:
            values[name] = pre_ecls[name]
    if diagnosis.get("primary_indication"):
        values["diagnosis"] = PPREP_DIAGNOSES.get(diagnosis["primary_indication"], "other")
    for source, target in (
        ("cancer", "cancer"),
        ("acute_renal_failure", "renal_dysfunction"),
        ("acute_liver_failure", "liver_dysfunction"),
    ):
        if diagnosis.get(source) is not None:
            values[target] = diagnosis[source]
    return values


def prism4_inputs(
    run: Mapping[str, Any],
    pre_ecls: Mapping[str, Any],
    diagnosis: Mapping[str, Any],
    episode: Mapping[str, Any],
) -> dict[str, Any]:
    values: dict[str, Any] = {"age_days": run.get("age_at_cannulation_days")}
    for source, targets in PRISM_FIELDS.items():
        if pre_ecls.get(source) is not None:
            values.update(dict.fromkeys(targets, pre_ecls[source]))
    if pre_ecls.get("prism_pupils") in FIXED_PUPILS:
        values["pupils_fixed_count"] = FIXED_PUPILS[pre_ecls["prism_pupils"]]
    if episode.get("referral_source") in PRISM_SOURCES:
        values["admission_source"] = PRISM_SOURCES[episode["referral_source"]]
    if pre_ecls.get("prism_cpr_prior_24h") is not None:
        values["cpr_before_admission"] = pre_ecls["prism_cpr_prior_24h"]
    if diagnosis.get("cancer") is not None:
        values["cancer"] = diagnosis["cancer"]
    if diagnosis.get("primary_system"):
        values["low_risk_system"] = diagnosis["primary_system"] in LOW_RISK_SYSTEMS
    return values


def _scored(name: str, run_id: int, values: dict[str, Any]) -> RegistryScore:
    try:
        return RegistryScore(name, run_id, get_score(name).score_one(values))
    except ScoreInputError as exc:
        return RegistryScore(name, run_id, None, tuple(p.input for p in exc.problems))


def scores_for_runs(forms_by_episode: Sequence[Mapping[str, Any]]) -> list[RegistryScore]:
    """``forms_by_episode``: per ECLS run, ``{"run_id", "ecls_run", "pre_ecls", "diagnosis",
    "episode"}`` value dicts (empty when that form is not filled in)."""
    found: list[RegistryScore] = []
    for item in forms_by_episode:
        run, pre, diagnosis = item["ecls_run"], item["pre_ecls"], item["diagnosis"]
        if pre:
            found.append(_scored("pim3", item["run_id"], pim3_inputs(pre)))
        if any(name in pre for name in PRISM_FIELDS):
            prism = prism4_inputs(run, pre, diagnosis, item.get("episode", {}))
            found.append(_scored("prism4", item["run_id"], prism))
        if pre and run.get("support_type") == "pulmonary":
            found.append(_scored("pprep", item["run_id"], pprep_inputs(run, pre, diagnosis)))
    return found
