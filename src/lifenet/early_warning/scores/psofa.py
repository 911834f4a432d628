"""Pediatric Sequential Organ Failure Assessment (pSOFA).

Source: Matics TJ, Sanchez-Pinto LN. Adaptation and Validation of a Pediatric Sequential Organ
Failure Assessment Score and Evaluation of the Sepsis-3 Definitions in Critically Ill Children.
JAMA Pediatr 2017;171(10):e172352. doi:10.1001/jamapediatrics.2017.2352 (Table 1).

Six organ systems, 0-4 points each, total 0-24. The respiratory, coagulation, hepatic and
neurologic rows are those of the adult SOFA (Vincent 1996), with an SpO2:FiO2 alternative to
PaO2:FiO2; the cardiovascular MAP and renal creatinine cut-offs are age-adjusted.

Readings taken where the published table leaves a choice (docs/scores/psofa.md explains each):

* Age groups are in completed months ("1-11 mo", "144-216 mo", ">216 mo"), so a child of
  216.5 months is in the 144-216 group.
* PaO2:FiO2 is preferred; SpO2:FiO2 is used only when there is no PaO2, and only when
  SpO2 <= 97% (above that the saturation curve is flat and the ratio is not a valid surrogate).
* 3 and 4 respiratory points need respiratory support; without it the respiratory score is at
  most 2 (as in the adult SOFA).
* A vasoactive drug scores only when its dose is above 0 (one public implementation gives 3
  points to any patient on any drug because it fills missing doses with 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from lifenet.early_warning.scores.base import (
    DERIVED_DECIMALS,
    PF_RATIO,
    Band,
    Component,
    ScoreDefinition,
    ScoreInput,
    banded,
    by_group,
    number,
)
from lifenet.early_warning.scores.sofa import BILIRUBIN, GCS, PLATELETS, vasoactive_points

AGE = "age_months"

# Age groups of Table 1 in completed months: <1, 1-11, 12-23, 24-59, 60-143, 144-216, >216.
# On a continuous age in months "144-216" means 144 <= age < 217.
AGE_GROUPS: tuple[Band, ...] = (
    Band(0, 1, 0),
    Band(1, 12, 1),
    Band(12, 24, 2),
    Band(24, 60, 3),
    Band(60, 144, 4),
    Band(144, 217, 5),
    Band(217, None, 6),
)

# Cardiovascular: 1 point when MAP is below the age group's threshold (mmHg).
MAP_THRESHOLD = (46, 55, 60, 62, 65, 67, 70)


def creatinine_table(one: float, two: float, three: float, four: float) -> tuple[Band, ...]:
    """Creatinine (mg/dL) at or above which 1, 2, 3 and 4 points are given."""
    return (Band(four, None, 4), Band(three, None, 3), Band(two, None, 2), Band(one, None, 1))


# Renal: per age group, from Table 1 (e.g. <1 mo: <0.8 / 0.8-0.9 / 1.0-1.1 / 1.2-1.5 / >=1.6).
CREATININE = (
    creatinine_table(0.8, 1.0, 1.2, 1.6),
    creatinine_table(0.3, 0.5, 0.8, 1.2),
    creatinine_table(0.4, 0.6, 1.1, 1.5),
    creatinine_table(0.6, 0.9, 1.6, 2.3),
    creatinine_table(0.7, 1.1, 1.8, 2.6),
    creatinine_table(1.0, 1.7, 2.9, 4.2),
    creatinine_table(1.2, 2.0, 3.5, 5.0),
)

# Respiratory: ratio below which 1, 2, 3, 4 points (3 and 4 only on respiratory support).
PF_CUTS = (400.0, 300.0, 200.0, 100.0)
SF_CUTS = (292.0, 264.0, 221.0, 148.0)

# Platelets, bilirubin and GCS score as in the adult SOFA (Matics 2017, Table 1): its tables.

# --- derived values: each reading is made here, once ------------------------------------
# Rounded (base.DERIVED_DECIMALS) so that, e.g., SpO2 87.6 / FiO2 0.3 is 292 and not
# 291.99999999999994, and the batch and single-patient paths agree to the bit at band edges.
MAP_USED = pl.coalesce(
    pl.col("map"), pl.col("diastolic_bp") + (pl.col("systolic_bp") - pl.col("diastolic_bp")) / 3.0
).round(DERIVED_DECIMALS)
SF_RATIO = pl.when(pl.col("spo2") <= 97).then((pl.col("spo2") / pl.col("fio2")).round(DERIVED_DECIMALS))
RESPIRATORY_SOURCE = (
    pl.when(PF_RATIO.is_not_null())
    .then(pl.lit("pf"))
    .when(SF_RATIO.is_not_null())
    .then(pl.lit("sf"))
    .otherwise(pl.lit(None, dtype=pl.String))
)


# The pressures MAP_USED reads (Phoenix reads them the same way).
BLOOD_PRESSURE_INPUTS = (
    number(
        "map",
        "Mean arterial pressure, measured",
        "平均动脉压（实测）",
        "mmHg",
        5,
        250,
        help_en="Preferred; otherwise computed as DBP + (SBP - DBP)/3.",
        help_zh="优先使用；缺失时按 舒张压+(收缩压-舒张压)/3 计算。",
    ),
    number("systolic_bp", "Systolic blood pressure", "收缩压", "mmHg", 5, 300),
    number("diastolic_bp", "Diastolic blood pressure", "舒张压", "mmHg", 5, 250),
)


def by_age_group(value: str | pl.Expr, tables: Sequence[Sequence[Band]]) -> pl.Expr:
    """Points of ``value`` from the table of the patient's age group."""
    return by_group(value, AGE, AGE_GROUPS, tables)


