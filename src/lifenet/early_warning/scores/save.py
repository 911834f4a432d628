"""SAVE: Survival After Veno-arterial ECMO score (adult VA-ECMO for refractory cardiogenic shock).

Source: Schmidt M, Burrell A, Roberts L, Bailey M, Sheldrake J, Rycus PT, Hodgson C, Scheinkestel C,
Cooper DJ, Thiagarajan RR, Brodie D, Pellegrino V, Pilcher D. Predicting survival after ECMO for
refractory cardiogenic shock: the survival after veno-arterial-ECMO (SAVE)-score. Eur Heart J
2015;36(33):2246-2256.

Points as in shared/references/clinical-scores.md section 2.8 (checked against the public
``bogie/vv-ecmo-dashboard`` table). Two readings are ours, explained in docs/scores/save.md:

* the constant -6 is added to every total. The reference notes could not confirm it, but two
  independent public sources state it (calcmd.com's SAVE page, and an ANZICS-registry R analysis
  that subtracts 6 from every SAVE score), the published total range -35 to +17 is only reachable
  with it, and published cohorts report SAVE means of -3.2 and -8.3, which fit it;
  ``bogie/vv-ecmo-dashboard`` omits it (a bug there, not repeated);
* the class I/II boundary is the paper's "> 5" / "1 to 5" (Evidencio shows ">= 5" / "1 to 4";
  the two differ only at a total of exactly 5).

Higher scores mean better survival. The paper gives observed in-hospital survival by risk class,
not a probability equation, so there is no ``predicted_mortality``; the class survival is the extra
``risk_class_observed_survival``.
"""

from __future__ import annotations

from lifenet.early_warning.scores.base import (
    Band,
    Component,
    ScoreDefinition,
    ScoreInput,
    banded,
    class_figure,
    constant_component,
    flag,
    risk_class,
    yes_no,
)

# ----- point tables (the only copy) ---------------------------------------------------------
# Age in completed years: "18-38" = 7, "39-52" = 4, "53-62" = 3, ">= 63" = 0.
AGE_BANDS = (
    Band(None, 39, 7),
    Band(39, 53, 4),
    Band(53, 63, 3),
    Band(63, None, 0),
)

# Weight in kg: "< 65" = 1, "65-89" = 2, ">= 90" = 0.
WEIGHT_BANDS = (
    Band(None, 65, 1),
    Band(65, 90, 2),
    Band(90, None, 0),
)

# Diagnosis group of the cardiogenic shock: select one or more (each adds its points).
MYOCARDITIS_POINTS = 3
REFRACTORY_VT_VF_POINTS = 2
HEART_LUNG_TRANSPLANT_POINTS = 3
CONGENITAL_HEART_DISEASE_POINTS = -3

ACUTE_RENAL_FAILURE_POINTS = -3
CHRONIC_RENAL_FAILURE_POINTS = -6
LIVER_FAILURE_POINTS = -3
CNS_DYSFUNCTION_POINTS = -3
CARDIAC_ARREST_POINTS = -2

# Intubation before ECMO in hours: "< 11" = 0, "11-29" = -2, ">= 30" = -4.
INTUBATION_HOURS_BANDS = (
    Band(None, 11, 0),
    Band(11, 30, -2),
    Band(30, None, -4),
)

PIP_BANDS = (Band(None, 20, 3, upper_inclusive=True),)  # peak inspiratory pressure <= 20 cmH2O
DIASTOLIC_BANDS = (Band(40, None, 3),)  # diastolic blood pressure >= 40 mmHg
PULSE_PRESSURE_BANDS = (Band(None, 20, -2, upper_inclusive=True),)  # pulse pressure <= 20 mmHg
HCO3_BANDS = (Band(None, 15, -3, upper_inclusive=True),)  # bicarbonate <= 15 mmol/L
CONSTANT = -6

# Risk classes: name, lowest total in the class, observed in-hospital survival (Schmidt 2015).
RISK_CLASSES: tuple[tuple[str, float | None, float], ...] = (
    ("I", 6, 0.75),  # "> 5"
    ("II", 1, 0.58),  # "1 to 5"
    ("III", -4, 0.42),  # "-4 to 0"
    ("IV", -9, 0.30),  # "-9 to -5"
    ("V", None, 0.18),  # "<= -10"
)


