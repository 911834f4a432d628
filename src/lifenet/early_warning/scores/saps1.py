"""SAPS-I — Simplified Acute Physiology Score (adults).

Source: Le Gall JR, Loirat P, Alperovitch A, et al. A simplified acute physiology score for
ICU patients. Crit Care Med 1984;12(11):975–977. The 14 variables and their points, taken
as the worst values of the first 24 ICU hours, as tabulated in the reference notes
(clinical-scores.md §3.8, checked against MIT-LCP/mimic-code ``saps.sql``). It is the score
the PhysioNet/CinC Challenge 2012 ships with its outcomes.

Units: urea and glucose in **mmol/L** as in the original paper (convert blood urea nitrogen
mg/dL × 0.357 → urea mmol/L; glucose mg/dL ÷ 18.016 → mmol/L before scoring).
Respiration: a ventilated (or CPAP) patient scores 3 on the respiratory item in place of the
spontaneous respiratory-rate bands — the paper lists "ventilated or CPAP" as a cell of the
respiratory-rate row, which is how the score has 14 variables.
Bands are read ``lower ≤ x < upper`` at the published lower limits (so "40–54" is
``40 ≤ HR < 55``); age is "≤ 45 / 46–55 / … / > 75" years, read on the upper side.
"""

from __future__ import annotations

import polars as pl

from lifenet.early_warning.scores.base import Band, Component, ScoreDefinition, ScoreInput, banded

INPUTS = (
    ScoreInput("age_years", "Age", "年龄", unit="years", minimum=0, maximum=120),
    ScoreInput("heart_rate", "Heart rate", "心率", unit="/min", minimum=1, maximum=300),
    ScoreInput("systolic_bp", "Systolic blood pressure", "收缩压", unit="mmHg", minimum=10, maximum=300),
    ScoreInput("temperature", "Body temperature", "体温", unit="°C", minimum=15, maximum=45),
    ScoreInput(
        "respiratory_rate",
        "Spontaneous respiratory rate",
        "自主呼吸频率",
        unit="/min",
        minimum=1,
        maximum=120,
    ),
    ScoreInput(
        "ventilated",
        "Mechanical ventilation or CPAP",
        "机械通气或持续气道正压通气(CPAP)",
        kind="boolean",
    ),
    ScoreInput(
        "urine_output", "Urine output over 24 h", "24小时尿量", unit="mL/24 h", minimum=0, maximum=20000
    ),
    ScoreInput("urea", "Serum urea", "血尿素", unit="mmol/L", minimum=0, maximum=150),
    ScoreInput("haematocrit", "Haematocrit", "血细胞比容", unit="%", minimum=5, maximum=80),
    ScoreInput("wbc", "White blood cell count", "白细胞计数", unit="×10⁹/L", minimum=0, maximum=500),
    ScoreInput("glucose", "Serum glucose", "血糖", unit="mmol/L", minimum=0.3, maximum=150),
    ScoreInput("potassium", "Serum potassium", "血钾", unit="mmol/L", minimum=1, maximum=12),
    ScoreInput("sodium", "Serum sodium", "血钠", unit="mmol/L", minimum=90, maximum=200),
    ScoreInput("bicarbonate", "Serum bicarbonate", "血清碳酸氢根", unit="mmol/L", minimum=1, maximum=60),
    ScoreInput("gcs", "Glasgow Coma Scale", "格拉斯哥昏迷评分", kind="integer", minimum=3, maximum=15),
)

