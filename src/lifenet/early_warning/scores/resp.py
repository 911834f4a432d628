"""RESP: Respiratory ECMO Survival Prediction score (adult respiratory ECMO).

Source: Schmidt M, Bailey M, Sheldrake J, Hodgson C, Aubron C, Rycus PT, Scheinkestel C, Cooper DJ,
Brodie D, Pellegrino V, Combes A, Pilcher D. Predicting survival after extracorporeal membrane
oxygenation for severe acute respiratory failure. The Respiratory Extracorporeal Membrane
Oxygenation Survival Prediction (RESP) score. Am J Respir Crit Care Med 2014;189(11):1374-1382.

Points and risk classes as in shared/references/clinical-scores.md section 2.7 (checked against the
public ``bogie/vv-ecmo-dashboard`` tables). The score adds a constant of -2 to every patient, as
the brief for this module specifies; that constant is not in the reference notes nor in the public
calculators we could read, so docs/scores/resp.md states it as the reading taken.

Higher scores mean better survival. The paper gives observed in-hospital survival by risk class
(derivation cohort), not a probability equation, so this score has no ``predicted_mortality``:
the class survival is the extra ``risk_class_observed_survival``.
"""

from __future__ import annotations

from lifenet.early_warning.scores.base import (
    Band,
    Component,
    ScoreDefinition,
    ScoreInput,
    banded,
    choice_points,
    class_figure,
    constant_component,
    flag,
    risk_class,
    yes_no,
)

# ----- point tables (the only copy) ---------------------------------------------------------
# Age in years: "18-49" = 0, "50-59" = -2, ">= 60" = -3 (completed years, so 49.9 is still 49).
AGE_BANDS = (
    Band(None, 50, 0),
    Band(50, 60, -2),
    Band(60, None, -3),
)

# Ventilation before ECMO in hours: "< 48 h" = 3, "48 h to 7 days" = 1, "> 7 days" = 0.
HOURS_PER_WEEK = 7 * 24
MV_HOURS_BANDS = (
    Band(None, 48, 3),
    Band(48, HOURS_PER_WEEK, 1, upper_inclusive=True),
    Band(HOURS_PER_WEEK, None, 0, lower_inclusive=False),
)

DIAGNOSIS_POINTS: dict[str, float] = {
    "viral_pneumonia": 3,
    "bacterial_pneumonia": 3,
    "asthma": 11,
    "trauma_burn": 3,
    "aspiration_pneumonitis": 5,
    "other_acute_respiratory": 1,
    "non_respiratory_or_chronic": 0,
}

IMMUNOCOMPROMISED_POINTS = -2
CNS_DYSFUNCTION_POINTS = -7
NON_PULMONARY_INFECTION_POINTS = -3
NEUROMUSCULAR_BLOCKADE_POINTS = 1
NITRIC_OXIDE_POINTS = -1
BICARBONATE_INFUSION_POINTS = -2
CARDIAC_ARREST_POINTS = -2
PACO2_BANDS = (Band(75, None, -1),)  # PaCO2 >= 75 mmHg (10 kPa)
PIP_BANDS = (Band(42, None, -1),)  # peak inspiratory pressure >= 42 cmH2O
CONSTANT = -2

# Risk classes: name, lowest total in the class, observed in-hospital survival (Schmidt 2014).
RISK_CLASSES: tuple[tuple[str, float | None, float], ...] = (
    ("I", 6, 0.92),
    ("II", 3, 0.76),
    ("III", -1, 0.57),
    ("IV", -5, 0.33),
    ("V", None, 0.18),
)


