"""Pediatric Risk of Mortality III (PRISM III) points.

Pollack MM, Patel KM, Ruttimann UE. PRISM III: an updated Pediatric Risk of Mortality score.
Crit Care Med 1996;24:743-752.

17 physiological variables in 26 ranges; the worst value in the observation window scores.
Neurological points (mental status and pupils) and non-neurological points (the rest) are
reported apart because PRISM IV weights them differently (see ``prism4``, which imports the
tables and the two subscores from here).

Units are SI for chemistry, as in the published table's SI column and the CPCCRN online
calculator (glucose mmol/L, creatinine µmol/L, urea mmol/L), and 10⁹/L for cell counts
(numerically the paper's thousands per mm³), so a count typed in cells/mm³ is refused as
impossible rather than silently scored.

Age groups (paper: neonate, infant, child, adolescent) are read in completed days:
neonate 0-30 days, infant 31-365 days, child 366 days-12 years (4383 days), adolescent after.
Each band is stated with the paper's own inclusive/exclusive wording ("40-55", "< 40", "> 225").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from lifenet.early_warning.scores.base import (
    Band,
    Component,
    ScoreDefinition,
    ScoreInput,
    above,
    banded,
    below,
    between,
    by_group,
    number,
)

SOURCE = (
    "Pollack MM, Patel KM, Ruttimann UE. PRISM III: an updated Pediatric Risk of Mortality score. "
    "Crit Care Med 1996;24(5):743-752."
)

LICENCE = (
    "PRISM III is proprietary: its developers (Pollack et al.) license the score and its mortality "
    "equations, which are not published. LifeNet shows the published point table only; confirm the "
    "licence terms before clinical or commercial use (a public claim that the patent expired in 2015 "
    "is unconfirmed)."
)

# ----- age groups --------------------------------------------------------------------------------

NEONATE, INFANT, CHILD, ADOLESCENT = "neonate", "infant", "child", "adolescent"
AGE_GROUPS = {
    NEONATE: Band(None, 30, 0, upper_inclusive=True),
    INFANT: Band(30, 365, 1, lower_inclusive=False, upper_inclusive=True),
    CHILD: Band(365, 4383, 2, lower_inclusive=False, upper_inclusive=True),
    ADOLESCENT: Band(4383, None, 3, lower_inclusive=False),
}
"""Age groups in days, each last day inclusive: <= 30, 31-365, 366-4383 (12 years), older."""


def by_age(value: pl.Expr, tables: Mapping[str, Sequence[Band]]) -> pl.Expr:
    """Points from the band table of the patient's age group (0 when the value is missing)."""
    return by_group(value, "age_days", [AGE_GROUPS[name] for name in tables], list(tables.values()))


# ----- point tables (Pollack 1996; clinical-scores.md §3.2) -------------------------------------

SYSTOLIC_BP_BANDS = {
    NEONATE: (below(40, 7), between(40, 55, 3)),
    INFANT: (below(45, 7), between(45, 65, 3)),
    CHILD: (below(55, 7), between(55, 75, 3)),
    ADOLESCENT: (below(65, 7), between(65, 85, 3)),
}
HEART_RATE_BANDS = {
    NEONATE: (between(215, 225, 3), above(225, 4)),
    INFANT: (between(215, 225, 3), above(225, 4)),
    CHILD: (between(185, 205, 3), above(205, 4)),
    ADOLESCENT: (between(145, 155, 3), above(155, 4)),
}
TEMPERATURE_LOW_BANDS = (below(33.0, 3),)
TEMPERATURE_HIGH_BANDS = (above(40.0, 3),)
MENTAL_STATUS_BANDS = (below(8, 5),)
"""Stupor or coma: GCS < 8."""
PUPILS_BANDS = (Band(2, None, 11), Band(1, 2, 7))
"""Number of pupils > 3 mm and fixed: one 7, both 11."""
ACIDOSIS_PH_BANDS = (below(7.0, 6), between(7.0, 7.28, 2))
ACIDOSIS_TOTAL_CO2_BANDS = (below(5.0, 6), between(5.0, 16.9, 2))
ALKALOSIS_PH_BANDS = (between(7.48, 7.55, 2), above(7.55, 3))
PCO2_BANDS = (between(50.0, 75.0, 1), above(75.0, 3))
TOTAL_CO2_HIGH_BANDS = (above(34.0, 4),)
PAO2_BANDS = (below(42.0, 6), between(42.0, 49.9, 3))
GLUCOSE_BANDS = (above(11.0, 2),)
"""> 11.0 mmol/L (the paper's SI form of > 200 mg/dL)."""
POTASSIUM_BANDS = (above(6.9, 3),)
CREATININE_BANDS = {
    NEONATE: (above(75, 2),),
    INFANT: (above(80, 2),),
    CHILD: (above(80, 2),),
    ADOLESCENT: (above(115, 2),),
}
"""µmol/L (paper: > 0.85 mg/dL neonate, > 0.90 infant and child, > 1.30 adolescent)."""
UREA_BANDS = {
    NEONATE: (above(4.3, 3),),
    INFANT: (above(5.4, 3),),
    CHILD: (above(5.4, 3),),
    ADOLESCENT: (above(5.4, 3),),
}
"""mmol/L (paper: BUN > 11.9 mg/dL neonate, > 14.9 mg/dL all others)."""
WBC_BANDS = (below(3.0, 4),)
"""< 3.0 x 10⁹/L (paper: < 3,000 cells/mm³)."""
PT_BANDS = (above(22.0, 3),)
PTT_BANDS = {
    NEONATE: (above(85.0, 3),),
    INFANT: (above(57.0, 3),),
    CHILD: (above(57.0, 3),),
    ADOLESCENT: (above(57.0, 3),),
}
PLATELET_BANDS = (below(50, 5), Band(50, 100, 4), between(100, 200, 2))
"""x 10⁹/L (paper: < 50,000 → 5; 50,000-99,999 → 4; 100,000-200,000 → 2)."""

