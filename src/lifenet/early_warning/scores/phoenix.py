"""Phoenix Sepsis Score (2024 international consensus criteria for pediatric sepsis).

Sources:
* Schlapbach LJ, Watson RS, Sorce LR, et al. International Consensus Criteria for Pediatric
  Sepsis and Septic Shock. JAMA 2024;331(8):665-674. doi:10.1001/jama.2024.0179
* Sanchez-Pinto LN, Bennett TD, DeWitt PE, et al. Development and Validation of the Phoenix
  Criteria for Pediatric Sepsis and Septic Shock. JAMA 2024;331(8):675-686.
  doi:10.1001/jama.2024.0196 (Phoenix-8 extension: endocrine, immunologic, renal, hepatic).

The inequalities follow the authors' reference implementation (R/Python package ``phoenix``,
CU-DBMI-Peds/phoenix, MIT licence), which treats MAP and lactate as real numbers and scores
every missing value as normal. Sepsis = suspected infection and a score of 2 or more; septic
shock = sepsis with at least 1 cardiovascular point. Suspected infection is a clinical judgement
and is not an input: the ``phoenix_sepsis`` and ``phoenix_septic_shock`` outputs state only
that the score criteria are met.
"""

from __future__ import annotations

import polars as pl

from lifenet.early_warning.scores.base import (
    PF_RATIO,
    Band,
    Component,
    ScoreDefinition,
    ScoreInput,
    banded,
    by_group,
    flag,
    number,
    yes_no,
)
from lifenet.early_warning.scores.psofa import BLOOD_PRESSURE_INPUTS, MAP_USED, SF_RATIO

AGE = "age_months"
VASOACTIVES = ("dobutamine", "dopamine", "epinephrine", "milrinone", "norepinephrine", "vasopressin")
VASOACTIVE_ZH = {
    "dobutamine": "多巴酚丁胺",
    "dopamine": "多巴胺",
    "epinephrine": "肾上腺素",
    "milrinone": "米力农",
    "norepinephrine": "去甲肾上腺素",
    "vasopressin": "血管加压素",
}

# Age groups in months, with (MAP below which 2 points, MAP below which 1 point) and the
# creatinine (mg/dL) at or above which the Phoenix-8 renal point is given.
# The reference implementation closes the last MAP group at 216 months inclusive and the last
# creatinine group at 216 months exclusive; both are kept.
MAP_GROUPS: tuple[tuple[Band, float, float], ...] = (
    (Band(0, 1, 0), 17, 31),
    (Band(1, 12, 0), 25, 39),
    (Band(12, 24, 0), 31, 44),
    (Band(24, 60, 0), 32, 45),
    (Band(60, 144, 0), 36, 49),
    (Band(144, 216, 0, upper_inclusive=True), 38, 52),
)
CREATININE_GROUPS: tuple[tuple[Band, float], ...] = (
    (Band(0, 1, 0), 0.8),
    (Band(1, 12, 0), 0.3),
    (Band(12, 24, 0), 0.4),
    (Band(24, 60, 0), 0.6),
    (Band(60, 144, 0), 0.7),
    (Band(144, 216, 0), 1.0),
)
LACTATE = (Band(11, None, 2), Band(5, None, 1))


def yes(name: str) -> pl.Expr:
    """A yes/no input as a boolean expression, missing counting as no."""
    return pl.col(name).fill_null(False)


# --- derived values: the reading of each choice is made here, once -----------------------
# MAP: a measured MAP is preferred; otherwise DBP + (SBP - DBP) / 3 (rubric footnote f).
# MAP, PaO2:FiO2 and SpO2:FiO2 are read as pSOFA reads them (SpO2:FiO2 only when SpO2 <= 97%,
# rubric footnote b), from the same expressions.


def _respiratory() -> pl.Expr:
    imv = yes("invasive_ventilation")
    support = yes("respiratory_support") | imv
    # Published rule: an abnormal P/F or an abnormal S/F ratio counts (either may score).
    below_1 = ((PF_RATIO < 400) | (SF_RATIO < 292)).fill_null(False)
    below_2 = ((PF_RATIO < 200) | (SF_RATIO < 220)).fill_null(False)
    below_3 = ((PF_RATIO < 100) | (SF_RATIO < 148)).fill_null(False)
    return flag(support & below_1) + flag(imv & below_2) + flag(imv & below_3)


def _vasoactive_count() -> pl.Expr:
    return pl.sum_horizontal([yes(drug).cast(pl.Int64) for drug in VASOACTIVES])


def _map_points() -> pl.Expr:
    groups = [group for group, _, _ in MAP_GROUPS]
    tables = [(Band(None, two, 2), Band(None, one, 1)) for _, two, one in MAP_GROUPS]
    return by_group(MAP_USED, AGE, groups, tables)


def _cardiovascular() -> pl.Expr:
    count = _vasoactive_count()
    drugs = pl.when(count >= 2).then(pl.lit(2.0)).when(count == 1).then(pl.lit(1.0)).otherwise(pl.lit(0.0))
    return drugs + banded("lactate", LACTATE) + _map_points()


