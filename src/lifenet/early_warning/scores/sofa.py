"""SOFA — Sequential Organ Failure Assessment (adults).

Sources: Vincent JL, Moreno R, Takala J, et al. The SOFA (Sepsis-related Organ Failure
Assessment) score to describe organ dysfunction/failure. Intensive Care Med
1996;22(7):707–710 (the table); Ferreira FL, Bota DP, Bross A, Mélot C, Vincent JL. Serial
evaluation of the SOFA score to predict outcome in critically ill patients. JAMA
2001;286(14):1754–1758 (the use the PhysioNet/CinC Challenge 2012 cites). Table as in the
reference notes (clinical-scores.md §3.7).

Units: PaO2/FiO2 in mmHg (FiO2 as a fraction 0.21–1.0); platelets ×10³/µL (= ×10⁹/L);
bilirubin and creatinine mg/dL; urine output mL/24 h; catecholamine doses µg/kg/min
(given for at least one hour). Respiration scores 3 or 4 only *with respiratory support*
(Vincent 1996); without it P/F below 200 scores 2. Renal takes the worse of creatinine and
urine output. Cardiovascular takes the highest rule met.
"""

from __future__ import annotations

import polars as pl

from lifenet.early_warning.scores.base import Band, Component, ScoreDefinition, ScoreInput, banded

INPUTS = (
    ScoreInput(
        "pao2_fio2",
        "PaO2/FiO2 ratio",
        "氧合指数(PaO2/FiO2)",
        unit="mmHg",
        minimum=10,
        maximum=800,
        help_en="Arterial PaO2 (mmHg) divided by FiO2 as a fraction (0.21–1.0).",
        help_zh="动脉血氧分压(mmHg)除以吸入氧浓度(以小数表示，0.21–1.0)。",
    ),
    ScoreInput(
        "ventilated",
        "Respiratory support (mechanical ventilation)",
        "呼吸支持(机械通气)",
        kind="boolean",
    ),
    ScoreInput("platelets", "Platelet count", "血小板计数", unit="×10³/µL", minimum=1, maximum=2000),
    ScoreInput("bilirubin", "Total bilirubin", "总胆红素", unit="mg/dL", minimum=0.05, maximum=80),
    ScoreInput("map", "Mean arterial pressure", "平均动脉压", unit="mmHg", minimum=10, maximum=250),
    ScoreInput("dopamine", "Dopamine dose", "多巴胺剂量", unit="µg/kg/min", minimum=0, maximum=50),
    ScoreInput("dobutamine", "Dobutamine dose", "多巴酚丁胺剂量", unit="µg/kg/min", minimum=0, maximum=50),
    ScoreInput("epinephrine", "Epinephrine dose", "肾上腺素剂量", unit="µg/kg/min", minimum=0, maximum=5),
    ScoreInput(
        "norepinephrine", "Norepinephrine dose", "去甲肾上腺素剂量", unit="µg/kg/min", minimum=0, maximum=5
    ),
    ScoreInput("gcs", "Glasgow Coma Scale", "格拉斯哥昏迷评分", kind="integer", minimum=3, maximum=15),
    ScoreInput("creatinine", "Serum creatinine", "血肌酐", unit="mg/dL", minimum=0.1, maximum=30),
    ScoreInput(
        "urine_output", "Urine output over 24 h", "24小时尿量", unit="mL/24 h", minimum=0, maximum=20000
    ),
)

RESPIRATION_UNSUPPORTED = (Band(None, 300, 2), Band(300, 400, 1))
RESPIRATION_SUPPORTED = (Band(None, 100, 4), Band(100, 200, 3), Band(200, 300, 2), Band(300, 400, 1))
PLATELETS = (Band(None, 20, 4), Band(20, 50, 3), Band(50, 100, 2), Band(100, 150, 1))
BILIRUBIN = (Band(12, None, 4), Band(6, 12, 3), Band(2, 6, 2), Band(1.2, 2, 1))
GCS = (Band(None, 6, 4), Band(6, 10, 3), Band(10, 13, 2), Band(13, 15, 1))
CREATININE = (Band(5, None, 4), Band(3.5, 5, 3), Band(2, 3.5, 2), Band(1.2, 2, 1))
URINE_OUTPUT = (Band(None, 200, 4), Band(200, 500, 3))
MAP_BELOW = 70