# ----- inputs ------------------------------------------------------------------------------------


AGE_DAYS = ScoreInput(
    "age_days",
    "Age",
    "年龄",
    kind="integer",
    unit="days",
    minimum=0,
    maximum=7670,
    required=True,
    help_en="Completed days of age at PICU admission (1 year = 365 days; 12 years = 4383 days).",
    help_zh="入PICU时的足日龄（1岁=365天；12岁=4383天）。",
)

INPUTS: tuple[ScoreInput, ...] = (
    AGE_DAYS,
    number("systolic_bp_min", "Lowest systolic blood pressure", "最低收缩压", "mmHg", 0, 300),
    number("heart_rate_max", "Highest heart rate", "最快心率", "/min", 20, 350),
    number("temperature_min", "Lowest temperature", "最低体温", "°C", 10, 45),
    number("temperature_max", "Highest temperature", "最高体温", "°C", 10, 45),
    ScoreInput(
        "gcs_min",
        "Lowest Glasgow Coma Scale",
        "最低格拉斯哥昏迷评分（GCS）",
        kind="integer",
        minimum=3,
        maximum=15,
        help_en="Not scored while sedated, paralysed or anaesthetised: leave blank then.",
        help_zh="镇静、肌松或麻醉期间不评分，此时留空。",
    ),
    ScoreInput(
        "pupils_fixed_count",
        "Number of pupils > 3 mm and fixed",
        "直径>3 mm且固定的瞳孔数",
        kind="integer",
        minimum=0,
        maximum=2,
        help_en="0, 1 or 2; not when caused by drugs or by eye injury.",
        help_zh="0、1或2；药物或眼外伤所致者不计。",
    ),
    number("ph_min", "Lowest pH", "最低pH", "pH", 6.5, 8.0),
    number("ph_max", "Highest pH", "最高pH", "pH", 6.5, 8.0),
    number("total_co2_min", "Lowest total CO2 (bicarbonate)", "最低总CO2（碳酸氢根）", "mmol/L", 1, 60),
    number("total_co2_max", "Highest total CO2 (bicarbonate)", "最高总CO2（碳酸氢根）", "mmol/L", 1, 60),
    number("pco2_max", "Highest PCO2", "最高二氧化碳分压（PCO2）", "mmHg", 5, 200),
    number("pao2_min", "Lowest arterial PaO2", "最低动脉血氧分压（PaO2）", "mmHg", 5, 700),
    number("glucose_max", "Highest glucose", "最高血糖", "mmol/L", 0.5, 100),
    number("potassium_max", "Highest potassium", "最高血钾", "mmol/L", 1, 12),
    number("creatinine_max", "Highest creatinine", "最高肌酐", "µmol/L", 5, 2000),
    number("urea_max", "Highest urea (BUN)", "最高尿素（尿素氮）", "mmol/L", 0.5, 100),
    number("wbc_min", "Lowest white blood cell count", "最低白细胞计数", "10^9/L", 0, 500),
    number("pt_max", "Longest prothrombin time (PT)", "最长凝血酶原时间（PT）", "s", 5, 200),
    number(
        "ptt_max",
        "Longest partial thromboplastin time (PTT)",
        "最长活化部分凝血活酶时间（APTT）",
        "s",
        10,
        300,
    ),
    number("platelets_min", "Lowest platelet count", "最低血小板计数", "10^9/L", 0, 2000),
)