INPUTS = (
    ScoreInput(
        "age_years",
        "Age",
        "年龄",
        unit="years",
        minimum=18,
        maximum=120,
        required=True,
        help_en="Adult score: ages under 18 are outside its population and are refused.",
        help_zh="成人评分:18 岁以下不在适用人群内,将被拒绝。",
    ),
    yes_no(
        "immunocompromised",
        "Immunocompromised",
        "免疫功能低下",
        "Haematological malignancy, solid tumour, solid-organ transplant, HIV or cirrhosis.",
        "血液系统恶性肿瘤、实体瘤、实体器官移植、HIV 感染或肝硬化。",
    ),
    ScoreInput(
        "mv_hours",
        "Mechanical ventilation before ECMO",
        "ECMO 前机械通气时间",
        unit="hours",
        minimum=0,
        maximum=24 * 365,
        required=True,
        help_en="Hours of invasive ventilation before ECMO (7 days = 168 h).",
        help_zh="ECMO 前有创机械通气小时数(7 天 = 168 小时)。",
    ),
    ScoreInput(
        "diagnosis",
        "Acute respiratory diagnosis group",
        "急性呼吸系统诊断分组",
        kind="choice",
        choices=tuple(DIAGNOSIS_POINTS),
        required=True,
        help_en=(
            "Choose one: viral_pneumonia; bacterial_pneumonia; asthma; trauma_burn; "
            "aspiration_pneumonitis; other_acute_respiratory; non_respiratory_or_chronic."
        ),
        help_zh=(
            "单选:viral_pneumonia = 病毒性肺炎;bacterial_pneumonia = 细菌性肺炎;asthma = 哮喘;"
            "trauma_burn = 创伤或烧伤;aspiration_pneumonitis = 吸入性肺炎;"
            "other_acute_respiratory = 其他急性呼吸系统疾病;non_respiratory_or_chronic = "
            "非呼吸系统或慢性呼吸系统疾病。"
        ),
    ),
    yes_no(
        "cns_dysfunction",
        "Central nervous system dysfunction",
        "中枢神经系统功能障碍",
        "Neurotrauma, stroke, encephalopathy, cerebral embolism, seizure or epilepsy.",
        "神经创伤、脑卒中、脑病、脑栓塞、癫痫发作或癫痫综合征。",
    ),
    yes_no(
        "non_pulmonary_infection",
        "Acute associated non-pulmonary infection",
        "急性合并肺外感染",
        "Bacterial, viral, parasitic or fungal infection not involving the lung.",
        "未累及肺部的细菌、病毒、寄生虫或真菌感染。",
    ),
    yes_no("neuromuscular_blockade", "Neuromuscular blockade before ECMO", "ECMO 前使用神经肌肉阻滞剂"),
    yes_no("nitric_oxide", "Inhaled nitric oxide before ECMO", "ECMO 前吸入一氧化氮"),
    yes_no("bicarbonate_infusion", "Bicarbonate infusion before ECMO", "ECMO 前输注碳酸氢钠"),
    yes_no("cardiac_arrest", "Cardiac arrest before ECMO", "ECMO 前心搏骤停"),
    ScoreInput(
        "paco2",
        "Pre-ECMO PaCO2",
        "ECMO 前动脉血二氧化碳分压(PaCO2)",
        unit="mmHg",
        minimum=5,
        maximum=250,
        help_en="75 mmHg or more scores -1 (10 kPa = 75 mmHg).",
        help_zh="≥75 mmHg 计 -1 分(10 kPa = 75 mmHg)。",
    ),
    ScoreInput(
        "peak_inspiratory_pressure",
        "Pre-ECMO peak inspiratory pressure",
        "ECMO 前吸气峰压",
        unit="cmH2O",
        minimum=0,
        maximum=80,
        help_en="42 cmH2O or more scores -1.",
        help_zh="≥42 cmH2O 计 -1 分。",
    ),
)

