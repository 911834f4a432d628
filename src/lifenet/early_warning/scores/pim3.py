"""Paediatric Index of Mortality 3 (PIM3).

Straney L, Clements A, Parslow RC, et al. Paediatric Index of Mortality 3: an updated model
for predicting mortality in pediatric intensive care. Pediatr Crit Care Med 2013;14:673-681.

The logit is the published equation term for term::

    logit = 3.8233 pupils - 0.5378 elective + 0.9763 ventilated + 0.0671 |base excess|
          - 0.0431 SBP + 0.1716 SBP^2/1000 + 0.4214 (FiO2 x 100 / PaO2)
          - 1.2246 bypass cardiac - 0.8762 non-bypass cardiac - 1.5164 non-cardiac procedure
          + 1.6225 very high-risk + 1.0725 high-risk - 2.1766 low-risk diagnosis - 1.7928

and the predicted mortality is 1 / (1 + e^-logit). Missing values take the "normal" values
the PIM3 calculators use (SBP 120 mmHg, base excess 0, FiO2 x 100 / PaO2 = 0.23); with these
the module reproduces the ESPNIC PIM3 calculator (tests/early_warning/test_pim.py).

The inputs shared with PIM2 (blood pressure, pupils, ventilation, blood gas, admission type and
procedure) are defined here once and imported by ``pim2``.
"""

from __future__ import annotations

import polars as pl

from lifenet.early_warning.scores.base import (
    TOTAL_COLUMN,
    Component,
    ScoreDefinition,
    ScoreInput,
    choice_points,
    constant_component,
    flag,
    logistic,
)

SOURCE = (
    "Straney L, Clements A, Parslow RC, et al. Paediatric Index of Mortality 3: an updated model for "
    "predicting mortality in pediatric intensive care. Pediatr Crit Care Med 2013;14(7):673-681."
)

SBP_UNKNOWN = 120.0
"""Systolic pressure recorded when it was not measured (PIM, PIM2 and PIM3 rule)."""

OXYGENATION_UNKNOWN = 0.23
"""FiO2 x 100 / PaO2 used when either value is missing (PIM3; 0.21 x 100 / ~91 mmHg)."""

INTERCEPT = -1.7928

NO_PROCEDURE = "none"
PROCEDURES = ("none", "bypass_cardiac", "non_bypass_cardiac", "non_cardiac")
PROCEDURE_COEFFICIENTS = {"bypass_cardiac": -1.2246, "non_bypass_cardiac": -0.8762, "non_cardiac": -1.5164}

NO_DIAGNOSIS = "none"
VERY_HIGH_RISK = (
    "cardiac_arrest_before_icu",
    "severe_combined_immunodeficiency",
    "leukaemia_lymphoma_after_first_induction",
    "bone_marrow_transplant",
    "liver_failure",
)
HIGH_RISK = (
    "spontaneous_cerebral_haemorrhage",
    "cardiomyopathy_or_myocarditis",
    "hypoplastic_left_heart_syndrome",
    "neurodegenerative_disorder",
    "necrotising_enterocolitis",
)
LOW_RISK = (
    "asthma",
    "bronchiolitis",
    "croup",
    "obstructive_sleep_apnoea",
    "diabetic_ketoacidosis",
    "seizure_disorder",
)
DIAGNOSIS_COEFFICIENTS = {"very_high": 1.6225, "high": 1.0725, "low": -2.1766}

# ----- inputs shared with PIM2 ----------------------------------------------------------------