def _coagulation() -> pl.Expr:
    abnormal = (
        flag(pl.col("platelets") < 100)
        + flag(pl.col("inr") > 1.3)
        + flag(pl.col("d_dimer") > 2)
        + flag(pl.col("fibrinogen") < 100)
    )
    return pl.min_horizontal(abnormal, pl.lit(2.0))


def _neurologic() -> pl.Expr:
    fixed = yes("pupils_bilaterally_fixed")
    return pl.when(fixed).then(pl.lit(2.0)).otherwise(flag(pl.col("gcs") <= 10))


ENDOCRINE = flag((pl.col("glucose") < 50) | (pl.col("glucose") > 150))
IMMUNOLOGIC = flag((pl.col("anc") < 0.5) | (pl.col("alc") < 1.0))
HEPATIC = flag((pl.col("bilirubin") >= 4) | (pl.col("alt") > 102))


def _renal() -> pl.Expr:
    groups = [group for group, _ in CREATININE_GROUPS]
    return by_group("creatinine", AGE, groups, [(Band(limit, None, 1),) for _, limit in CREATININE_GROUPS])


RENAL = _renal()


INPUTS = (
    number(
        AGE,
        "Age",
        "年龄",
        "months",
        0,
        216,
        help_en="Age in months, not corrected for prematurity; the criteria apply under 18 years. "
        "Without age the MAP and creatinine items score 0.",
        help_zh="以月计，不校正早产；适用于18岁以下。缺少年龄时平均动脉压和肌酐项计0分。",
    ),
    number(
        "fio2",
        "Inspired oxygen fraction (FiO2)",
        "吸入氧浓度（FiO2）",
        "fraction",
        0.21,
        1.0,
        help_en="As a fraction: room air 0.21, pure oxygen 1.0.",
        help_zh="以小数填写：空气0.21，纯氧1.0。",
    ),
    number("pao2", "Arterial oxygen tension (PaO2)", "动脉血氧分压（PaO2）", "mmHg", 10, 700),
    number(
        "spo2",
        "Oxygen saturation (SpO2)",
        "经皮血氧饱和度（SpO2）",
        "%",
        20,
        100,
        help_en="SpO2:FiO2 is computed only when SpO2 is 97% or less.",
        help_zh="仅当SpO2≤97%时计算SpO2/FiO2。",
    ),
    yes_no("invasive_ventilation", "Invasive mechanical ventilation", "有创机械通气"),
    yes_no(
        "respiratory_support",
        "Any respiratory support",
        "任何呼吸支持",
        help_en="Supplemental oxygen, high-flow, non-invasive or invasive ventilation.",
        help_zh="包括吸氧、高流量、无创或有创通气。",
    ),
    *(
        yes_no(drug, f"{drug.capitalize()} (any systemic dose)", f"{VASOACTIVE_ZH[drug]}（任何全身剂量）")
        for drug in VASOACTIVES
    ),
    number("lactate", "Lactate (arterial or venous)", "乳酸（动脉或静脉）", "mmol/L", 0, 40),
    *BLOOD_PRESSURE_INPUTS,
    number("platelets", "Platelets", "血小板", "10^3/µL", 0, 2000),
    number("inr", "International normalised ratio (INR)", "国际标准化比值（INR）", "ratio", 0.5, 20),
    number("d_dimer", "D-dimer", "D-二聚体", "mg/L FEU", 0, 100),
    number("fibrinogen", "Fibrinogen", "纤维蛋白原", "mg/dL", 0, 2000),
    ScoreInput(
        "gcs", "Glasgow Coma Scale (total)", "格拉斯哥昏迷评分（总分）", kind="integer", minimum=3, maximum=15
    ),
    yes_no("pupils_bilaterally_fixed", "Bilaterally fixed pupils", "双侧瞳孔固定"),
    number(
        "glucose",
        "Blood glucose",
        "血糖",
        "mg/dL",
        5,
        2000,
        help_en="Phoenix-8 endocrine item; mg/dL (mmol/L x 18).",
        help_zh="Phoenix-8 内分泌项；mg/dL（mmol/L×18）。",
    ),
    number(
        "anc",
        "Absolute neutrophil count",
        "中性粒细胞绝对计数",
        "10^3/µL",
        0,
        200,
        help_en="Phoenix-8 immunologic item; 0.5 = 500 cells/mm³.",
        help_zh="Phoenix-8 免疫项；0.5 即 500/mm³。",
    ),
    number(
        "alc",
        "Absolute lymphocyte count",
        "淋巴细胞绝对计数",
        "10^3/µL",
        0,
        200,
        help_en="Phoenix-8 immunologic item; 1.0 = 1000 cells/mm³.",
        help_zh="Phoenix-8 免疫项；1.0 即 1000/mm³。",
    ),
    number(
        "creatinine",
        "Creatinine",
        "肌酐",
        "mg/dL",
        0,
        30,
        help_en="Phoenix-8 renal item; mg/dL (µmol/L ÷ 88.4).",
        help_zh="Phoenix-8 肾脏项；mg/dL（µmol/L÷88.4）。",
    ),
    number(
        "bilirubin",
        "Total bilirubin",
        "总胆红素",
        "mg/dL",
        0,
        60,
        help_en="Phoenix-8 hepatic item; mg/dL (µmol/L ÷ 17.1).",
        help_zh="Phoenix-8 肝脏项；mg/dL（µmol/L÷17.1）。",
    ),
    number(
        "alt",
        "Alanine aminotransferase (ALT)",
        "丙氨酸氨基转移酶（ALT）",
        "IU/L",
        0,
        20000,
        help_en="Phoenix-8 hepatic item.",
        help_zh="Phoenix-8 肝脏项。",
    ),
)

