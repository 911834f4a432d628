"""Bedside Paediatric Early Warning System score (Bedside PEWS).

Source: Parshuram CS, Hutchison J, Middaugh K. Development and initial validation of the
Bedside Paediatric Early Warning System score. Crit Care 2009;13(4):R135.
doi:10.1186/cc7998 — Table 1 (item sub-scores 0/1/2/4 by age group). Seven items, total 0-26.

The point tables below are transcribed from Table 1 of the paper, including its two odd
inequalities (heart rate ">150" for 4 points at >4-12 years and "<50" for 2 points at
>12 years); see docs/scores/pews_bedside.md for the readings taken.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from lifenet.early_warning.scores.base import (
    Band,
    Component,
    ScoreDefinition,
    ScoreInput,
    above,
    at_least,
    at_most,
    banded,
    below,
    by_group,
    choice_points,
)

AGE = "age_months"


# Age groups of Table 1 in months: 0 to <3 mo, 3 to <12 mo, 1-4 y, >4-12 y, >12 y.
# The band's ``points`` is only its index.
AGE_GROUPS: tuple[Band, ...] = (
    Band(0, 3, 0),
    Band(3, 12, 1),
    Band(12, 48, 2, upper_inclusive=True),
    Band(48, 144, 3, lower_inclusive=False, upper_inclusive=True),
    Band(144, None, 4, lower_inclusive=False),
)

# Per age group, most severe band first (the first matching band wins).
HEART_RATE: tuple[tuple[Band, ...], ...] = (
    (at_least(190, 4), at_most(80, 4), at_least(180, 2), at_most(90, 2), at_least(150, 1), at_most(110, 1)),
    (at_least(180, 4), at_most(70, 4), at_least(170, 2), at_most(80, 2), at_least(150, 1), at_most(100, 1)),
    (at_least(170, 4), at_most(60, 4), at_least(150, 2), at_most(70, 2), at_least(120, 1), at_most(90, 1)),
    (above(150, 4), at_most(50, 4), at_least(130, 2), at_most(60, 2), at_least(110, 1), at_most(70, 1)),
    (at_least(140, 4), at_most(40, 4), at_least(120, 2), below(50, 2), at_least(100, 1), at_most(60, 1)),
)
SYSTOLIC_BP: tuple[tuple[Band, ...], ...] = (
    (at_least(130, 4), at_most(45, 4), at_least(100, 2), at_most(50, 2), at_least(80, 1), at_most(60, 1)),
    (at_least(150, 4), at_most(60, 4), at_least(120, 2), at_most(70, 2), at_least(100, 1), at_most(80, 1)),
    (at_least(160, 4), at_most(65, 4), at_least(125, 2), at_most(75, 2), at_least(110, 1), at_most(90, 1)),
    (at_least(170, 4), at_most(70, 4), at_least(140, 2), at_most(80, 2), at_least(120, 1), at_most(90, 1)),
    (at_least(190, 4), at_most(75, 4), at_least(150, 2), at_most(85, 2), at_least(130, 1), at_most(100, 1)),
)
RESPIRATORY_RATE: tuple[tuple[Band, ...], ...] = (
    (at_least(91, 4), at_most(15, 4), at_least(81, 2), at_most(19, 2), at_least(61, 1), at_most(29, 1)),
    (at_least(81, 4), at_most(15, 4), at_least(71, 2), at_most(19, 2), at_least(51, 1), at_most(24, 1)),
    (at_least(71, 4), at_most(12, 4), at_least(61, 2), at_most(15, 2), at_least(41, 1), at_most(19, 1)),
    (at_least(51, 4), at_most(10, 4), at_least(41, 2), at_most(14, 2), at_least(31, 1), at_most(19, 1)),
    (at_least(30, 4), at_most(9, 4), at_least(23, 2), at_most(10, 2), at_least(17, 1), at_most(11, 1)),
)
CAPILLARY_REFILL = (at_least(3, 4),)
SPO2 = (at_most(90, 2), below(95, 1))
OXYGEN_FLOW = (at_least(4, 4), above(0, 2))
FIO2 = (at_least(0.5, 4), above(0.21, 2))

RESPIRATORY_EFFORT = {"normal": 0.0, "mild": 1.0, "moderate": 2.0, "severe_or_apnoea": 4.0}
OXYGEN_THERAPY = {"room_air": 0.0, "low": 2.0, "high": 4.0}


def by_age_group(value: str, tables: Sequence[Sequence[Band]]) -> pl.Expr:
    """Points of ``value`` from the table of the patient's age group (0 when either is missing)."""
    return by_group(value, AGE, AGE_GROUPS, tables)


def worst(*points: pl.Expr) -> pl.Expr:
    return pl.max_horizontal(*points)