SYSTOLIC_BP = ScoreInput(
    "systolic_bp",
    "Systolic blood pressure",
    "收缩压",
    unit="mmHg",
    minimum=0,
    maximum=300,
    help_en="First value from first contact to 1 h after ICU arrival. Enter 0 in cardiac arrest, 30 in "
    "shock with blood pressure too low to measure. Unknown scores as 120.",
    help_zh="自首次接触至入ICU后1小时内的首次测量值。心搏骤停时填0，休克且血压测不出时填30。未测按120计。",
)
PUPILS_FIXED = ScoreInput(
    "pupils_fixed",
    "Both pupils >3 mm and fixed to bright light",
    "双侧瞳孔>3 mm且对强光无反应",
    kind="boolean",
    help_en="Use as a marker of brain function, not when the cause is drugs, toxins or local eye injury. "
    "Unknown counts as no.",
    help_zh="作为脑功能的指标；由药物、毒物或眼局部损伤所致者不计。未知按“否”计。",
)
MECHANICAL_VENTILATION = ScoreInput(
    "mechanical_ventilation",
    "Mechanical ventilation in the first hour in ICU",
    "入ICU第1小时内机械通气",
    kind="boolean",
    help_en="At any time during the first hour in ICU; includes mask or nasal CPAP, BiPAP and negative "
    "pressure ventilation.",
    help_zh="入ICU第1小时内任何时间；包括面罩或鼻塞CPAP、BiPAP及负压通气。",
)
BASE_EXCESS = ScoreInput(
    "base_excess",
    "Base excess (arterial or capillary)",
    "碱剩余（动脉或毛细血管血）",
    unit="mmol/L",
    minimum=-50,
    maximum=50,
    help_en="Unknown scores as 0.",
    help_zh="未测按0计。",
)
FIO2 = ScoreInput(
    "fio2",
    "FiO2 at the time of the PaO2",
    "测PaO2时的吸入氧浓度（FiO2）",
    unit="fraction",
    minimum=0.21,
    maximum=1.0,
    help_en="As a fraction 0.21-1.0 (not %). Counts only if oxygen is given by endotracheal tube or headbox.",
    help_zh="以小数表示（0.21-1.0，非百分数）。仅在经气管插管或头罩给氧时计入。",
)
PAO2 = ScoreInput(
    "pao2",
    "Arterial PaO2",
    "动脉血氧分压（PaO2）",
    unit="mmHg",
    minimum=5,
    maximum=700,
    help_en="First arterial value from first contact to 1 h after ICU arrival.",
    help_zh="自首次接触至入ICU后1小时内的首次动脉血值。",
)
ELECTIVE_ADMISSION = ScoreInput(
    "elective_admission",
    "Elective admission to ICU",
    "择期入ICU",
    kind="boolean",
    help_en="Admission (after surgery or otherwise) that could be postponed for more than 6 hours without ill "
    "effect.",
    help_zh="可推迟6小时以上而无不良影响的入ICU（术后或其他）。",
)
RECOVERY_PROCEDURE = ScoreInput(
    "recovery_procedure",
    "Recovery from surgery or a procedure is the main reason for ICU admission",
    "术后/操作后恢复为入ICU主要原因",
    kind="choice",
    choices=PROCEDURES,
    help_en="none; bypass_cardiac (cardiac surgery on bypass); non_bypass_cardiac; non_cardiac (other surgery "
    "or procedure, e.g. cardiac catheter, radiology).",
    help_zh="none 无；bypass_cardiac 体外循环心脏手术；non_bypass_cardiac 非体外循环心脏手术；"
    "non_cardiac 非心脏手术或操作（如心导管、介入放射）。",
)

# ----- PIM3-only inputs ----------------------------------------------------------------------

