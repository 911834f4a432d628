"""Paediatric Index of Mortality 2 (PIM2).

Slater A, Shann F, Pearson G; PIM Study Group. PIM2: a revised version of the Paediatric Index of
Mortality. Intensive Care Med 2003;29:278-285.

The logit is the published equation::

    logit = -0.9282 elective - 1.0244 recovery + 0.7507 bypass + 1.6829 high-risk
            - 1.577 low-risk + 3.0791 pupils + 1.3352 ventilated + 0.01395 |SBP - 120|
            + 0.1040 |base excess| + 0.2888 (100 x FiO2 / PaO2) - 4.8841

and the predicted mortality is 1 / (1 + e^-logit). PIM2's missing rule differs from PIM3's:
every unknown value is recorded as 0 except systolic blood pressure (120), so an unknown
FiO2 or PaO2 makes the oxygenation term 0.

The physiology and admission inputs are the ones defined in ``pim3`` (one definition each);
only the diagnosis lists and the coefficients are PIM2's own.
"""

from __future__ import annotations

import polars as pl

from lifenet.early_warning.scores.base import (
    TOTAL_COLUMN,
    Component,
    ScoreDefinition,
    ScoreInput,
    constant_component,
    flag,
    logistic,
)
from lifenet.early_warning.scores.pim3 import (
    ELECTIVE_ADMISSION,
    MECHANICAL_VENTILATION,
    NO_DIAGNOSIS,
    NO_PROCEDURE,
    PUPILS_FIXED,
    RECOVERY_PROCEDURE,
    SHARED_INPUTS,
    absolute_base_excess,
    chose,
    oxygenation_ratio,
    systolic_bp,
)

SOURCE = (
    "Slater A, Shann F, Pearson G; PIM Study Group. PIM2: a revised version of the Paediatric Index of "
    "Mortality. Intensive Care Med 2003;29(2):278-285."
)

INTERCEPT = -4.8841
OXYGENATION_UNKNOWN = 0.0
"""PIM2 records an unknown PaO2 or FiO2 as 0, which makes FiO2 x 100 / PaO2 = 0."""

HIGH_RISK = (
    "cardiac_arrest_before_icu",
    "severe_combined_immunodeficiency",
    "leukaemia_lymphoma_after_first_induction",
    "spontaneous_cerebral_haemorrhage",
    "cardiomyopathy_or_myocarditis",
    "hypoplastic_left_heart_syndrome",
    "hiv_infection",
    "liver_failure",
    "neurodegenerative_disorder",
)
LOW_RISK = (
    "asthma",
    "bronchiolitis",
    "croup",
    "obstructive_sleep_apnoea",
    "diabetic_ketoacidosis",
)

HIGH_RISK_DIAGNOSIS = ScoreInput(
    "high_risk_diagnosis",
    "High-risk diagnosis",
    "高危诊断",
    kind="choice",
    choices=(NO_DIAGNOSIS, *HIGH_RISK),
    help_en="Cardiac arrest preceding ICU admission; severe combined immunodeficiency; leukaemia or lymphoma "
    "after first induction; spontaneous cerebral haemorrhage; cardiomyopathy or myocarditis; hypoplastic left "
    "heart syndrome; HIV infection; liver failure as the main reason for admission; neurodegenerative "
    "disorder. If in doubt, none.",
    help_zh="入ICU前心搏骤停；重症联合免疫缺陷病；首次诱导化疗后的白血病或淋巴瘤；自发性颅内出血；"
    "心肌病或心肌炎；左心发育不良综合征；HIV感染；以肝衰竭为入ICU主要原因；神经退行性疾病。不确定时选无。",
)
LOW_RISK_DIAGNOSIS = ScoreInput(
    "low_risk_diagnosis",
    "Low-risk diagnosis (main reason for admission)",
    "低危诊断（入ICU主要原因）",
    kind="choice",
    choices=(NO_DIAGNOSIS, *LOW_RISK),
    help_en="Asthma; bronchiolitis; croup; obstructive sleep apnoea; diabetic ketoacidosis. If in doubt, none.",
    help_zh="哮喘；毛细支气管炎；喉炎（哮吼）；阻塞性睡眠呼吸暂停；糖尿病酮症酸中毒。不确定时选无。",
)


def _recovered_from(*procedures: str) -> pl.Expr:
    return pl.col(RECOVERY_PROCEDURE.name).fill_null(NO_PROCEDURE).is_in(list(procedures))


