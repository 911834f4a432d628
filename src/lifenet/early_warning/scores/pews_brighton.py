"""Brighton Paediatric Early Warning Score (Brighton PEWS), in its widely used modified form.

Source: Monaghan A. Detecting and managing deterioration in children. Paediatr Nurs
2005;17(1):32-35 (the Brighton chart: behaviour, cardiovascular and respiratory domains, each
0-3, and 2 extra points each for quarter-hourly nebulisers and for persistent vomiting after
surgery). The modified form with explicit oxygen cut-offs (30%/3 L/min, 40%/6 L/min,
50%/8 L/min) is the one reproduced by Tucker et al. (J Spec Pediatr Nurs 2009;14:79-85) and
Akre et al. (Pediatrics 2010;125:e763-9). Total 0-13.

Each domain scores the highest row any of its criteria reaches ("score the worst"). Heart and
respiratory rate are scored against the site's normal range for age, given as inputs: the chart
itself says only "above normal", and normal ranges differ between hospitals.
"""

from __future__ import annotations

import polars as pl

from lifenet.early_warning.scores.base import (
    Band,
    Component,
    ScoreDefinition,
    ScoreInput,
    banded,
    choice_points,
    flag,
)

BEHAVIOUR = {"playing": 0.0, "sleeping": 1.0, "irritable": 2.0, "lethargic": 3.0}
SKIN_COLOUR = {"pink": 0.0, "pale": 1.0, "grey": 2.0, "grey_mottled": 3.0}
WORK_OF_BREATHING = {
    "normal": 0.0,
    "accessory_muscles": 1.0,
    "recession_or_tracheal_tug": 2.0,
    "sternal_recession_tug_or_grunting": 3.0,
}

# Capillary refill: 1-2 s 0; 3 s 1; 4 s 2; 5 s or more 3.
CAPILLARY_REFILL = (Band(5, None, 3), Band(4, None, 2), Band(3, None, 1))
# Heart rate above the upper limit of normal (beats/min): 20 above 2; 30 above 3.
TACHYCARDIA = (Band(30, None, 3), Band(20, None, 2))
# Respiratory rate above the upper limit of normal: ">10 above" 1; ">20 above" 2.
TACHYPNOEA = (Band(20, None, 2, lower_inclusive=False), Band(10, None, 1, lower_inclusive=False))
# Respiratory rate 5 or more below the lower limit of normal: 3.
BRADYPNOEA = (Band(5, None, 3),)
# Oxygen: 30%+ or 3+ L/min 1; 40%+ or 6+ L/min 2; 50% or 8+ L/min 3.
FIO2 = (Band(0.5, None, 3), Band(0.4, None, 2), Band(0.3, None, 1))
OXYGEN_FLOW = (Band(8, None, 3), Band(6, None, 2), Band(3, None, 1))


def beyond_normal(rate: str, limit: str, *, above: bool) -> pl.Expr:
    """How far ``rate`` lies above the upper (or below the lower) limit of normal; null if unknown."""
    return pl.col(rate) - pl.col(limit) if above else pl.col(limit) - pl.col(rate)


BRADYCARDIA = pl.when(pl.col("heart_rate") < pl.col("heart_rate_normal_low")).then(pl.lit(3.0)).otherwise(0.0)