WORST_6H_EN = "Worst value in the 6 hours before cannulation."
WORST_6H_ZH = "插管前 6 小时内的最差值。"

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
    ScoreInput(
        "weight_kg",
        "Weight",
        "体重",
        unit="kg",
        minimum=20,
        maximum=350,
        required=True,
    ),
    yes_no("myocarditis", "Acute myocarditis", "急性心肌炎"),
    yes_no(
        "refractory_vt_vf",
        "Refractory VT/VF",
        "难治性室性心动过速/心室颤动",
    ),
    yes_no("heart_lung_transplant", "Post heart or lung transplantation", "心脏或肺移植术后"),
    yes_no("congenital_heart_disease", "Congenital heart disease", "先天性心脏病"),
    yes_no(
        "acute_renal_failure",
        "Pre-ECMO acute renal failure",
        "ECMO 前急性肾衰竭",
        "Acute renal insufficiency, e.g. creatinine > 1.5 mg/dL (132.6 µmol/L), with or without RRT.",
        "急性肾功能不全,如肌酐 > 1.5 mg/dL(132.6 µmol/L),无论是否行肾脏替代治疗。",
    ),
    yes_no(
        "chronic_renal_failure",
        "Chronic renal failure",
        "慢性肾衰竭",
        "Kidney damage or GFR < 60 mL/min/1.73 m² for 3 months or more.",
        "肾脏损伤或 GFR < 60 mL/min/1.73 m² 持续 ≥ 3 个月。",
    ),
    yes_no(
        "liver_failure",
        "Pre-ECMO liver failure",
        "ECMO 前肝衰竭",
        "Bilirubin ≥ 33 µmol/L (1.9 mg/dL) or ALT or AST > 70 U/L.",
        "胆红素 ≥ 33 µmol/L(1.9 mg/dL)或 ALT/AST > 70 U/L。",
    ),
    yes_no(
        "cns_dysfunction",
        "Pre-ECMO CNS dysfunction",
        "ECMO 前中枢神经系统功能障碍",
        "Neurotrauma, stroke, encephalopathy, cerebral embolism, seizure or epilepsy.",
        "神经创伤、脑卒中、脑病、脑栓塞、癫痫发作或癫痫综合征。",
    ),
    ScoreInput(
        "intubation_hours",
        "Intubation before ECMO",
        "ECMO 前气管插管时间",
        unit="hours",
        minimum=0,
        maximum=24 * 365,
        required=True,
        help_en="Hours intubated before ECMO; 0 if not intubated.",
        help_zh="ECMO 前气管插管小时数;未插管填 0。",
    ),
    ScoreInput(
        "peak_inspiratory_pressure",
        "Pre-ECMO peak inspiratory pressure",
        "ECMO 前吸气峰压",
        unit="cmH2O",
        minimum=0,
        maximum=80,
        help_en="20 cmH2O or less scores +3; leave empty if not ventilated (scores 0).",
        help_zh="≤ 20 cmH2O 计 +3 分;未行机械通气则留空(计 0 分)。",
    ),
    yes_no("cardiac_arrest", "Pre-ECMO cardiac arrest", "ECMO 前心搏骤停"),
    ScoreInput(
        "diastolic_bp",
        "Pre-ECMO diastolic blood pressure",
        "ECMO 前舒张压",
        unit="mmHg",
        minimum=0,
        maximum=200,
        help_en=WORST_6H_EN + " 40 mmHg or more scores +3.",
        help_zh=WORST_6H_ZH + "≥ 40 mmHg 计 +3 分。",
    ),
    ScoreInput(
        "pulse_pressure",
        "Pre-ECMO pulse pressure",
        "ECMO 前脉压",
        unit="mmHg",
        minimum=0,
        maximum=200,
        help_en=WORST_6H_EN + " 20 mmHg or less scores -2.",
        help_zh=WORST_6H_ZH + "≤ 20 mmHg 计 -2 分。",
    ),
    ScoreInput(
        "hco3",
        "Pre-ECMO bicarbonate (HCO3)",
        "ECMO 前碳酸氢根(HCO3)",
        unit="mmol/L",
        minimum=1,
        maximum=60,
        help_en=WORST_6H_EN + " 15 mmol/L or less scores -3.",
        help_zh=WORST_6H_ZH + "≤ 15 mmol/L 计 -3 分。",
    ),
)

