"""English and Chinese labels of the choice codes score inputs use (one catalogue for all
scores: the same code means the same thing wherever it appears)."""

from __future__ import annotations

CHOICE_LABELS: dict[str, tuple[str, str]] = {
    "normal": ("Normal", "正常"),
    "mild": ("Mildly increased", "轻度增加"),
    "moderate": ("Moderately increased", "中度增加"),
    "severe_or_apnoea": ("Severely increased or apnoea", "重度增加或呼吸暂停"),
    "room_air": ("Room air", "未吸氧（空气）"),
    "low": ("Low-flow oxygen", "低流量吸氧"),
    "high": ("High-flow oxygen", "高流量吸氧"),
    "playing": ("Playing or appropriate", "玩耍/反应恰当"),
    "sleeping": ("Sleeping", "睡眠"),
    "irritable": ("Irritable", "烦躁"),
    "lethargic": ("Lethargic, confused or reduced response to pain", "嗜睡、意识模糊或疼痛反应减弱"),
    "pink": ("Pink", "红润"),
    "pale": ("Pale", "苍白"),
    "grey": ("Grey", "灰暗"),
    "grey_mottled": ("Grey and mottled", "灰暗伴花斑"),
    "accessory_muscles": ("Using accessory muscles", "辅助呼吸肌参与"),
    "recession_or_tracheal_tug": ("Recession or tracheal tug", "三凹征或气管牵拉"),
    "sternal_recession_tug_or_grunting": ("Sternal recession, tug or grunting", "胸骨凹陷、牵拉或呻吟"),
    "none": ("None", "无"),
    "bypass_cardiac": ("Cardiac surgery with bypass", "体外循环下心脏手术"),
    "non_bypass_cardiac": ("Cardiac surgery without bypass", "非体外循环心脏手术"),
    "non_cardiac": ("Non-cardiac procedure", "非心脏手术/操作"),
    "cardiac_arrest_before_icu": ("Cardiac arrest before ICU admission", "入ICU前心脏骤停"),
    "severe_combined_immunodeficiency": ("Severe combined immunodeficiency", "重症联合免疫缺陷"),
    "leukaemia_lymphoma_after_first_induction": (
        "Leukaemia or lymphoma after first induction",
        "首次诱导后的白血病或淋巴瘤",
    ),
    "spontaneous_cerebral_haemorrhage": ("Spontaneous cerebral haemorrhage", "自发性脑出血"),
    "cardiomyopathy_or_myocarditis": ("Cardiomyopathy or myocarditis", "心肌病或心肌炎"),
    "hypoplastic_left_heart_syndrome": ("Hypoplastic left heart syndrome", "左心发育不良综合征"),
    "hiv_infection": ("HIV infection", "HIV 感染"),
    "liver_failure": ("Liver failure (main reason for admission)", "肝衰竭（主要入院原因）"),
    "neurodegenerative_disorder": ("Neurodegenerative disorder", "神经退行性疾病"),
    "asthma": ("Asthma", "哮喘"),
    "bronchiolitis": ("Bronchiolitis", "毛细支气管炎"),
    "croup": ("Croup", "喉炎（哮吼）"),
    "obstructive_sleep_apnoea": ("Obstructive sleep apnoea", "阻塞性睡眠呼吸暂停"),
    "diabetic_ketoacidosis": ("Diabetic ketoacidosis", "糖尿病酮症酸中毒"),
    "bone_marrow_transplant": ("Bone marrow transplant", "骨髓移植"),
    "necrotising_enterocolitis": ("Necrotising enterocolitis", "坏死性小肠结肠炎"),
    "seizure_disorder": ("Seizure disorder", "癫痫/惊厥性疾病"),
    "VA": ("Veno-arterial (VA)", "静脉-动脉（VA）"),
    "VV": ("Veno-venous (VV)", "静脉-静脉（VV）"),
    "aspiration": ("Aspiration", "误吸"),
    "rsv": ("RSV infection", "呼吸道合胞病毒感染"),
    "sepsis_ards": ("Sepsis-induced ARDS", "脓毒症所致 ARDS"),
    "pertussis": ("Pertussis", "百日咳"),
    "other": ("Other", "其他"),
    "operating_room": ("Operating room", "手术室"),
    "another_hospital": ("Another hospital", "外院转入"),
    "inpatient_unit": ("Inpatient unit", "院内病房"),
    "emergency_department": ("Emergency department", "急诊科"),
    "viral_pneumonia": ("Viral pneumonia", "病毒性肺炎"),
    "bacterial_pneumonia": ("Bacterial pneumonia", "细菌性肺炎"),
    "trauma_burn": ("Trauma or burn", "创伤或烧伤"),
    "aspiration_pneumonitis": ("Aspiration pneumonitis", "吸入性肺炎"),
    "other_acute_respiratory": ("Other acute respiratory diagnosis", "其他急性呼吸系统诊断"),
    "non_respiratory_or_chronic": (
        "Non-respiratory or chronic respiratory diagnosis",
        "非呼吸系统或慢性呼吸系统诊断",
    ),
}


def choice_label(code: str, language: str) -> str:
    """The label of a choice code in the user's language (the code itself if unknown)."""
    labels = CHOICE_LABELS.get(code)
    if labels is None:
        return code
    return labels[1] if language.startswith("zh") else labels[0]