def ratio_points(ratio: pl.Expr, cuts: tuple[float, float, float, float]) -> pl.Expr:
    one, two, three, four = cuts
    support = pl.col("respiratory_support").fill_null(False)
    return (
        pl.when(ratio.is_null())
        .then(pl.lit(0.0))
        .when(support & (ratio < four))
        .then(pl.lit(4.0))
        .when(support & (ratio < three))
        .then(pl.lit(3.0))
        .when(ratio < two)
        .then(pl.lit(2.0))
        .when(ratio < one)
        .then(pl.lit(1.0))
        .otherwise(pl.lit(0.0))
    )


def _respiratory() -> pl.Expr:
    return (
        pl.when(PF_RATIO.is_not_null())
        .then(ratio_points(PF_RATIO, PF_CUTS))
        .otherwise(ratio_points(SF_RATIO, SF_CUTS))
    )


def _cardiovascular() -> pl.Expr:
    map_tables = [(Band(None, threshold, 1),) for threshold in MAP_THRESHOLD]
    return pl.max_horizontal(by_age_group(MAP_USED, map_tables), vasoactive_points())


def _dose_input(name: str, en: str, zh: str, high: float) -> ScoreInput:
    return number(
        name,
        en,
        zh,
        "µg/kg/min",
        0,
        high,
        help_en="Infusion dose; 0 or empty when not given.",
        help_zh="持续输注剂量；未使用时填0或留空。",
    )


INPUTS = (
    number(
        AGE,
        "Age",
        "年龄",
        "months",
        0,
        264,
        required=True,
        help_en="Chooses the MAP and creatinine cut-offs (groups in completed months).",
        help_zh="用于选择平均动脉压和肌酐界值（按足月龄分组）。",
    ),
    number(
        "pao2",
        "Arterial oxygen tension (PaO2)",
        "动脉血氧分压（PaO2）",
        "mmHg",
        10,
        700,
        help_en="Preferred over SpO2 when both are given.",
        help_zh="同时提供时优先于SpO2。",
    ),
    number(
        "spo2",
        "Oxygen saturation (SpO2)",
        "经皮血氧饱和度（SpO2）",
        "%",
        20,
        100,
        help_en="Used only without PaO2, and only when 97% or less.",
        help_zh="仅在无PaO2且SpO2≤97%时使用。",
    ),
    number(
        "fio2",
        "Inspired oxygen fraction (FiO2)",
        "吸入氧浓度（FiO2）",
        "fraction",
        0.21,
        1.0,
        help_en="As a fraction: room air 0.21. No ratio is computed without it.",
        help_zh="以小数填写：空气为0.21。缺失时不计算氧合比值。",
    ),
    ScoreInput(
        "respiratory_support",
        "On respiratory support (invasive or non-invasive ventilation)",
        "接受呼吸支持（有创或无创通气）",
        kind="boolean",
        help_en="Needed for 3 or 4 respiratory points.",
        help_zh="呼吸项计3或4分的前提。",
    ),
    *BLOOD_PRESSURE_INPUTS,
    _dose_input("dopamine", "Dopamine", "多巴胺", 50),
    _dose_input("dobutamine", "Dobutamine", "多巴酚丁胺", 50),
    _dose_input("epinephrine", "Epinephrine", "肾上腺素", 5),
    _dose_input("norepinephrine", "Norepinephrine", "去甲肾上腺素", 5),
    number("platelets", "Platelets", "血小板", "10^3/µL", 0, 2000),
    number(
        "bilirubin",
        "Total bilirubin",
        "总胆红素",
        "mg/dL",
        0,
        60,
        help_en="mg/dL (µmol/L ÷ 17.1).",
        help_zh="mg/dL（µmol/L÷17.1）。",
    ),
    ScoreInput(
        "gcs", "Glasgow Coma Scale (total)", "格拉斯哥昏迷评分（总分）", kind="integer", minimum=3, maximum=15
    ),
    number(
        "creatinine",
        "Creatinine",
        "肌酐",
        "mg/dL",
        0,
        30,
        help_en="mg/dL (µmol/L ÷ 88.4).",
        help_zh="mg/dL（µmol/L÷88.4）。",
    ),
)

