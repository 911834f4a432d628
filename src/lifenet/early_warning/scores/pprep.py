"""P-PREP: Pediatric Pulmonary Rescue with ECMO Prediction score.

Source: Bailly DK, Reeder RW, Zabrocki LA, Hubbard AM, Wilkes J, Bratton SL, Thiagarajan RR.
Development and validation of a score to predict mortality in children undergoing extracorporeal
membrane oxygenation for respiratory failure: Pediatric Pulmonary Rescue With Extracorporeal
Membrane Oxygenation Prediction score. Crit Care Med 2017;45(1):e58-e66 (PMC5532876).

Points and the score-to-mortality conversion (logit = 0.1196 x score - 1.2769) as tabulated in
shared/references/clinical-scores.md section 2.1 (checked against the medicalalgorithms.com
transcription of the paper). Population: first ECMO run for respiratory failure, age more than
7 days and less than 18 years. Score range -13 to 53; higher means more likely to die.

The paper publishes a logistic conversion, so the score gives a model ``predicted_mortality``.
It publishes no named risk classes that we could verify, so none is invented here.
"""

from __future__ import annotations

import polars as pl

from lifenet.early_warning.scores.base import (
    PF_RATIO,
    TOTAL_COLUMN,
    Band,
    Component,
    ScoreDefinition,
    ScoreInput,
    banded,
    choice_points,
    flag,
    logistic,
)

# ----- point tables (the only copy) ---------------------------------------------------------
ECMO_MODE_POINTS: dict[str, float] = {"VA": 0, "VV": -4}

MV_DAYS_BANDS = (
    Band(None, 14, 0, upper_inclusive=True),  # <= 14 days
    Band(14, None, 5, lower_inclusive=False),  # > 14 days
)

# PaO2/FiO2 in mmHg: "<= 100", "101-200", "201-300", "> 300" read on a continuous ratio.
PF_RATIO_BANDS = (
    Band(None, 100, 7, upper_inclusive=True),
    Band(100, 200, 5, lower_inclusive=False, upper_inclusive=True),
    Band(200, 300, 4, lower_inclusive=False, upper_inclusive=True),
    Band(300, None, 0, lower_inclusive=False),
)

# Arterial pH: "< 7.11" = 1, "7.11-7.34" = 0, "> 7.34" = -1.
PH_BANDS = (
    Band(None, 7.11, 1),
    Band(7.11, 7.34, 0, upper_inclusive=True),
    Band(7.34, None, -1, lower_inclusive=False),
)

DIAGNOSIS_POINTS: dict[str, float] = {
    "asthma": -8,
    "aspiration": -5,
    "rsv": -4,
    "sepsis_ards": 3,
    "pertussis": 5,
    "other": 0,
}

CARDIAC_ARREST_POINTS = 3
CANCER_POINTS = 6
RENAL_DYSFUNCTION_POINTS = 8
LIVER_DYSFUNCTION_POINTS = 18

LOGIT_SLOPE = 0.1196
LOGIT_INTERCEPT = -1.2769


INPUTS = (
    ScoreInput(
        "ecmo_mode",
        "ECMO mode",
        "ECMO 模式",
        kind="choice",
        choices=tuple(ECMO_MODE_POINTS),
        required=True,
        help_en="VA = veno-arterial, VV = veno-venous (mode at cannulation).",
        help_zh="VA = 静脉-动脉,VV = 静脉-静脉(插管时的模式)。",
    ),
    ScoreInput(
        "mv_days",
        "Mechanical ventilation before ECMO",
        "ECMO 前机械通气时间",
        unit="days",
        minimum=0,
        maximum=365,
        required=True,
        help_en="Days of invasive ventilation before ECMO; more than 14 days scores 5.",
        help_zh="ECMO 前有创机械通气天数;超过 14 天计 5 分。",
    ),
    ScoreInput(
        "pao2",
        "Pre-ECMO PaO2",
        "ECMO 前动脉血氧分压(PaO2)",
        unit="mmHg",
        minimum=5,
        maximum=700,
        required=True,
        help_en="Arterial PaO2 of the pre-ECMO blood gas used for the PaO2/FiO2 ratio.",
        help_zh="用于计算氧合指数(PaO2/FiO2)的 ECMO 前动脉血气 PaO2。",
    ),
    ScoreInput(
        "fio2",
        "FiO2 at that blood gas",
        "该次血气时的吸入氧浓度(FiO2)",
        unit="fraction",
        minimum=0.21,
        maximum=1.0,
        required=True,
        help_en="Inspired oxygen as a fraction, 0.21 to 1.0 (not a percentage).",
        help_zh="以小数表示的吸入氧浓度,0.21–1.0(不是百分数)。",
    ),
    ScoreInput(
        "ph",
        "Pre-ECMO arterial pH",
        "ECMO 前动脉血 pH",
        unit="pH",
        minimum=6.5,
        maximum=8.0,
        help_en="A missing pH scores 0 (the 7.11-7.34 band).",
        help_zh="pH 缺失时计 0 分(按 7.11–7.34 区间)。",
    ),
    ScoreInput(
        "diagnosis",
        "Primary pulmonary diagnosis",
        "主要肺部诊断",
        kind="choice",
        choices=tuple(DIAGNOSIS_POINTS),
        required=True,
        help_en=(
            "asthma; aspiration; rsv = respiratory syncytial virus; sepsis_ards = sepsis-induced "
            "ARDS or respiratory failure; pertussis; other."
        ),
        help_zh=(
            "asthma = 哮喘;aspiration = 误吸;rsv = 呼吸道合胞病毒感染;sepsis_ards = 脓毒症所致 "
            "ARDS/呼吸衰竭;pertussis = 百日咳;other = 其他。"
        ),
    ),
    ScoreInput("cardiac_arrest", "Pre-ECMO cardiac arrest", "ECMO 前心搏骤停", kind="boolean"),
    ScoreInput("cancer", "Cancer", "恶性肿瘤", kind="boolean"),
    ScoreInput(
        "renal_dysfunction",
        "Acute renal failure",
        "急性肾衰竭",
        kind="boolean",
        help_en="Pre-ECMO renal dysfunction (acute renal failure).",
        help_zh="ECMO 前肾功能障碍(急性肾衰竭)。",
    ),
    ScoreInput(
        "liver_dysfunction",
        "Acute liver necrosis",
        "急性肝坏死",
        kind="boolean",
        help_en="Pre-ECMO liver dysfunction (acute liver necrosis).",
        help_zh="ECMO 前肝功能障碍(急性肝坏死)。",
    ),
)