VERY_HIGH_RISK_DIAGNOSIS = ScoreInput(
    "very_high_risk_diagnosis",
    "Very high-risk diagnosis",
    "极高危诊断",
    kind="choice",
    choices=(NO_DIAGNOSIS, *VERY_HIGH_RISK),
    help_en="Cardiac arrest preceding ICU admission; severe combined immunodeficiency; leukaemia or lymphoma "
    "after first induction; bone marrow transplant recipient; liver failure as the main reason for admission.",
    help_zh="入ICU前心搏骤停；重症联合免疫缺陷病；首次诱导化疗后的白血病或淋巴瘤；骨髓移植受者；"
    "以肝衰竭为入ICU主要原因。",
)
HIGH_RISK_DIAGNOSIS = ScoreInput(
    "high_risk_diagnosis",
    "High-risk diagnosis",
    "高危诊断",
    kind="choice",
    choices=(NO_DIAGNOSIS, *HIGH_RISK),
    help_en="Spontaneous cerebral haemorrhage; cardiomyopathy or myocarditis; hypoplastic left heart syndrome; "
    "neurodegenerative disorder; necrotising enterocolitis.",
    help_zh="自发性颅内出血；心肌病或心肌炎；左心发育不良综合征；神经退行性疾病；坏死性小肠结肠炎。",
)
LOW_RISK_DIAGNOSIS = ScoreInput(
    "low_risk_diagnosis",
    "Low-risk diagnosis (main reason for admission)",
    "低危诊断（入ICU主要原因）",
    kind="choice",
    choices=(NO_DIAGNOSIS, *LOW_RISK),
    help_en="Asthma; bronchiolitis; croup; obstructive sleep apnoea; diabetic ketoacidosis; seizure disorder.",
    help_zh="哮喘；毛细支气管炎；喉炎（哮吼）；阻塞性睡眠呼吸暂停；糖尿病酮症酸中毒；惊厥性疾病。",
)

SHARED_INPUTS = (
    SYSTOLIC_BP,
    PUPILS_FIXED,
    MECHANICAL_VENTILATION,
    BASE_EXCESS,
    FIO2,
    PAO2,
    ELECTIVE_ADMISSION,
    RECOVERY_PROCEDURE,
)


# ----- shared expressions ----------------------------------------------------------------------


def systolic_bp() -> pl.Expr:
    """SBP with the published default (120 mmHg) when it was not measured."""
    return pl.col(SYSTOLIC_BP.name).fill_null(SBP_UNKNOWN)


def oxygenation_ratio(unknown: float) -> pl.Expr:
    """FiO2 x 100 / PaO2 (mmHg); ``unknown`` when either value is missing."""
    ratio = pl.col(FIO2.name) * 100.0 / pl.col(PAO2.name)
    return ratio.fill_null(unknown)


def absolute_base_excess() -> pl.Expr:
    return pl.col(BASE_EXCESS.name).abs().fill_null(0.0)


def chose(name: str) -> pl.Expr:
    """True when a diagnosis/procedure choice holds anything but ``none`` (missing counts as none)."""
    return pl.col(name).fill_null(NO_DIAGNOSIS) != NO_DIAGNOSIS


def _procedure_term() -> pl.Expr:
    return choice_points(RECOVERY_PROCEDURE.name, PROCEDURE_COEFFICIENTS)


def _diagnosis_term() -> pl.Expr:
    """Only the highest-risk category recorded counts (as the ESPNIC calculator; see docs/scores/pim3.md)."""
    return (
        pl.when(chose(VERY_HIGH_RISK_DIAGNOSIS.name))
        .then(pl.lit(DIAGNOSIS_COEFFICIENTS["very_high"]))
        .when(chose(HIGH_RISK_DIAGNOSIS.name))
        .then(pl.lit(DIAGNOSIS_COEFFICIENTS["high"]))
        .when(chose(LOW_RISK_DIAGNOSIS.name))
        .then(pl.lit(DIAGNOSIS_COEFFICIENTS["low"]))
        .otherwise(pl.lit(0.0))
    )