COMPONENTS = (
    Component(
        "respiratory",
        "Respiratory",
        "呼吸",
        _respiratory(),
        explain_en=(
            "PaO2:FiO2 <400 1, <300 2, <200 with support 3, <100 with support 4; or, without PaO2, "
            "SpO2:FiO2 (SpO2 <=97%) <292 1, <264 2, <221 with support 3, <148 with support 4."
        ),
        explain_zh=(
            "PaO2/FiO2 <400计1分，<300计2分，呼吸支持下<200计3分、<100计4分；无PaO2时用SpO2/FiO2（SpO2≤97%）："
            "<292计1分，<264计2分，呼吸支持下<221计3分、<148计4分。"
        ),
    ),
    Component(
        "coagulation",
        "Coagulation",
        "凝血",
        banded("platelets", PLATELETS),
        explain_en="Platelets <150 1, <100 2, <50 3, <20 4 (10^3/µL).",
        explain_zh="血小板<150计1分，<100计2分，<50计3分，<20计4分（10^3/µL）。",
    ),
    Component(
        "hepatic",
        "Hepatic",
        "肝脏",
        banded("bilirubin", BILIRUBIN),
        explain_en="Bilirubin 1.2-1.9 1, 2.0-5.9 2, 6.0-11.9 3, 12 or more 4 (mg/dL).",
        explain_zh="胆红素1.2-1.9计1分，2.0-5.9计2分，6.0-11.9计3分，≥12计4分（mg/dL）。",
    ),
    Component(
        "cardiovascular",
        "Cardiovascular",
        "心血管",
        _cardiovascular(),
        explain_en=(
            "Worst of: MAP below the age threshold 1; dopamine <=5 or any dobutamine 2; dopamine >5, "
            "epinephrine or norepinephrine <=0.1 3; dopamine >15, epinephrine or norepinephrine >0.1 4 (µg/kg/min)."
        ),
        explain_zh=(
            "取最重者：平均动脉压低于年龄界值1分；多巴胺≤5或任何剂量多巴酚丁胺2分；多巴胺>5、肾上腺素或去甲肾上腺素≤0.1计3分；"
            "多巴胺>15、肾上腺素或去甲肾上腺素>0.1计4分（µg/kg/min）。"
        ),
    ),
    Component(
        "neurologic",
        "Neurologic",
        "神经",
        banded("gcs", GCS),
        explain_en="GCS 13-14 1, 10-12 2, 6-9 3, below 6 4.",
        explain_zh="GCS 13-14计1分，10-12计2分，6-9计3分，<6计4分。",
    ),
    Component(
        "renal",
        "Renal",
        "肾脏",
        by_age_group("creatinine", CREATININE),
        explain_en="Age-adjusted creatinine cut-offs (mg/dL), 1 to 4 points.",
        explain_zh="按年龄调整的肌酐界值（mg/dL），计1至4分。",
    ),
)

DEFINITION = ScoreDefinition(
    name="psofa",
    title_en="Pediatric Sequential Organ Failure Assessment (pSOFA)",
    title_zh="儿童序贯器官衰竭评估（pSOFA）",
    source=(
        "Matics TJ, Sanchez-Pinto LN. Adaptation and validation of a pediatric Sequential Organ Failure "
        "Assessment score and evaluation of the Sepsis-3 definitions in critically ill children. "
        "JAMA Pediatr 2017;171(10):e172352. doi:10.1001/jamapediatrics.2017.2352 (Table 1)"
    ),
    licence="Published score, free to use with citation; no licence terms attached to the point table.",
    population="Critically ill children (PICU, up to 21 years); development cohort 8,711 encounters at one centre.",
    population_zh="危重症儿童（PICU，至21岁）；推导队列为单中心8,711例次就诊。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule=(
        "A missing value scores 0 (treated as normal), as in the adult SOFA convention. A P/F or S/F ratio "
        "needs FiO2 (0.21 on room air); a missing vasoactive dose means the drug is not given."
    ),
    missing_rule_zh="缺失值计0分（视为正常），与成人SOFA的惯例一致。P/F或S/F比值需要FiO2（吸空气时为0.21）；缺失的血管活性药物剂量表示未使用该药。",
    extras={
        "map_used": MAP_USED,
        "pf_ratio": PF_RATIO,
        "sf_ratio": SF_RATIO,
        "respiratory_source": RESPIRATORY_SOURCE,
    },
    notes="Total 0-24. Usually reported as the worst value of each system over a period (e.g. the first 24 h).",
)