COMPONENTS = (
    Component("ecmo_mode", "ECMO mode", "ECMO 模式", choice_points("ecmo_mode", ECMO_MODE_POINTS)),
    Component(
        "mechanical_ventilation",
        "Ventilation before ECMO > 14 days",
        "ECMO 前机械通气 > 14 天",
        banded("mv_days", MV_DAYS_BANDS),
    ),
    Component(
        "pf_ratio",
        "PaO2/FiO2 ratio",
        "氧合指数(PaO2/FiO2)",
        banded(PF_RATIO, PF_RATIO_BANDS),
        explain_en="PaO2 (mmHg) divided by FiO2 (fraction).",
        explain_zh="PaO2(mmHg)除以 FiO2(小数)。",
    ),
    Component("ph", "Arterial pH", "动脉血 pH", banded("ph", PH_BANDS)),
    Component(
        "diagnosis",
        "Primary pulmonary diagnosis",
        "主要肺部诊断",
        choice_points("diagnosis", DIAGNOSIS_POINTS),
    ),
    Component(
        "cardiac_arrest",
        "Pre-ECMO cardiac arrest",
        "ECMO 前心搏骤停",
        flag("cardiac_arrest", CARDIAC_ARREST_POINTS),
    ),
    Component("cancer", "Cancer", "恶性肿瘤", flag("cancer", CANCER_POINTS)),
    Component(
        "renal_dysfunction",
        "Acute renal failure",
        "急性肾衰竭",
        flag("renal_dysfunction", RENAL_DYSFUNCTION_POINTS),
    ),
    Component(
        "liver_dysfunction",
        "Acute liver necrosis",
        "急性肝坏死",
        flag("liver_dysfunction", LIVER_DYSFUNCTION_POINTS),
    ),
)

LOGIT = LOGIT_SLOPE * pl.col(TOTAL_COLUMN) + LOGIT_INTERCEPT

DEFINITION = ScoreDefinition(
    name="pprep",
    title_en="P-PREP (Pediatric Pulmonary Rescue with ECMO Prediction)",
    title_zh="P-PREP 儿童呼吸衰竭 ECMO 死亡风险评分",
    source=(
        "Bailly DK, Reeder RW, Zabrocki LA, et al. Development and validation of a score to predict "
        "mortality in children undergoing extracorporeal membrane oxygenation for respiratory failure: "
        "Pediatric Pulmonary Rescue With Extracorporeal Membrane Oxygenation Prediction score. "
        "Crit Care Med 2017;45(1):e58-e66. PMC5532876."
    ),
    licence=(
        "Published point score and conversion equation, implemented from the paper's table; no "
        "licence restriction found. Research and benchmarking use, not a selection rule for ECMO."
    ),
    population=(
        "Children more than 7 days and less than 18 years old on their first ECMO run for respiratory "
        "failure (ELSO registry 2001-2013)."
    ),
    population_zh="首次因呼吸衰竭接受ECMO、年龄大于7天且小于18岁的儿童（ELSO登记 2001–2013）。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule=(
        "ECMO mode, ventilation days, PaO2, FiO2 and diagnosis are required. A missing pH scores 0 "
        "(the 7.11-7.34 band); a missing yes/no item counts as no."
    ),
    missing_rule_zh="ECMO模式、通气天数、PaO2、FiO2和诊断为必填。pH缺失计0分（7.11–7.34区间）；缺失的是/否项目按“否”计。",
    extras={"logit": LOGIT},
    mortality=logistic(LOGIT),
    notes=(
        "predicted_mortality is the paper's logistic conversion of the total: "
        "1 / (1 + exp(-(0.1196 x score - 1.2769))). No risk classes are defined."
    ),
)