INPUTS = (
    ScoreInput(
        "behaviour",
        "Behaviour",
        "行为",
        kind="choice",
        choices=tuple(BEHAVIOUR),
        help_en="playing/appropriate; sleeping; irritable; lethargic/confused or reduced response to pain.",
        help_zh="playing 玩耍/正常；sleeping 睡眠；irritable 烦躁；lethargic 嗜睡/意识混乱或对疼痛反应减弱。",
    ),
    ScoreInput(
        "skin_colour",
        "Skin colour",
        "皮肤颜色",
        kind="choice",
        choices=tuple(SKIN_COLOUR),
        help_en="pink; pale; grey; grey and mottled.",
        help_zh="pink 红润；pale 苍白；grey 灰暗；grey_mottled 灰暗伴花斑。",
    ),
    ScoreInput(
        "capillary_refill_s", "Capillary refill time", "毛细血管再充盈时间", unit="s", minimum=0, maximum=20
    ),
    ScoreInput("heart_rate", "Heart rate", "心率", unit="/min", minimum=20, maximum=300),
    ScoreInput(
        "heart_rate_normal_low",
        "Heart rate, lower limit of normal for age",
        "同龄心率正常下限",
        unit="/min",
        minimum=20,
        maximum=250,
        help_en="From the site's normal-range table for the child's age; below it counts as bradycardia.",
        help_zh="取自本院年龄别正常值表；低于此值视为心动过缓。",
    ),
    ScoreInput(
        "heart_rate_normal_high",
        "Heart rate, upper limit of normal for age",
        "同龄心率正常上限",
        unit="/min",
        minimum=40,
        maximum=250,
        help_en="From the site's normal-range table for the child's age.",
        help_zh="取自本院年龄别正常值表。",
    ),
    ScoreInput("respiratory_rate", "Respiratory rate", "呼吸频率", unit="/min", minimum=1, maximum=150),
    ScoreInput(
        "respiratory_rate_normal_low",
        "Respiratory rate, lower limit of normal for age",
        "同龄呼吸频率正常下限",
        unit="/min",
        minimum=5,
        maximum=80,
        help_en="From the site's normal-range table for the child's age.",
        help_zh="取自本院年龄别正常值表。",
    ),
    ScoreInput(
        "respiratory_rate_normal_high",
        "Respiratory rate, upper limit of normal for age",
        "同龄呼吸频率正常上限",
        unit="/min",
        minimum=10,
        maximum=100,
        help_en="From the site's normal-range table for the child's age.",
        help_zh="取自本院年龄别正常值表。",
    ),
    ScoreInput(
        "work_of_breathing",
        "Work of breathing",
        "呼吸做功",
        kind="choice",
        choices=tuple(WORK_OF_BREATHING),
        help_en="normal; accessory muscles; recession or tracheal tug; sternal recession, tug or grunting.",
        help_zh="normal 正常；accessory_muscles 辅助呼吸肌参与；recession_or_tracheal_tug 吸气凹陷或气管牵拉；"
        "sternal_recession_tug_or_grunting 胸骨凹陷、气管牵拉或呻吟。",
    ),
    ScoreInput(
        "fio2",
        "Inspired oxygen fraction (FiO2)",
        "吸入氧浓度（FiO2）",
        unit="fraction",
        minimum=0.21,
        maximum=1.0,
        help_en="As a fraction 0.21-1.0 (30% = 0.30).",
        help_zh="以小数填写（0.21-1.0，30%即0.30）。",
    ),
    ScoreInput("oxygen_flow_l_min", "Oxygen flow", "氧流量", unit="L/min", minimum=0, maximum=80),
    ScoreInput(
        "quarter_hourly_nebulisers",
        "Nebulisers every 15 minutes (or continuous)",
        "每15分钟（或持续）雾化",
        kind="boolean",
    ),
    ScoreInput(
        "persistent_postoperative_vomiting",
        "Persistent vomiting after surgery",
        "术后持续呕吐",
        kind="boolean",
    ),
)