COMPONENTS = (
    Component("age", "Age", "年龄", banded("age_years", AGE_BANDS)),
    Component("weight", "Weight", "体重", banded("weight_kg", WEIGHT_BANDS)),
    Component("myocarditis", "Acute myocarditis", "急性心肌炎", flag("myocarditis", MYOCARDITIS_POINTS)),
    Component(
        "refractory_vt_vf",
        "Refractory VT/VF",
        "难治性室速/室颤",
        flag("refractory_vt_vf", REFRACTORY_VT_VF_POINTS),
    ),
    Component(
        "heart_lung_transplant",
        "Post heart or lung transplantation",
        "心脏或肺移植术后",
        flag("heart_lung_transplant", HEART_LUNG_TRANSPLANT_POINTS),
    ),
    Component(
        "congenital_heart_disease",
        "Congenital heart disease",
        "先天性心脏病",
        flag("congenital_heart_disease", CONGENITAL_HEART_DISEASE_POINTS),
    ),
    Component(
        "acute_renal_failure",
        "Acute renal failure",
        "急性肾衰竭",
        flag("acute_renal_failure", ACUTE_RENAL_FAILURE_POINTS),
    ),
    Component(
        "chronic_renal_failure",
        "Chronic renal failure",
        "慢性肾衰竭",
        flag("chronic_renal_failure", CHRONIC_RENAL_FAILURE_POINTS),
    ),
    Component("liver_failure", "Liver failure", "肝衰竭", flag("liver_failure", LIVER_FAILURE_POINTS)),
    Component(
        "cns_dysfunction",
        "CNS dysfunction",
        "中枢神经系统功能障碍",
        flag("cns_dysfunction", CNS_DYSFUNCTION_POINTS),
    ),
    Component(
        "intubation",
        "Intubation before ECMO",
        "ECMO 前气管插管时间",
        banded("intubation_hours", INTUBATION_HOURS_BANDS),
    ),
    Component(
        "peak_inspiratory_pressure",
        "Peak inspiratory pressure <= 20 cmH2O",
        "吸气峰压 ≤ 20 cmH2O",
        banded("peak_inspiratory_pressure", PIP_BANDS),
    ),
    Component("cardiac_arrest", "Cardiac arrest", "心搏骤停", flag("cardiac_arrest", CARDIAC_ARREST_POINTS)),
    Component(
        "diastolic_bp",
        "Diastolic pressure >= 40 mmHg",
        "舒张压 ≥ 40 mmHg",
        banded("diastolic_bp", DIASTOLIC_BANDS),
    ),
    Component(
        "pulse_pressure",
        "Pulse pressure <= 20 mmHg",
        "脉压 ≤ 20 mmHg",
        banded("pulse_pressure", PULSE_PRESSURE_BANDS),
    ),
    Component("hco3", "HCO3 <= 15 mmol/L", "碳酸氢根 ≤ 15 mmol/L", banded("hco3", HCO3_BANDS)),
    constant_component(CONSTANT),
)

DEFINITION = ScoreDefinition(
    name="save",
    title_en="SAVE score (Survival After Veno-arterial ECMO)",
    title_zh="SAVE 评分(静脉-动脉 ECMO 后生存评分)",
    source=(
        "Schmidt M, Burrell A, Roberts L, et al. Predicting survival after ECMO for refractory "
        "cardiogenic shock: the survival after veno-arterial-ECMO (SAVE)-score. "
        "Eur Heart J 2015;36(33):2246-2256."
    ),
    licence=(
        "Published point score implemented from the paper's table; no licence restriction found. "
        "Research and benchmarking use, not a selection rule for ECMO."
    ),
    population=(
        "Adults (18 years and over) on veno-arterial ECMO for refractory cardiogenic shock (ELSO "
        "registry 2003-2013). In a pediatric network use it only for patients aged 18 or more."
    ),
    population_zh="因难治性心源性休克接受静脉-动脉ECMO的成人（18岁及以上；ELSO登记 2003–2013）。在儿科网络中仅用于18岁及以上的患者。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule=(
        "Age, weight and intubation hours are required. A missing yes/no item counts as no; a missing "
        "peak inspiratory pressure, diastolic pressure, pulse pressure or HCO3 scores 0."
    ),
    missing_rule_zh="年龄、体重和插管小时数为必填。缺失的是/否项目按“否”计；吸气峰压、舒张压、脉压或HCO3缺失计0分。",
    extras={
        "risk_class": risk_class(RISK_CLASSES),
        "risk_class_observed_survival": class_figure(RISK_CLASSES),
    },
    notes=(
        "Higher totals mean better survival. The total includes the constant -6. "
        "risk_class_observed_survival is the observed in-hospital survival of the class in the "
        "derivation cohort (Schmidt 2015), not a model probability."
    ),
)