def _lowest(*names: str) -> pl.Expr:
    """The lower of a low/high pair; either alone serves for both (a single value is both)."""
    return pl.min_horizontal([pl.col(n) for n in names])


def _highest(*names: str) -> pl.Expr:
    return pl.max_horizontal([pl.col(n) for n in names])


def _worst(*points: pl.Expr) -> pl.Expr:
    return pl.max_horizontal(list(points))


# ----- components ----------------------------------------------------------------------------


def _component(name: str, en: str, zh: str, points: pl.Expr, explain_en: str, explain_zh: str) -> Component:
    return Component(name, en, zh, points, explain_en=explain_en, explain_zh=explain_zh)


NEUROLOGIC_COMPONENTS = (
    _component(
        "mental_status",
        "Mental status",
        "意识状态",
        banded("gcs_min", MENTAL_STATUS_BANDS),
        "Stupor or coma (GCS < 8): 5.",
        "昏睡或昏迷（GCS<8）：5分。",
    ),
    _component(
        "pupils",
        "Pupillary reflexes",
        "瞳孔反射",
        banded("pupils_fixed_count", PUPILS_BANDS),
        "One pupil > 3 mm and fixed: 7; both: 11.",
        "一侧瞳孔>3 mm且固定：7分；双侧：11分。",
    ),
)

NONNEUROLOGIC_COMPONENTS = (
    _component(
        "systolic_bp",
        "Systolic blood pressure",
        "收缩压",
        by_age(pl.col("systolic_bp_min"), SYSTOLIC_BP_BANDS),
        "Lowest SBP: neonate 40-55 → 3, < 40 → 7; infant 45-65 / < 45; child 55-75 / < 55; adolescent 65-85 / < 65.",
        "最低收缩压：新生儿40-55→3，<40→7；婴儿45-65/<45；儿童55-75/<55；青少年65-85/<65。",
    ),
    _component(
        "heart_rate",
        "Heart rate",
        "心率",
        by_age(pl.col("heart_rate_max"), HEART_RATE_BANDS),
        "Highest HR: neonate and infant 215-225 → 3, > 225 → 4; child 185-205 / > 205; adolescent 145-155 / > 155.",
        "最快心率：新生儿及婴儿215-225→3，>225→4；儿童185-205/>205；青少年145-155/>155。",
    ),
    _component(
        "temperature",
        "Temperature",
        "体温",
        _worst(
            banded(_lowest("temperature_min", "temperature_max"), TEMPERATURE_LOW_BANDS),
            banded(_highest("temperature_min", "temperature_max"), TEMPERATURE_HIGH_BANDS),
        ),
        "< 33 °C or > 40 °C: 3.",
        "<33 °C或>40 °C：3分。",
    ),
    _component(
        "acidosis",
        "Acidosis (pH or total CO2)",
        "酸中毒（pH或总CO2）",
        _worst(
            banded(_lowest("ph_min", "ph_max"), ACIDOSIS_PH_BANDS),
            banded(_lowest("total_co2_min", "total_co2_max"), ACIDOSIS_TOTAL_CO2_BANDS),
        ),
        "pH 7.0-7.28 or total CO2 5-16.9 → 2; pH < 7.0 or total CO2 < 5 → 6 (worse of the two).",
        "pH 7.0-7.28或总CO2 5-16.9→2分；pH<7.0或总CO2<5→6分（取较重者）。",
    ),
    _component(
        "ph",
        "pH (alkalosis)",
        "pH（碱中毒）",
        banded(_highest("ph_min", "ph_max"), ALKALOSIS_PH_BANDS),
        "Highest pH 7.48-7.55 → 2; > 7.55 → 3.",
        "最高pH 7.48-7.55→2分；>7.55→3分。",
    ),
    _component(
        "pco2",
        "PCO2",
        "二氧化碳分压（PCO2）",
        banded("pco2_max", PCO2_BANDS),
        "50-75 mmHg → 1; > 75 → 3.",
        "50-75 mmHg→1分；>75→3分。",
    ),
    _component(
        "total_co2",
        "Total CO2 (high)",
        "总CO2（升高）",
        banded(_highest("total_co2_min", "total_co2_max"), TOTAL_CO2_HIGH_BANDS),
        "> 34 mmol/L → 4.",
        ">34 mmol/L→4分。",
    ),
    _component(
        "pao2",
        "PaO2",
        "动脉血氧分压（PaO2）",
        banded("pao2_min", PAO2_BANDS),
        "42-49.9 mmHg → 3; < 42 → 6.",
        "42-49.9 mmHg→3分；<42→6分。",
    ),
    _component(
        "glucose",
        "Glucose",
        "血糖",
        banded("glucose_max", GLUCOSE_BANDS),
        "> 11.0 mmol/L (> 200 mg/dL) → 2.",
        ">11.0 mmol/L（>200 mg/dL）→2分。",
    ),
    _component(
        "potassium",
        "Potassium",
        "血钾",
        banded("potassium_max", POTASSIUM_BANDS),
        "> 6.9 mmol/L → 3.",
        ">6.9 mmol/L→3分。",
    ),
    _component(
        "creatinine",
        "Creatinine",
        "肌酐",
        by_age(pl.col("creatinine_max"), CREATININE_BANDS),
        "Neonate > 75 µmol/L; infant and child > 80; adolescent > 115 → 2.",
        "新生儿>75 µmol/L；婴儿及儿童>80；青少年>115→2分。",
    ),
    _component(
        "urea",
        "Urea (BUN)",
        "尿素（尿素氮）",
        by_age(pl.col("urea_max"), UREA_BANDS),
        "Neonate > 4.3 mmol/L; others > 5.4 → 3.",
        "新生儿>4.3 mmol/L；其他年龄>5.4→3分。",
    ),
    _component(
        "wbc",
        "White blood cell count",
        "白细胞计数",
        banded("wbc_min", WBC_BANDS),
        "< 3.0 x 10⁹/L → 4.",
        "<3.0×10⁹/L→4分。",
    ),
    _component(
        "coagulation",
        "PT or PTT",
        "PT或APTT",
        _worst(banded("pt_max", PT_BANDS), by_age(pl.col("ptt_max"), PTT_BANDS)),
        "PT > 22 s, or PTT > 85 s (neonate) / > 57 s (others) → 3.",
        "PT>22秒，或APTT>85秒（新生儿）/>57秒（其他年龄）→3分。",
    ),
    _component(
        "platelets",
        "Platelet count",
        "血小板计数",
        banded("platelets_min", PLATELET_BANDS),
        "100-200 x 10⁹/L → 2; 50-99.9 → 4; < 50 → 5.",
        "100-200×10⁹/L→2分；50-99.9→4分；<50→5分。",
    ),
)