def _respiration() -> pl.Expr:
    supported = pl.col("ventilated").fill_null(False)
    return (
        pl.when(supported)
        .then(banded("pao2_fio2", RESPIRATION_SUPPORTED))
        .otherwise(banded("pao2_fio2", RESPIRATION_UNSUPPORTED))
    )


def _dose(name: str) -> pl.Expr:
    return pl.col(name).fill_null(0.0)


def vasoactive_points() -> pl.Expr:
    """SOFA's vasoactive rule (µg/kg/min), also pSOFA's: 4, 3 or 2 points, else 0."""
    dopamine, dobutamine = _dose("dopamine"), _dose("dobutamine")
    epinephrine, norepinephrine = _dose("epinephrine"), _dose("norepinephrine")
    return (
        pl.when((dopamine > 15) | (epinephrine > 0.1) | (norepinephrine > 0.1))
        .then(pl.lit(4.0))
        .when((dopamine > 5) | (epinephrine > 0) | (norepinephrine > 0))
        .then(pl.lit(3.0))
        .when((dopamine > 0) | (dobutamine > 0))
        .then(pl.lit(2.0))
        .otherwise(pl.lit(0.0))
    )


def _cardiovascular() -> pl.Expr:
    low_map = pl.when(pl.col("map") < MAP_BELOW).then(pl.lit(1.0)).otherwise(pl.lit(0.0))
    return pl.max_horizontal(vasoactive_points(), low_map)


def _renal() -> pl.Expr:
    return pl.max_horizontal(banded("creatinine", CREATININE), banded("urine_output", URINE_OUTPUT))


COMPONENTS = (
    Component(
        "respiration",
        "Respiration",
        "呼吸系统",
        _respiration(),
        explain_en="PaO2/FiO2; 3 and 4 points only with respiratory support.",
        explain_zh="氧合指数；仅在呼吸支持下计3分或4分。",
    ),
    Component("coagulation", "Coagulation", "凝血系统", banded("platelets", PLATELETS)),
    Component("liver", "Liver", "肝脏", banded("bilirubin", BILIRUBIN)),
    Component(
        "cardiovascular",
        "Cardiovascular",
        "心血管系统",
        _cardiovascular(),
        explain_en="MAP < 70 mmHg, or the catecholamine doses (µg/kg/min).",
        explain_zh="平均动脉压 < 70 mmHg，或儿茶酚胺类药物剂量(µg/kg/min)。",
    ),
    Component("cns", "Central nervous system", "中枢神经系统", banded("gcs", GCS)),
    Component(
        "renal",
        "Renal",
        "肾脏",
        _renal(),
        explain_en="The worse of creatinine and 24-hour urine output.",
        explain_zh="取血肌酐与24小时尿量中较差者。",
    ),
)

DEFINITION = ScoreDefinition(
    name="sofa",
    title_en="SOFA — Sequential Organ Failure Assessment",
    title_zh="序贯器官衰竭评估(SOFA)",
    source="Vincent JL, Moreno R, Takala J, et al. Intensive Care Med 1996;22(7):707-710; "
    "Ferreira FL, Bota DP, Bross A, Melot C, Vincent JL. JAMA 2001;286(14):1754-1758.",
    licence="Published clinical score; the point table is a fact of the literature and free to implement.",
    population="Adult ICU patients; worst values over a day (first 24 hours for the admission score).",
    population_zh="成人ICU患者；取一天内的最差值（入科评分取前24小时）。",
    inputs=INPUTS,
    components=COMPONENTS,
    missing_rule="A missing input scores 0 points for its organ (treated as normal); missing doses mean none.",
    missing_rule_zh="缺失的输入对其器官计0分（视为正常）；缺失的剂量表示未用药。",
    notes="PaO2/FiO2 in mmHg with FiO2 as a fraction. Catecholamine doses in µg/kg/min.",
)