COMPONENTS = (
    Component(
        "pupils",
        "Pupils fixed and dilated",
        "瞳孔固定散大",
        flag(PUPILS_FIXED.name, 3.0791),
        explain_en="3.0791 if both pupils are >3 mm and fixed.",
        explain_zh="双侧瞳孔>3 mm且固定时加3.0791。",
    ),
    Component(
        "elective",
        "Elective admission",
        "择期入ICU",
        flag(ELECTIVE_ADMISSION.name, -0.9282),
        explain_en="-0.9282 for an elective admission.",
        explain_zh="择期入ICU时加-0.9282。",
    ),
    Component(
        "ventilation",
        "Mechanical ventilation",
        "机械通气",
        flag(MECHANICAL_VENTILATION.name, 1.3352),
        explain_en="1.3352 if ventilated in the first hour.",
        explain_zh="第1小时内机械通气时加1.3352。",
    ),
    Component(
        "acid_base",
        "Base excess term",
        "碱剩余项",
        0.1040 * absolute_base_excess(),
        explain_en="0.1040 x |base excess| (unknown = 0).",
        explain_zh="0.1040 × |碱剩余|（未测按0）。",
    ),
    Component(
        "blood_pressure",
        "Systolic blood pressure term",
        "收缩压项",
        0.01395 * (systolic_bp() - 120.0).abs(),
        explain_en="0.01395 x |SBP - 120| (unknown SBP = 120).",
        explain_zh="0.01395 × |收缩压 - 120|（未测按120）。",
    ),
    Component(
        "oxygenation",
        "Oxygenation term (FiO2 × 100 / PaO2)",
        "氧合项（FiO2×100/PaO2）",
        0.2888 * oxygenation_ratio(OXYGENATION_UNKNOWN),
        explain_en="0.2888 x FiO2 x 100 / PaO2 (0 if either is unknown).",
        explain_zh="0.2888 × FiO2×100/PaO2（任一未测按0）。",
    ),
    Component(
        "recovery",
        "Recovery from surgery or procedure",
        "术后/操作后恢复",
        pl.when(_recovered_from("bypass_cardiac", "non_bypass_cardiac", "non_cardiac"))
        .then(pl.lit(-1.0244))
        .otherwise(pl.lit(0.0)),
        explain_en="-1.0244 when recovery from any surgery or procedure is the main reason for admission.",
        explain_zh="以任何手术或操作后恢复为入ICU主要原因时加-1.0244。",
    ),
    Component(
        "bypass",
        "Admitted following cardiac bypass",
        "体外循环心脏手术后入ICU",
        pl.when(_recovered_from("bypass_cardiac")).then(pl.lit(0.7507)).otherwise(pl.lit(0.0)),
        explain_en="0.7507 after cardiac bypass (added to the recovery term).",
        explain_zh="体外循环心脏手术后加0.7507（与术后恢复项叠加）。",
    ),
    Component(
        "high_risk",
        "High-risk diagnosis",
        "高危诊断",
        pl.when(chose(HIGH_RISK_DIAGNOSIS.name)).then(pl.lit(1.6829)).otherwise(pl.lit(0.0)),
        explain_en="1.6829 for a high-risk diagnosis.",
        explain_zh="有高危诊断时加1.6829。",
    ),
    Component(
        "low_risk",
        "Low-risk diagnosis",
        "低危诊断",
        pl.when(chose(LOW_RISK_DIAGNOSIS.name)).then(pl.lit(-1.577)).otherwise(pl.lit(0.0)),
        explain_en="-1.577 for a low-risk diagnosis.",
        explain_zh="有低危诊断时加-1.577。",
    ),
    constant_component(INTERCEPT),
)

DEFINITION = ScoreDefinition(
    name="pim2",
    title_en="Paediatric Index of Mortality 2 (PIM2)",
    title_zh="儿童死亡指数2（PIM2）",
    source=SOURCE,
    licence=(
        "Published equation (Slater 2003), free to use for risk adjustment with citation; "
        "no licence fee is known. Superseded by PIM3 for new audits."
    ),
    population=(
        "Children under 16 years admitted to an ICU. Values are the first measured from first face-to-face "
        "contact with the ICU team to 1 hour after ICU arrival."
    ),
    population_zh="入住ICU的16岁以下儿童。取从与ICU团队首次面对面接触至入ICU后1小时内首次测得的值。",
    inputs=(*SHARED_INPUTS, HIGH_RISK_DIAGNOSIS, LOW_RISK_DIAGNOSIS),
    components=COMPONENTS,
    missing_rule=(
        "Unknown values are recorded as 0 (PIM2 rule), except systolic BP which is recorded as 120 mmHg; "
        "so an unknown FiO2 or PaO2 gives an oxygenation term of 0."
    ),
    missing_rule_zh="未知值按0记录（PIM2规则），收缩压除外，记为120 mmHg；因此FiO2或PaO2未知时氧合项为0。",
    mortality=logistic(pl.col(TOTAL_COLUMN)),
    notes="total is the PIM2 logit (sum of the terms, constant included); predicted_mortality = 1/(1+e^-logit).",
)