INPUTS = (
    ScoreInput(
        AGE,
        "Age",
        "年龄",
        unit="months",
        minimum=0,
        maximum=264,
        required=True,
        help_en="Chooses the age group of Table 1: 0 to <3 mo, 3 to <12 mo, 1-4 y, >4-12 y, >12 y.",
        help_zh="用于选择年龄组：0至<3月、3至<12月、1-4岁、>4-12岁、>12岁。",
    ),
    ScoreInput("heart_rate", "Heart rate", "心率", unit="/min", minimum=20, maximum=300),
    ScoreInput("systolic_bp", "Systolic blood pressure", "收缩压", unit="mmHg", minimum=20, maximum=250),
    ScoreInput(
        "capillary_refill_s", "Capillary refill time", "毛细血管再充盈时间", unit="s", minimum=0, maximum=20
    ),
    ScoreInput(
        "respiratory_rate",
        "Respiratory rate",
        "呼吸频率",
        unit="/min",
        minimum=1,
        maximum=150,
        help_en="Record apnoea under respiratory effort.",
        help_zh="呼吸暂停请在“呼吸做功”中记录。",
    ),
    ScoreInput(
        "respiratory_effort",
        "Respiratory effort",
        "呼吸做功",
        kind="choice",
        choices=tuple(RESPIRATORY_EFFORT),
        help_en="normal; mild, moderate or severe increase; severe_or_apnoea includes any apnoea.",
        help_zh="正常；轻度、中度或重度增加；severe_or_apnoea 包括任何呼吸暂停。",
    ),
    ScoreInput(
        "spo2", "Oxygen saturation (SpO2)", "经皮血氧饱和度（SpO2）", unit="%", minimum=20, maximum=100
    ),
    ScoreInput(
        "oxygen_therapy",
        "Oxygen therapy",
        "氧疗",
        kind="choice",
        choices=tuple(OXYGEN_THERAPY),
        help_en="room_air; low = any oxygen below 4 L/min and below 50%; high = 4 L/min or more, or 50% or more.",
        help_zh="room_air 为吸空气；low 为任何氧疗且<4 L/min 且<50%；high 为≥4 L/min 或≥50%。",
    ),
    ScoreInput(
        "oxygen_flow_l_min",
        "Oxygen flow",
        "氧流量",
        unit="L/min",
        minimum=0,
        maximum=80,
        help_en="Optional: scores the oxygen item from the flow when given (any flow 2, >=4 L/min 4).",
        help_zh="可选：填写时按流量计分（有流量2分，≥4 L/min 4分）。",
    ),
    ScoreInput(
        "fio2",
        "Inspired oxygen fraction (FiO2)",
        "吸入氧浓度（FiO2）",
        unit="fraction",
        minimum=0.21,
        maximum=1.0,
        help_en="Optional, as a fraction 0.21-1.0: above 0.21 scores 2, 0.50 or more scores 4.",
        help_zh="可选，以小数填写（0.21-1.0）：>0.21 计2分，≥0.50 计4分。",
    ),
)

COMPONENTS = (
    Component(
        "heart_rate_points",
        "Heart rate",
        "心率",
        by_age_group("heart_rate", HEART_RATE),
        explain_en="Age-group cut-offs of Table 1; 1, 2 or 4 points.",
        explain_zh="按年龄组界值计1、2或4分。",
    ),
    Component(
        "systolic_bp_points",
        "Systolic blood pressure",
        "收缩压",
        by_age_group("systolic_bp", SYSTOLIC_BP),
        explain_en="Age-group cut-offs of Table 1; 1, 2 or 4 points.",
        explain_zh="按年龄组界值计1、2或4分。",
    ),
    Component(
        "capillary_refill_points",
        "Capillary refill",
        "毛细血管再充盈",
        banded("capillary_refill_s", CAPILLARY_REFILL),
        explain_en="3 seconds or more: 4 points.",
        explain_zh="≥3秒计4分。",
    ),
    Component(
        "respiratory_rate_points",
        "Respiratory rate",
        "呼吸频率",
        by_age_group("respiratory_rate", RESPIRATORY_RATE),
        explain_en="Age-group cut-offs of Table 1; 1, 2 or 4 points.",
        explain_zh="按年龄组界值计1、2或4分。",
    ),
    Component(
        "respiratory_effort_points",
        "Respiratory effort",
        "呼吸做功",
        choice_points("respiratory_effort", RESPIRATORY_EFFORT),
        explain_en="Mild 1, moderate 2, severe increase or any apnoea 4.",
        explain_zh="轻度1分，中度2分，重度增加或任何呼吸暂停4分。",
    ),
    Component(
        "spo2_points",
        "Oxygen saturation",
        "血氧饱和度",
        banded("spo2", SPO2),
        explain_en="91-94%: 1 point; 90% or less: 2 points.",
        explain_zh="91-94%计1分；≤90%计2分。",
    ),
    Component(
        "oxygen_therapy_points",
        "Oxygen therapy",
        "氧疗",
        worst(
            choice_points("oxygen_therapy", OXYGEN_THERAPY),
            banded("oxygen_flow_l_min", OXYGEN_FLOW),
            banded("fio2", FIO2),
        ),
        explain_en="Any oxygen below 4 L/min and 50%: 2; 4 L/min or 50% or more: 4 (worst of choice, flow, FiO2).",
        explain_zh="任何氧疗<4 L/min且<50%计2分；≥4 L/min或≥50%计4分（取选项、流量、FiO2中最重者）。",
    ),
)

DEFINITION = ScoreDefinition(
    name="pews_bedside",
    title_en="Bedside Paediatric Early Warning System score (Bedside PEWS)",
    title_zh="床旁儿科早期预警评分（Bedside PEWS）",
    source=(
        "Parshuram CS, Hutchison J, Middaugh K. Development and initial validation of the Bedside "
        "Paediatric Early Warning System score. Crit Care 2009;13(4):R135. doi:10.1186/cc7998 (Table 1)"
    ),
    licence=(
        "The article is open access. The Bedside PEWS is a SickKids (Toronto) instrument: "
        "permission for clinical use in software is to be confirmed with SickKids before release."
    ),
    population="Hospitalised children under 18 years on inpatient wards (development: SickKids, Toronto).",
    population_zh="住院病房中18岁以下的患儿（研制于多伦多SickKids医院）。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule=(
        "A missing item scores 0 (treated as normal), as on the bedside chart. Age is required because "
        "three items depend on the age group."
    ),
    missing_rule_zh="缺失的项目计0分（视为正常），与床旁评分表一致。年龄为必填，因为有三个项目取决于年龄组。",
    notes=(
        "Scored per observation time; total 0-26. At a score of 8 the development study reported "
        "sensitivity 82% and specificity 93% for urgent ICU admission."
    ),
    per_time=True,
)
