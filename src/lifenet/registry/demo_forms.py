"""The demo registry's forms: the values of each form of one planned run, as a data manager
would type them (plausible for the child's age, support and course).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping
from typing import Any

from lifenet.registry.demo_plan import (
    COMPLICATIONS,
    CONVENTIONAL,
    ICD10,
    OTHER_INDICATIONS,
    OXYGENATORS_LARGE,
    OXYGENATORS_SMALL,
    PUMPS,
    ZONE,
    Plan,
    clip,
    iso,
    normal,
    pick,
)


def patient_form(rng: random.Random, plan: Plan, network_id: str, registered: dt.datetime) -> dict[str, Any]:
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
        values["birth_weight_kg"] = round(clip(rng.gauss(3.3 - 0.2 * (40 - weeks), 0.35), 1.6, 4.8), 2)
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
    return round(clip(base * rng.gauss(1, 0.04), 40, 195), 1)


def episode_form(
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
        "admission_datetime": iso(admitted),
        "admission_unit_type": kinds.get(unit_type, "other"),
        "referral_source": referral,
    }
    if rng.random() < 0.85:
        values["icu_admission_datetime"] = iso(admitted + dt.timedelta(minutes=rng.randint(0, 90)))
    if referral == "other_hospital":
        values["referring_hospital"] = referring
        values["transferred_on_ecls"] = (
            plan.retrieval and plan.spoke is not None and referring == plan.spoke.name_zh
        )
    if discharged is not None:
        values["hospital_discharge_datetime"] = iso(discharged)
    return values


def diagnosis_form(rng: random.Random, plan: Plan) -> dict[str, Any]:
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
        mode = pick(rng, {"pressure_control": 40, "prvc": 15, "volume_control": 10, "simv": 10, "hfov": 15})
    hours = math.exp(rng.gauss(math.log(60 if pulmonary else 18), 0.9))
    values: dict[str, Any] = {
        "mechanical_ventilation_hours": int(clip(hours, 1, 900)),
        "ventilator_mode": mode,
        "inhaled_nitric_oxide": rng.random() < (0.7 if plan.age_group == "neonate" and pulmonary else 0.2),
    }
    if mode in CONVENTIONAL:
        neonate = plan.age_group == "neonate"
        values["ventilator_rate"] = rng.randint(40, 60) if neonate else rng.randint(18, 40)
        values["peak_inspiratory_pressure"] = normal(rng, 32 if pulmonary else 24, 5, 14, 44)
        values["peep"] = normal(rng, 9 if pulmonary else 6, 2, 4, 16)
        values["mean_airway_pressure"] = normal(rng, 18 if pulmonary else 12, 4, 6, 34)
    elif mode == "hfov":
        values["mean_airway_pressure"] = normal(rng, 22, 4, 10, 36)
        values["hfov_frequency"] = normal(rng, 10 if plan.age_group == "neonate" else 6, 1.2, 4, 14)
    if rng.random() < 0.8:
        values["neuromuscular_blockade"] = rng.random() < 0.6
        values["bicarbonate_infusion"] = rng.random() < 0.3
    return values


def _gas_and_circulation(rng: random.Random, plan: Plan) -> dict[str, Any]:
    ph_mean = {"pulmonary": 7.18, "cardiac": 7.2, "ecpr": 7.02}[plan.support]
    pulmonary = plan.support == "pulmonary"
    values: dict[str, Any] = {
        "ph": normal(rng, ph_mean, 0.1, 6.62, 7.5, 2),
        "paco2": normal(rng, 72 if pulmonary else 46, 18 if pulmonary else 12, 25, 140),
        "pao2": normal(rng, 42 if pulmonary else 85, 10 if pulmonary else 35, 18, 400),
        "fio2": 1.0 if pulmonary or rng.random() < 0.6 else round(rng.uniform(0.5, 0.95), 2),
        "lactate": normal(rng, {"pulmonary": 3.0, "cardiac": 7.0, "ecpr": 11.0}[plan.support], 3.5, 0.5, 30),
    }
    if rng.random() < 0.8:
        values["blood_gas_datetime"] = iso(plan.start - dt.timedelta(minutes=rng.randint(20, 300)))
    if rng.random() < 0.7:
        values["sao2"] = normal(rng, 72 if pulmonary else 88, 10, 25, 100)
        values["hco3"] = normal(rng, 21, 5, 6, 40)
        values["base_excess"] = normal(rng, -4 if pulmonary else -10, 5, -32, 15)
    if plan.support != "ecpr" or rng.random() < 0.5:
        systolic = int(normal(rng, 48 if plan.age_group == "neonate" else 72, 12, 25, 140, 0))
        diastolic = int(systolic * rng.uniform(0.45, 0.65))
        values |= {
            "systolic_bp": systolic,
            "diastolic_bp": diastolic,
            "mean_bp": diastolic + (systolic - diastolic) // 3,
        }
    if plan.support == "cardiac" and rng.random() < 0.6:
        values["svo2"] = normal(rng, 45, 10, 15, 85)
    drugs = ["epinephrine", "milrinone", "dopamine"] if plan.support != "pulmonary" else ["dopamine"]
    if rng.random() < 0.5:
        drugs.append(rng.choice(("norepinephrine", "dobutamine", "vasopressin", "levosimendan")))
    values["vasoactive_drugs"] = sorted(set(drugs))
    values["vasoactive_inotropic_score"] = normal(rng, 28 if plan.support != "pulmonary" else 14, 12, 0, 95)
    return values


def _arrest_and_scores(rng: random.Random, plan: Plan) -> dict[str, Any]:
    arrest = plan.support == "ecpr" or rng.random() < 0.12
    values: dict[str, Any] = {"cardiac_arrest": arrest, "prior_ecls": False}
    if arrest:
        values["cpr_at_cannulation"] = plan.support == "ecpr"
        minutes = math.exp(rng.gauss(math.log(45), 0.45)) if plan.support == "ecpr" else rng.uniform(2, 25)
        values["cpr_duration_minutes"] = int(clip(minutes, 1, 200))
    if rng.random() < 0.6:
        recovery = "bypass_cardiac" if plan.indication == "post_cardiotomy" else "none"
        values |= {
            "pim3_elective_admission": plan.indication == "post_cardiotomy" and rng.random() < 0.5,
            "pim3_recovery": recovery,
            "pim3_mechanical_ventilation": True,
            "pim3_pupils_fixed": plan.support == "ecpr" and rng.random() < 0.1,
            "pim3_systolic_bp": int(normal(rng, 60, 15, 0, 130, 0)),
            "pim3_base_excess": normal(rng, -6, 5, -30, 12),
            "pim3_pao2": normal(rng, 55, 20, 20, 300),
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
        low = normal(rng, 7.15, 0.1, 6.85, 7.4, 2)
        co2_low = normal(rng, 18, 4, 8, 30)
        values |= {
            "prism_gcs": rng.randint(3, 15),
            "prism_pupils": "both_reactive" if rng.random() < 0.93 else "one_fixed",
            "prism_heart_rate": int(normal(rng, 165 if plan.age_group == "neonate" else 140, 25, 60, 230, 0)),
            "prism_temperature": normal(rng, 37.4, 1.0, 34, 40.5),
            "prism_ph_low": low,
            "prism_ph_high": round(low + rng.uniform(0, 0.2), 2),
            "prism_total_co2_low": co2_low,
            "prism_total_co2_high": round(co2_low + rng.uniform(0, 8), 1),
            "prism_glucose": normal(rng, 8, 3, 2.5, 25),
            "prism_potassium": normal(rng, 4.5, 0.8, 2.5, 7.5),
            "prism_creatinine": normal(rng, 60, 30, 15, 400),
            "prism_platelets": normal(rng, 160, 70, 15, 500),
            "prism_cpr_prior_24h": values["cardiac_arrest"],
        }
    return values


def pre_ecls_form(rng: random.Random, plan: Plan) -> dict[str, Any]:
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
    drainage = int(clip(8 + 3.2 * math.log(plan.weight) * 1.6 + rng.gauss(0, 1), 8, 29))
    values: dict[str, Any] = {"cannulation_sites": sites, "cannulation_technique": technique}
    if mode == "vv":
        values["vv_cannula"] = "two_cannulas" if big else "double_lumen"
    if rng.random() < 0.92:
        values["drainage_cannula_fr"] = drainage
        values["return_cannula_fr"] = int(clip(drainage - rng.randint(2, 4), 6, 25))
    return values


def run_form(rng: random.Random, plan: Plan, retrieval: Mapping[str, Any]) -> dict[str, Any]:
    mode = _mode(rng, plan)
    small = plan.weight < 20
    values: dict[str, Any] = {
        "run_number": 1,
        "support_type": plan.support,
        "mode": mode,
        "ecls_start": iso(plan.start),
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
        values["ecls_end"] = iso(plan.end)
    values |= _cannulation(rng, plan, mode)
    if values["pump_type"] == "centrifugal" and rng.random() < 0.8:
        values["pump_model"] = rng.choice(PUMPS)
    if rng.random() < 0.8:
        values["oxygenator_model"] = rng.choice(OXYGENATORS_SMALL if small else OXYGENATORS_LARGE)
    if rng.random() < 0.95:
        values["anticoagulant"] = pick(rng, {"unfractionated_heparin": 92, "bivalirudin": 5, "none": 3})
    if retrieval:
        values |= retrieval
    return values


def outcome_form(rng: random.Random, plan: Plan, left: dt.datetime) -> dict[str, Any]:
    if plan.weaned:
        reasons = {"recovered": 90, "poor_prognosis": 0 if plan.survived else 8}
        if plan.support == "cardiac":
            reasons |= {"cpb": 5, "vad": 2, "heart_transplant": 1}
        reason = pick(rng, reasons)
    else:
        reason = pick(
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
        values["discharge_location"] = pick(
            rng, {"home": 72, "other_hospital": 12, "rehabilitation": 5, "against_medical_advice": 11}
        )
    else:
        values["death_date"] = day
        values["death_after_withdrawal"] = reason in ("poor_prognosis", "family_request")
        if rng.random() < 0.9:
            values["brain_death"] = rng.random() < 0.06
    return values


def complication_forms(rng: random.Random, plan: Plan, horizon: dt.datetime) -> list[dict[str, Any]]:
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
            "complication_datetime": iso(min(onset, until)),
        }
        if item == "hemolysis":
            values["hemolysis_plasma_free_hb"] = normal(rng, 110, 60, 50, 480, 0)
        found.append(values)
    return found


def daily_forms(rng: random.Random, plan: Plan, horizon: dt.datetime, renal: bool) -> list[dict[str, Any]]:
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
            "observation_datetime": iso(moment),
            "ecls_day": (moment.astimezone(ZONE).date() - first_day).days,
            "pump_flow": round(clip(plan.weight * flow_per_kg * rng.uniform(0.8, 1.15), 0.2, 5.8), 2),
            "sweep_gas_flow": round(clip(plan.weight * 0.06 * rng.uniform(0.5, 1.5), 0.2, 9), 1),
            "sweep_fio2": round(rng.uniform(0.5, 1.0), 2),
            "ph": normal(rng, 7.4, 0.04, 7.2, 7.55, 2),
            "paco2": normal(rng, 41, 5, 28, 60),
            "pao2": normal(rng, 180, 60, 50, 420),
            "lactate": normal(rng, 2.0, 1.0, 0.5, 12),
            "act": int(normal(rng, 195, 20, 140, 260, 0)),
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
                "peak_inspiratory_pressure": normal(rng, 20, 3, 12, 30),
                "peep": normal(rng, 9, 1.5, 5, 14),
            }
        if rng.random() < 0.9:
            values |= {
                "heparin_dose": normal(rng, 35 if plan.age_group == "neonate" else 22, 8, 5, 58),
                "anti_xa": normal(rng, 0.45, 0.12, 0.1, 1.0, 2),
                "aptt": normal(rng, 65, 12, 35, 120),
                "platelets": normal(rng, 120, 35, 30, 400, 0),
                "fibrinogen": normal(rng, 2.4, 0.6, 0.8, 5),
                "plasma_free_hb": normal(rng, 25, 15, 2, 120, 0),
                "urine_output": normal(rng, 2.0, 0.9, 0.1, 6),
                "crrt": renal,
            }
        rows.append(values)
    return rows
