"""Pediatric Risk of Mortality IV (PRISM IV) probability of hospital death.

Pollack MM, Holubkov R, Funai T, et al. The Pediatric Risk of Mortality Score: Update 2015.
Pediatr Crit Care Med 2016;17:2-9 (PMC5048467).

The logit, with the published coefficients::

    logit = -5.776
          + age: 0-14 days 1.311 | 15 days-1 month 0.968 | >1-12 months 0.357 | >12 months 0
          + admission source: operating room/PACU 0 | another hospital 1.012
                              | inpatient unit 1.626 | emergency department 0.693
          + 1.082 CPR in the 24 h before admission + 0.766 cancer (acute or chronic)
          - 1.697 low-risk system of primary dysfunction
          + 0.197 PRISM III neurological points + 0.163 PRISM III non-neurological points

predicted mortality = 1 / (1 + e^-logit). The PRISM III points come from the tables in
``prism3`` (imported, never copied); PRISM IV only shortens their observation window
(vital signs in the first 4 h, laboratory values from 2 h before to 4 h after admission).
"""

from __future__ import annotations

import polars as pl

from lifenet.early_warning.scores import prism3
from lifenet.early_warning.scores.base import (
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

SOURCE = (
    "Pollack MM, Holubkov R, Funai T, et al. The Pediatric Risk of Mortality Score: Update 2015. "
    "Pediatr Crit Care Med 2016;17(1):2-9. doi:10.1097/PCC.0000000000000558 (PMC5048467)."
)

LICENCE = (
    "The PRISM IV algorithm was placed in the public domain by its authors (Pollack 2016). Its physiology "
    "input is the PRISM III score, which is licensed (proprietary) by its developers: " + prism3.LICENCE
)

INTERCEPT = -5.776
NEUROLOGIC_COEFFICIENT = 0.197
NONNEUROLOGIC_COEFFICIENT = 0.163

AGE_BANDS = (
    Band(None, 14, 1.311, upper_inclusive=True),
    Band(14, 30, 0.968, lower_inclusive=False, upper_inclusive=True),
    Band(30, 365, 0.357, lower_inclusive=False, upper_inclusive=True),
)
"""Age in completed days: 0-14 days; 15 days-1 month (30 days); >1-12 months (365 days); older 0."""

ADMISSION_SOURCE_COEFFICIENTS = {
    "operating_room": 0.0,
    "another_hospital": 1.012,
    "inpatient_unit": 1.626,
    "emergency_department": 0.693,
}

ADMISSION_SOURCE = ScoreInput(
    "admission_source",
    "Admission source",
    "入PICU来源",
    kind="choice",
    choices=tuple(ADMISSION_SOURCE_COEFFICIENTS),
    required=True,
    help_en="operating_room (operating room or post-anaesthesia care unit); another_hospital; inpatient_unit "
    "(a ward of this hospital); emergency_department.",
    help_zh="operating_room 手术室或麻醉后恢复室；another_hospital 外院转入；inpatient_unit 本院普通病房；"
    "emergency_department 急诊科。",
)
CPR_BEFORE_ADMISSION = ScoreInput(
    "cpr_before_admission",
    "Cardiopulmonary resuscitation in the 24 h before admission",
    "入PICU前24小时内心肺复苏",
    kind="boolean",
    help_en="Unknown counts as no.",
    help_zh="未知按“否”计。",
)
CANCER = ScoreInput(
    "cancer",
    "Cancer (acute or chronic)",
    "恶性肿瘤（急性或慢性）",
    kind="boolean",
    help_en="Unknown counts as no.",
    help_zh="未知按“否”计。",
)
LOW_RISK_SYSTEM = ScoreInput(
    "low_risk_system",
    "Primary dysfunction in a low-risk system",
    "主要功能障碍属低危系统",
    kind="boolean",
    help_en="The system of primary dysfunction is endocrine, haematological, musculoskeletal or renal.",
    help_zh="主要功能障碍系统为内分泌、血液、肌肉骨骼或肾脏系统。",
)


def _admission_source_term() -> pl.Expr:
    return choice_points(ADMISSION_SOURCE.name, ADMISSION_SOURCE_COEFFICIENTS)


COMPONENTS = (
    Component(
        "age",
        "Age group",
        "年龄组",
        banded(prism3.AGE_DAYS.name, AGE_BANDS),
        explain_en="0-14 days 1.311; 15 days-1 month 0.968; >1-12 months 0.357; older 0.",
        explain_zh="0-14天1.311；15天-1个月0.968；>1-12个月0.357；更大0。",
    ),
    Component(
        "admission_source",
        "Admission source",
        "入PICU来源",
        _admission_source_term(),
        explain_en="Operating room 0; another hospital 1.012; inpatient unit 1.626; emergency department 0.693.",
        explain_zh="手术室0；外院1.012；本院病房1.626；急诊科0.693。",
    ),
    Component(
        "cpr",
        "CPR before admission",
        "入院前心肺复苏",
        flag(CPR_BEFORE_ADMISSION.name, 1.082),
        explain_en="1.082 if CPR in the 24 h before admission.",
        explain_zh="入PICU前24小时内心肺复苏时加1.082。",
    ),
    Component(
        "cancer",
        "Cancer",
        "恶性肿瘤",
        flag(CANCER.name, 0.766),
        explain_en="0.766 for acute or chronic cancer.",
        explain_zh="急性或慢性恶性肿瘤时加0.766。",
    ),
    Component(
        "low_risk_system",
        "Low-risk system of primary dysfunction",
        "低危主要功能障碍系统",
        flag(LOW_RISK_SYSTEM.name, -1.697),
        explain_en="-1.697 if the primary dysfunction is endocrine, haematological, musculoskeletal or renal.",
        explain_zh="主要功能障碍为内分泌、血液、肌肉骨骼或肾脏系统时加-1.697。",
    ),
    Component(
        "neurologic",
        "PRISM III neurological points term",
        "PRISM III神经系统评分项",
        NEUROLOGIC_COEFFICIENT * prism3.neurologic_points(),
        explain_en="0.197 x PRISM III neurological points (mental status + pupils).",
        explain_zh="0.197 × PRISM III神经系统评分（意识状态+瞳孔）。",
    ),
    Component(
        "nonneurologic",
        "PRISM III non-neurological points term",
        "PRISM III非神经系统评分项",
        NONNEUROLOGIC_COEFFICIENT * prism3.nonneurologic_points(),
        explain_en="0.163 x PRISM III non-neurological points.",
        explain_zh="0.163 × PRISM III非神经系统评分。",
    ),
    Component(
        "constant",
        "Constant",
        "常数项",
        pl.lit(INTERCEPT),
        explain_en="Model intercept -5.776.",
        explain_zh="模型截距-5.776。",
    ),
)

DEFINITION = ScoreDefinition(
    name="prism4",
    title_en="Pediatric Risk of Mortality IV (PRISM IV)",
    title_zh="儿童死亡危险评分IV（PRISM IV）",
    source=SOURCE,
    licence=LICENCE,
    population=(
        "First PICU admission of a hospital stay, newborns to adolescents; predicts death before hospital "
        "discharge. PRISM III vital signs from the first 4 h of PICU care, laboratory values from 2 h before "
        "to 4 h after admission."
    ),
    population_zh="一次住院中首次入住PICU的新生儿至青少年；预测出院前死亡。PRISM III生命体征取PICU治疗的前4小时，实验室值取入科前2小时至入科后4小时。",
    inputs=(*prism3.INPUTS, ADMISSION_SOURCE, CPR_BEFORE_ADMISSION, CANCER, LOW_RISK_SYSTEM),
    components=COMPONENTS,
    missing_rule=(
        "Age and admission source are required. A physiological value not measured scores 0 PRISM III points "
        "(assumed normal); unknown CPR, cancer and low-risk system count as no."
    ),
    missing_rule_zh="年龄和入院来源为必填。未测量的生理值计0个PRISM III分（假定正常）；未知的心肺复苏、肿瘤和低风险系统按“否”计。",
    mortality=logistic(pl.col(TOTAL_COLUMN)),
    extras={
        "prism3_neurologic": prism3.neurologic_points(),
        "prism3_nonneurologic": prism3.nonneurologic_points(),
        "prism3_total": prism3.neurologic_points() + prism3.nonneurologic_points(),
    },
    notes=(
        "total is the PRISM IV logit (sum of the terms, constant included); predicted_mortality is the "
        "probability of death before hospital discharge."
    ),
)
