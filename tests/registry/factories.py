"""A complete, valid ECLS case as a data manager types it (form text, local times)."""

from __future__ import annotations

from typing import Any

PATIENT: dict[str, Any] = {
    "sex": "female",
    "registration_date": "2025-03-02",
    "birth_date": "2023-06-15",
    "weight_kg": "11.5",
}
EPISODE: dict[str, Any] = {
    "admission_datetime": "2025-03-02 08:30",
    "admission_unit_type": "picu",
    "referral_source": "emergency",
}
DIAGNOSIS: dict[str, Any] = {
    "primary_diagnosis_icd10": "J12.1",
    "primary_indication": "rsv",
    "cancer": "no",
    "acute_renal_failure": "no",
    "acute_liver_failure": "no",
}
PRE_ECLS: dict[str, Any] = {
    "mechanical_ventilation_hours": "72",
    "ventilator_mode": "hfov",
    "mean_airway_pressure": "24",
    "hfov_frequency": "8",
    "inhaled_nitric_oxide": "yes",
    "ph": "7.18",
    "paco2": "78",
    "pao2": "48",
    "fio2": "1.0",
    "cardiac_arrest": "no",
    "prior_ecls": "no",
    "pim3_systolic_bp": "70",
    "pim3_mechanical_ventilation": "yes",
    "pim3_fio2": "1.0",
    "pim3_pao2": "48",
    "pim3_base_excess": "-6",
}
ECLS_RUN: dict[str, Any] = {
    "run_number": "1",
    "support_type": "pulmonary",
    "mode": "vv",
    "ecls_start": "2025-03-05 14:10",
    "weight_at_cannulation_kg": "11.2",
    "cannulation_sites": ["right_internal_jugular_vein"],
    "cannulation_technique": "percutaneous",
    "vv_cannula": "double_lumen",
    "pump_type": "centrifugal",
    "oxygenator_type": "pmp_hollow_fiber",
    "mobile_retrieval": "no",
}
OUTCOME: dict[str, Any] = {
    "weaned_off_ecls": "yes",
    "discontinuation_reason": "recovered",
    "survived_to_discharge": "yes",
    "discharge_date": "2025-04-01",
    "discharge_location": "home",
}