AGE = (
    Band(None, 45, 0, upper_inclusive=True),
    Band(45, 55, 1, lower_inclusive=False, upper_inclusive=True),
    Band(55, 65, 2, lower_inclusive=False, upper_inclusive=True),
    Band(65, 75, 3, lower_inclusive=False, upper_inclusive=True),
    Band(75, None, 4, lower_inclusive=False),
)
HEART_RATE = (
    Band(180, None, 4),
    Band(140, 180, 3),
    Band(110, 140, 2),
    Band(70, 110, 0),
    Band(55, 70, 2),
    Band(40, 55, 3),
    Band(None, 40, 4),
)
SYSTOLIC_BP = (Band(190, None, 4), Band(150, 190, 2), Band(80, 150, 0), Band(55, 80, 2), Band(None, 55, 4))
TEMPERATURE = (
    Band(41, None, 4),
    Band(39, 41, 3),
    Band(38.5, 39, 1),
    Band(36, 38.5, 0),
    Band(34, 36, 1),
    Band(32, 34, 2),
    Band(30, 32, 3),
    Band(None, 30, 4),
)
RESPIRATORY_RATE = (
    Band(50, None, 4),
    Band(35, 50, 3),
    Band(25, 35, 1),
    Band(12, 25, 0),
    Band(10, 12, 1),
    Band(6, 10, 2),
    Band(None, 6, 4),
)
VENTILATED_POINTS = 3
URINE_OUTPUT = (
    Band(5000, None, 2, lower_inclusive=False),
    Band(3500, 5000, 1, upper_inclusive=True),
    Band(700, 3500, 0),
    Band(500, 700, 2),
    Band(200, 500, 3),
    Band(None, 200, 4),
)
UREA = (
    Band(55, None, 4),
    Band(36, 55, 3),
    Band(29, 36, 2),
    Band(7.5, 29, 1),
    Band(3.5, 7.5, 0),
    Band(None, 3.5, 1),
)
HAEMATOCRIT = (
    Band(60, None, 4),
    Band(50, 60, 2),
    Band(46, 50, 1),
    Band(30, 46, 0),
    Band(20, 30, 2),
    Band(None, 20, 4),
)
WBC = (Band(40, None, 4), Band(20, 40, 2), Band(15, 20, 1), Band(3, 15, 0), Band(1, 3, 2), Band(None, 1, 4))
GLUCOSE = (
    Band(44.5, None, 4),
    Band(27.8, 44.5, 3),
    Band(14, 27.8, 1),
    Band(3.9, 14, 0),
    Band(2.8, 3.9, 2),
    Band(1.6, 2.8, 3),
    Band(None, 1.6, 4),
)
POTASSIUM = (
    Band(7, None, 4),
    Band(6, 7, 3),
    Band(5.5, 6, 1),
    Band(3.5, 5.5, 0),
    Band(3, 3.5, 1),
    Band(2.5, 3, 2),
    Band(None, 2.5, 4),
)
SODIUM = (
    Band(180, None, 4),
    Band(161, 180, 3),
    Band(156, 161, 2),
    Band(151, 156, 1),
    Band(130, 151, 0),
    Band(120, 130, 2),
    Band(110, 120, 3),
    Band(None, 110, 4),
)
BICARBONATE = (
    Band(40, None, 3),
    Band(30, 40, 1),
    Band(20, 30, 0),
    Band(10, 20, 1),
    Band(5, 10, 3),
    Band(None, 5, 4),
)
GCS = (Band(13, None, 0), Band(10, 13, 1), Band(7, 10, 2), Band(4, 7, 3), Band(None, 4, 4))


def _respiration() -> pl.Expr:
    spontaneous = banded("respiratory_rate", RESPIRATORY_RATE)
    return (
        pl.when(pl.col("ventilated").fill_null(False))
        .then(pl.lit(float(VENTILATED_POINTS)))
        .otherwise(spontaneous)
    )


COMPONENTS = (
    Component("age_points", "Age", "年龄", banded("age_years", AGE)),
    Component("heart_rate_points", "Heart rate", "心率", banded("heart_rate", HEART_RATE)),
    Component("systolic_bp_points", "Systolic blood pressure", "收缩压", banded("systolic_bp", SYSTOLIC_BP)),
    Component("temperature_points", "Body temperature", "体温", banded("temperature", TEMPERATURE)),
    Component(
        "respiration_points",
        "Respiratory rate or ventilation",
        "呼吸频率或机械通气",
        _respiration(),
        explain_en="3 points when ventilated or on CPAP, else the spontaneous respiratory-rate bands.",
        explain_zh="机械通气或CPAP时计3分，否则按自主呼吸频率计分。",
    ),
    Component("urine_output_points", "Urine output", "尿量", banded("urine_output", URINE_OUTPUT)),
    Component("urea_points", "Serum urea", "血尿素", banded("urea", UREA)),
    Component("haematocrit_points", "Haematocrit", "血细胞比容", banded("haematocrit", HAEMATOCRIT)),
    Component("wbc_points", "White blood cell count", "白细胞计数", banded("wbc", WBC)),
    Component("glucose_points", "Serum glucose", "血糖", banded("glucose", GLUCOSE)),
    Component("potassium_points", "Serum potassium", "血钾", banded("potassium", POTASSIUM)),
    Component("sodium_points", "Serum sodium", "血钠", banded("sodium", SODIUM)),
    Component("bicarbonate_points", "Serum bicarbonate", "血清碳酸氢根", banded("bicarbonate", BICARBONATE)),
    Component("gcs_points", "Glasgow Coma Scale", "格拉斯哥昏迷评分", banded("gcs", GCS)),
)

DEFINITION = ScoreDefinition(
    name="saps1",
    title_en="SAPS I — Simplified Acute Physiology Score",
    title_zh="简化急性生理学评分 I (SAPS I)",
    source="Le Gall JR, Loirat P, Alperovitch A, et al. A simplified acute physiology score for ICU patients. "
    "Crit Care Med 1984;12(11):975-977.",
    licence="Published clinical score; the point table is a fact of the literature and free to implement.",
    population="Adult ICU patients (the score was built on patients aged 15 years and over); worst values of "
    "the first 24 hours in the ICU.",
    population_zh="成人ICU患者（评分建立于15岁及以上的患者）；取入ICU后前24小时的最差值。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule="A missing variable scores 0 points (treated as normal), as in the original paper's use.",
    missing_rule_zh="缺失的变量计0分（视为正常），与原文的用法一致。",
    notes="Urea and glucose in mmol/L. Ventilation/CPAP replaces the respiratory-rate points with 3.",
)