COMPONENTS = (
    Component(
        "respiratory",
        "Respiratory",
        "呼吸",
        _respiratory(),
        explain_en="P/F <400 or S/F <292 on any support 1; P/F <200 or S/F <220 on IMV 2; P/F <100 or S/F <148 on IMV 3.",
        explain_zh="任何呼吸支持下P/F<400或S/F<292计1分；有创通气下P/F<200或S/F<220计2分；P/F<100或S/F<148计3分。",
    ),
    Component(
        "cardiovascular",
        "Cardiovascular",
        "心血管",
        _cardiovascular(),
        explain_en="Vasoactive drugs (1 drug 1, 2 or more 2) + lactate (5 to <11 1, 11+ 2) + low MAP for age (1 or 2).",
        explain_zh="血管活性药（1种1分，≥2种2分）+乳酸（5至<11计1分，≥11计2分）+年龄别低平均动脉压（1或2分）。",
    ),
    Component(
        "coagulation",
        "Coagulation",
        "凝血",
        _coagulation(),
        explain_en="1 point each for platelets <100, INR >1.3, D-dimer >2 mg/L FEU, fibrinogen <100 mg/dL; at most 2.",
        explain_zh="血小板<100、INR>1.3、D-二聚体>2 mg/L FEU、纤维蛋白原<100 mg/dL 各计1分，最多2分。",
    ),
    Component(
        "neurologic",
        "Neurologic",
        "神经",
        _neurologic(),
        explain_en="GCS 10 or less 1; bilaterally fixed pupils 2.",
        explain_zh="GCS≤10计1分；双侧瞳孔固定计2分。",
    ),
)

PHOENIX_SEPSIS = pl.col("total") >= 2

EXTRAS: dict[str, pl.Expr] = {
    "phoenix_sepsis": PHOENIX_SEPSIS,
    "phoenix_septic_shock": PHOENIX_SEPSIS & (pl.col("cardiovascular") >= 1),
    "endocrine": ENDOCRINE,
    "immunologic": IMMUNOLOGIC,
    "renal": RENAL,
    "hepatic": HEPATIC,
    "phoenix8_total": pl.col("total") + ENDOCRINE + IMMUNOLOGIC + RENAL + HEPATIC,
    "map_used": MAP_USED,
    "pf_ratio": PF_RATIO,
    "sf_ratio": SF_RATIO,
}

DEFINITION = ScoreDefinition(
    name="phoenix",
    title_en="Phoenix Sepsis Score (with Phoenix-8 organ systems)",
    title_zh="Phoenix 脓毒症评分（含 Phoenix-8 器官系统）",
    source=(
        "Schlapbach LJ et al. JAMA 2024;331(8):665-674 (doi:10.1001/jama.2024.0179); Sanchez-Pinto LN et al. "
        "JAMA 2024;331(8):675-686 (doi:10.1001/jama.2024.0196); reference implementation CU-DBMI-Peds/phoenix"
    ),
    licence=(
        "Published consensus criteria, free to use with citation. The authors' reference implementation "
        "and example data are MIT licensed (Copyright 2024 DeWitt, Russell, Rebull, Sanchez-Pinto, Bennett)."
    ),
    population=(
        "Children under 18 years with suspected infection; not for newborns in their birth "
        "hospitalisation or infants below 37 weeks' postmenstrual age."
    ),
    population_zh="疑似感染的18岁以下儿童；不用于出生后住院期间的新生儿或矫正胎龄不足37周的婴儿。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule=(
        "Every missing value scores 0 (treated as normal), as in the derivation and the reference "
        "implementation. MAP and creatinine need the age; a P/F or S/F ratio needs FiO2."
    ),
    missing_rule_zh="所有缺失值计0分（视为正常），与推导研究及参考实现一致。平均动脉压和肌酐需要年龄；P/F或S/F比值需要FiO2。",
    extras=EXTRAS,
    notes=(
        "total is the 4-organ Phoenix Sepsis Score (0-13); phoenix8_total adds the endocrine, immunologic, "
        "renal and hepatic points (0-17). Sepsis needs suspected infection and total >= 2; septic shock "
        "also needs >= 1 cardiovascular point."
    ),
)