COMPONENTS = (
    Component(
        "behaviour_points",
        "Behaviour",
        "行为",
        choice_points("behaviour", BEHAVIOUR),
        explain_en="Playing 0, sleeping 1, irritable 2, lethargic/confused or reduced response to pain 3.",
        explain_zh="玩耍0分，睡眠1分，烦躁2分，嗜睡/意识混乱或对疼痛反应减弱3分。",
    ),
    Component(
        "cardiovascular_points",
        "Cardiovascular",
        "心血管",
        pl.max_horizontal(
            choice_points("skin_colour", SKIN_COLOUR),
            banded("capillary_refill_s", CAPILLARY_REFILL),
            banded(beyond_normal("heart_rate", "heart_rate_normal_high", above=True), TACHYCARDIA),
            BRADYCARDIA,
        ),
        explain_en=(
            "Worst of: pale or refill 3 s (1); grey, refill 4 s or heart rate 20 above normal (2); "
            "grey and mottled, refill 5 s or more, heart rate 30 above normal or bradycardia (3)."
        ),
        explain_zh=(
            "取最重者：苍白或再充盈3秒（1分）；灰暗、再充盈4秒或心率高于正常上限20次（2分）；"
            "灰暗伴花斑、再充盈≥5秒、心率高于正常上限30次或心动过缓（3分）。"
        ),
    ),
    Component(
        "respiratory_points",
        "Respiratory",
        "呼吸",
        pl.max_horizontal(
            choice_points("work_of_breathing", WORK_OF_BREATHING),
            banded(beyond_normal("respiratory_rate", "respiratory_rate_normal_high", above=True), TACHYPNOEA),
            banded(beyond_normal("respiratory_rate", "respiratory_rate_normal_low", above=False), BRADYPNOEA),
            banded("fio2", FIO2),
            banded("oxygen_flow_l_min", OXYGEN_FLOW),
        ),
        explain_en=(
            "Worst of: rate >10 above normal, accessory muscles, FiO2 0.30+ or 3+ L/min (1); rate >20 above "
            "normal, recession or tug, FiO2 0.40+ or 6+ L/min (2); rate 5 or more below normal, sternal "
            "recession, tug or grunting, FiO2 0.50+ or 8+ L/min (3)."
        ),
        explain_zh=(
            "取最重者：呼吸频率高于正常上限>10次、辅助呼吸肌参与、FiO2≥0.30或≥3 L/min（1分）；高于正常上限>20次、"
            "吸气凹陷或气管牵拉、FiO2≥0.40或≥6 L/min（2分）；低于正常下限≥5次、胸骨凹陷、气管牵拉或呻吟、"
            "FiO2≥0.50或≥8 L/min（3分）。"
        ),
    ),
    Component(
        "nebuliser_points",
        "Quarter-hourly nebulisers",
        "每15分钟雾化",
        flag("quarter_hourly_nebulisers", 2),
        explain_en="2 extra points.",
        explain_zh="另加2分。",
    ),
    Component(
        "postoperative_vomiting_points",
        "Persistent post-operative vomiting",
        "术后持续呕吐",
        flag("persistent_postoperative_vomiting", 2),
        explain_en="2 extra points.",
        explain_zh="另加2分。",
    ),
)

DEFINITION = ScoreDefinition(
    name="pews_brighton",
    title_en="Brighton Paediatric Early Warning Score (modified Brighton PEWS)",
    title_zh="布莱顿儿科早期预警评分（改良 Brighton PEWS）",
    source=(
        "Monaghan A. Detecting and managing deterioration in children. Paediatr Nurs 2005;17(1):32-35; "
        "modified form as in Akre M et al. Pediatrics 2010;125(4):e763-e769"
    ),
    licence=(
        "Published clinical chart, widely reproduced in hospital policies and journal articles; no licence "
        "terms were found. Cite Monaghan 2005."
    ),
    population="Hospitalised children on general paediatric wards (Royal Alexandra Children's Hospital, Brighton).",
    population_zh="普通儿科病房的住院患儿（布莱顿皇家亚历山德拉儿童医院）。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule=(
        "A missing item scores 0 (treated as normal). A heart or respiratory rate is scored only against a "
        "normal limit that is given: without the limit the rate criterion adds nothing."
    ),
    missing_rule_zh="缺失的项目计0分（视为正常）。心率或呼吸频率只对照已给出的正常上限计分：没有上限时，该频率标准不加分。",
    notes=(
        "Scored per observation time; total 0-13. Monaghan's algorithm as usually quoted: 0-2 routine care, "
        "3-5 more frequent assessment, 7-9 rapid response team; each site sets its own escalation thresholds."
    ),
    per_time=True,
)