COMPONENTS = (
    Component(
        "pupils",
        "Pupils fixed and dilated",
        "瞳孔固定散大",
        flag(PUPILS_FIXED.name, 3.8233),
        explain_en="3.8233 if both pupils are >3 mm and fixed.",
        explain_zh="双侧瞳孔>3 mm且固定时加3.8233。",
    ),
    Component(
        "elective",
        "Elective admission",
        "择期入ICU",
        flag(ELECTIVE_ADMISSION.name, -0.5378),
        explain_en="-0.5378 for an elective admission.",
        explain_zh="择期入ICU时加-0.5378。",
    ),
    Component(
        "ventilation",
        "Mechanical ventilation",
        "机械通气",
        flag(MECHANICAL_VENTILATION.name, 0.9763),
        explain_en="0.9763 if ventilated in the first hour.",
        explain_zh="第1小时内机械通气时加0.9763。",
    ),
    Component(
        "acid_base",
        "Base excess term",
        "碱剩余项",
        0.0671 * absolute_base_excess(),
        explain_en="0.0671 x |base excess| (unknown = 0).",
        explain_zh="0.0671 × |碱剩余|（未测按0）。",
    ),
    Component(
        "blood_pressure",
        "Systolic blood pressure term",
        "收缩压项",
        -0.0431 * systolic_bp() + 0.1716 * systolic_bp().pow(2) / 1000.0,
        explain_en="-0.0431 x SBP + 0.1716 x SBP²/1000 (unknown SBP = 120).",
        explain_zh="-0.0431 × 收缩压 + 0.1716 × 收缩压²/1000（未测按120）。",
    ),
    Component(
        "oxygenation",
        "Oxygenation term (FiO2 × 100 / PaO2)",
        "氧合项（FiO2×100/PaO2）",
        0.4214 * oxygenation_ratio(OXYGENATION_UNKNOWN),
        explain_en="0.4214 x FiO2 x 100 / PaO2 (0.23 if either is unknown).",
        explain_zh="0.4214 × FiO2×100/PaO2（任一未测按0.23）。",
    ),
    Component(
        "procedure",
        "Recovery from surgery or procedure",
        "术后/操作后恢复",
        _procedure_term(),
        explain_en="Bypass cardiac -1.2246; non-bypass cardiac -0.8762; non-cardiac -1.5164.",
        explain_zh="体外循环心脏手术-1.2246；非体外循环心脏手术-0.8762；非心脏手术或操作-1.5164。",
    ),
    Component(
        "diagnosis",
        "Risk diagnosis",
        "风险诊断",
        _diagnosis_term(),
        explain_en="Highest category recorded: very high 1.6225; high 1.0725; low -2.1766.",
        explain_zh="取所记录的最高风险类别：极高危1.6225；高危1.0725；低危-2.1766。",
    ),
    constant_component(INTERCEPT),
)

DEFINITION = ScoreDefinition(
    name="pim3",
    title_en="Paediatric Index of Mortality 3 (PIM3)",
    title_zh="儿童死亡指数3（PIM3）",
    source=SOURCE,
    licence=(
        "Published equation (Straney 2013), free to use for risk adjustment with citation; "
        "no licence fee is known."
    ),
    population=(
        "Children under 16 years admitted to an ICU. Values are the first measured from first face-to-face "
        "contact with the ICU team to 1 hour after ICU arrival."
    ),
    population_zh="入住ICU的16岁以下儿童。取从与ICU团队首次面对面接触至入ICU后1小时内首次测得的值。",
    inputs=(*SHARED_INPUTS, VERY_HIGH_RISK_DIAGNOSIS, HIGH_RISK_DIAGNOSIS, LOW_RISK_DIAGNOSIS),
    components=COMPONENTS,
    missing_rule=(
        "Unknown values take the PIM3 defaults: systolic BP 120 mmHg, base excess 0, FiO2 × 100 / PaO2 = 0.23 "
        "when either FiO2 or PaO2 is unknown; unknown yes/no items and diagnoses count as no."
    ),
    missing_rule_zh="未知值取PIM3默认值：收缩压120 mmHg，碱剩余0，FiO2或PaO2任一未知时FiO2 × 100 / PaO2 = 0.23；未知的是/否项目和诊断按“否”计。",
    mortality=logistic(pl.col(TOTAL_COLUMN)),
    notes="total is the PIM3 logit (sum of the terms, constant included); predicted_mortality = 1/(1+e^-logit).",
)