COMPONENTS = (
    Component("age", "Age", "年龄", banded("age_years", AGE_BANDS)),
    Component(
        "immunocompromised",
        "Immunocompromised",
        "免疫功能低下",
        flag("immunocompromised", IMMUNOCOMPROMISED_POINTS),
    ),
    Component(
        "mechanical_ventilation",
        "Ventilation before ECMO",
        "ECMO 前机械通气时间",
        banded("mv_hours", MV_HOURS_BANDS),
    ),
    Component(
        "diagnosis",
        "Acute respiratory diagnosis",
        "急性呼吸系统诊断",
        choice_points("diagnosis", DIAGNOSIS_POINTS),
    ),
    Component(
        "cns_dysfunction",
        "CNS dysfunction",
        "中枢神经系统功能障碍",
        flag("cns_dysfunction", CNS_DYSFUNCTION_POINTS),
    ),
    Component(
        "non_pulmonary_infection",
        "Non-pulmonary infection",
        "肺外感染",
        flag("non_pulmonary_infection", NON_PULMONARY_INFECTION_POINTS),
    ),
    Component(
        "neuromuscular_blockade",
        "Neuromuscular blockade",
        "神经肌肉阻滞剂",
        flag("neuromuscular_blockade", NEUROMUSCULAR_BLOCKADE_POINTS),
    ),
    Component("nitric_oxide", "Nitric oxide", "吸入一氧化氮", flag("nitric_oxide", NITRIC_OXIDE_POINTS)),
    Component(
        "bicarbonate_infusion",
        "Bicarbonate infusion",
        "输注碳酸氢钠",
        flag("bicarbonate_infusion", BICARBONATE_INFUSION_POINTS),
    ),
    Component("cardiac_arrest", "Cardiac arrest", "心搏骤停", flag("cardiac_arrest", CARDIAC_ARREST_POINTS)),
    Component("paco2", "PaCO2 >= 75 mmHg", "动脉血二氧化碳分压 ≥ 75 mmHg", banded("paco2", PACO2_BANDS)),
    Component(
        "peak_inspiratory_pressure",
        "Peak inspiratory pressure >= 42 cmH2O",
        "吸气峰压 ≥ 42 cmH2O",
        banded("peak_inspiratory_pressure", PIP_BANDS),
    ),
    constant_component(CONSTANT),
)

DEFINITION = ScoreDefinition(
    name="resp",
    title_en="RESP score (Respiratory ECMO Survival Prediction)",
    title_zh="RESP 评分(呼吸 ECMO 生存预测评分)",
    source=(
        "Schmidt M, Bailey M, Sheldrake J, et al. Predicting survival after extracorporeal membrane "
        "oxygenation for severe acute respiratory failure. The Respiratory Extracorporeal Membrane "
        "Oxygenation Survival Prediction (RESP) score. Am J Respir Crit Care Med 2014;189(11):1374-1382."
    ),
    licence=(
        "Published point score implemented from the paper's table; no licence restriction found. "
        "Research and benchmarking use, not a selection rule for ECMO."
    ),
    population=(
        "Adults (18 years and over) on ECMO for severe acute respiratory failure (ELSO registry "
        "2000-2012). In a pediatric network use it only for patients aged 18 or more."
    ),
    population_zh="因重症急性呼吸衰竭接受ECMO的成人（18岁及以上；ELSO登记 2000–2012）。在儿科网络中仅用于18岁及以上的患者。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule=(
        "Age, ventilation hours and diagnosis group are required. A missing yes/no item counts as no; "
        "a missing PaCO2 or peak inspiratory pressure scores 0 (below the threshold)."
    ),
    missing_rule_zh="年龄、通气小时数和诊断组为必填。缺失的是/否项目按“否”计；PaCO2或吸气峰压缺失计0分（低于阈值）。",
    extras={
        "risk_class": risk_class(RISK_CLASSES),
        "risk_class_observed_survival": class_figure(RISK_CLASSES),
    },
    notes=(
        "Higher totals mean better survival. risk_class_observed_survival is the observed in-hospital "
        "survival of the class in the derivation cohort (Schmidt 2014), not a model probability."
    ),
)