COMPONENTS = NEUROLOGIC_COMPONENTS + NONNEUROLOGIC_COMPONENTS


def neurologic_points() -> pl.Expr:
    """PRISM III neurological subscore: mental status + pupils (also used by PRISM IV)."""
    return pl.sum_horizontal([c.points for c in NEUROLOGIC_COMPONENTS])


def nonneurologic_points() -> pl.Expr:
    """PRISM III non-neurological subscore: every other item (also used by PRISM IV)."""
    return pl.sum_horizontal([c.points for c in NONNEUROLOGIC_COMPONENTS])


DEFINITION = ScoreDefinition(
    name="prism3",
    title_en="Pediatric Risk of Mortality III (PRISM III) score",
    title_zh="儿童死亡危险评分III（PRISM III）",
    source=SOURCE,
    licence=LICENCE,
    population=(
        "PICU patients, newborns to adolescents. Worst values in the observation window: the first "
        "12 h (PRISM III-12) or 24 h (PRISM III-24) in the 1996 paper; for PRISM IV, vital signs in the first "
        "4 h and laboratory values from 2 h before to 4 h after PICU admission."
    ),
    population_zh="PICU患者，新生儿至青少年。取观察窗内的最差值：1996年原文为前12小时（PRISM III-12）或前24小时（PRISM III-24）；用于PRISM IV时，生命体征取入PICU后前4小时，实验室值取入PICU前2小时至入PICU后4小时。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule=(
        "A value not measured scores 0 (assumed normal), as in the paper. Where a lowest and a highest "
        "value are asked for, one alone is used for both."
    ),
    missing_rule_zh="未测量的值计0分（假定正常），与原文一致。需要最低值和最高值时，只给出一个值则两者都用它。",
    # The component columns exist when extras are computed: sum them, not their expressions again.
    extras={
        "neurologic": pl.sum_horizontal([c.name for c in NEUROLOGIC_COMPONENTS]),
        "nonneurologic": pl.sum_horizontal([c.name for c in NONNEUROLOGIC_COMPONENTS]),
    },
    notes=(
        "total = PRISM III points (0-74 in practice); extras give the neurological (mental status + pupils) "
        "and non-neurological subscores. PRISM III's own mortality equations are licensed and not shown; "
        "see PRISM IV for a public-domain probability."
    ),
)
