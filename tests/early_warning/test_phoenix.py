"""Phoenix Sepsis Score and its Phoenix-8 organ systems.

Oracles:
* the authors' example data (20 children) and the scores their own ``phoenix8()`` produced for
  it: ../shared/data/phoenix-pediatric-sepsis-example/ (MIT, see SOURCE.md);
* the two clinical vignettes of the JAMA 2024 supplement (Sanchez-Pinto et al.), as coded in
  CU-DBMI-Peds/phoenix tests/clinical_vignettes.R;
* band edges from the rubric (CU-DBMI-Peds/phoenix inst/phoenix_rubric.md; Schlapbach 2024 Table).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from lifenet.early_warning.scores import get_score
from lifenet.early_warning.scores.base import ScoreInputError, ScoreResult
from tests.shared_data import SHARED_DIR

PHOENIX = get_score("phoenix")
DATA = SHARED_DIR / "data" / "phoenix-pediatric-sepsis-example"
if not DATA.exists():
    pytest.skip(f"shared data not found at {DATA} (set LIFENET_SHARED_DIR)", allow_module_level=True)
DRUGS = ("dobutamine", "dopamine", "epinephrine", "milrinone", "norepinephrine", "vasopressin")


def score(**values: Any) -> ScoreResult:
    return PHOENIX.score_one(values)


# --- the authors' reference data ---------------------------------------------------------
def reference_inputs() -> pl.DataFrame:
    """sepsis.csv mapped to our inputs exactly as SOURCE.md says the expected scores were made.

    Units already match: age months, FiO2 fraction, PaO2 and BP mmHg, SpO2 %, platelets/ANC/ALC
    10^3/µL, D-dimer mg/L FEU, fibrinogen/glucose/creatinine/bilirubin mg/dL, ALT IU/L, lactate
    mmol/L. Other respiratory support = FiO2 > 0.21; fixed pupils = "both-fixed"; MAP is left
    empty so that DBP + (SBP - DBP)/3 is used.
    """
    raw = pl.read_csv(DATA / "sepsis.csv")
    number = pl.Float64
    return raw.select(
        pl.col("pid"),
        pl.col("age").cast(number).alias("age_months"),
        pl.col("fio2").cast(number),
        pl.col("pao2").cast(number),
        pl.col("spo2").cast(number),
        (pl.col("vent") == 1).alias("invasive_ventilation"),
        (pl.col("fio2") > 0.21).alias("respiratory_support"),
        *[(pl.col(drug) == 1).alias(drug) for drug in DRUGS],
        pl.col("lactate").cast(number),
        pl.col("sbp").cast(number).alias("systolic_bp"),
        pl.col("dbp").cast(number).alias("diastolic_bp"),
        pl.col("platelets").cast(number),
        pl.col("inr").cast(number),
        pl.col("d_dimer").cast(number),
        pl.col("fibrinogen").cast(number),
        pl.col("gcs_total").cast(pl.Int64).alias("gcs"),
        (pl.col("pupil") == "both-fixed").fill_null(False).alias("pupils_bilaterally_fixed"),
        pl.col("glucose").cast(number),
        pl.col("anc").cast(number),
        pl.col("alc").cast(number),
        pl.col("creatinine").cast(number),
        pl.col("bilirubin").cast(number),
        pl.col("alt").cast(number),
    )


OUR_COLUMN_FOR = {
    "phoenix_respiratory_score": "respiratory",
    "phoenix_cardiovascular_score": "cardiovascular",
    "phoenix_coagulation_score": "coagulation",
    "phoenix_neurologic_score": "neurologic",
    "phoenix_sepsis_score": "total",
    "phoenix_sepsis": "phoenix_sepsis",
    "phoenix_septic_shock": "phoenix_septic_shock",
    "phoenix_endocrine_score": "endocrine",
    "phoenix_immunologic_score": "immunologic",
    "phoenix_renal_score": "renal",
    "phoenix_hepatic_score": "hepatic",
    "phoenix8_sepsis_score": "phoenix8_total",
}


def scored_reference() -> list[dict[str, Any]]:
    """Our scores joined to the authors' expected scores, one dict per patient."""
    ours = PHOENIX.score_frame(reference_inputs()).collect()
    expected = pl.read_csv(DATA / "expected_phoenix8_scores.csv")
    return ours.join(expected, on="pid", how="inner", validate="1:1").to_dicts()


REFERENCE_ROWS = scored_reference()


def test_all_twenty_reference_patients_are_scored() -> None:
    assert sorted(r["pid"] for r in REFERENCE_ROWS) == list(range(1, 21))


@pytest.mark.parametrize("row", REFERENCE_ROWS, ids=[f"pid{r['pid']}" for r in REFERENCE_ROWS])
def test_every_reference_patient_gets_the_authors_phoenix8_scores(row: dict[str, Any]) -> None:
    assert row["_errors"] == []
    got = {theirs: int(row[ours]) for theirs, ours in OUR_COLUMN_FOR.items()}
    want = {theirs: int(row[theirs]) for theirs in OUR_COLUMN_FOR}
    assert got == want


@pytest.mark.parametrize("row", REFERENCE_ROWS, ids=[f"pid{r['pid']}" for r in REFERENCE_ROWS])
def test_every_reference_patient_uses_the_authors_map_and_sf_ratio(row: dict[str, Any]) -> None:
    assert round(row["map_used"], 3) == pytest.approx(row["map_computed_mmHg"], abs=1e-3)
    if row["sf_ratio_used"] is None:
        assert row["sf_ratio"] is None
    else:
        assert round(row["sf_ratio"], 3) == pytest.approx(row["sf_ratio_used"], abs=1e-3)


def test_reference_data_one_patient_at_a_time_agrees_with_the_batch() -> None:
    frame = reference_inputs()
    batch = PHOENIX.score_frame(frame).collect()
    for values, scored in zip(
        frame.drop("pid").iter_rows(named=True), batch.iter_rows(named=True), strict=True
    ):
        one = PHOENIX.score_one(values)
        assert one.total == scored["total"]
        assert one.extras["phoenix8_total"] == scored["phoenix8_total"]


# --- published vignettes (JAMA 2024 supplement; clinical_vignettes.R) -------------------
def test_vignette_1_three_year_old_on_norepinephrine_has_septic_shock() -> None:
    result = score(age_months=36, norepinephrine=True, systolic_bp=67, diastolic_bp=32, platelets=95, gcs=14)
    assert result.components == {"respiratory": 0, "cardiovascular": 2, "coagulation": 1, "neurologic": 0}
    assert result.total == 3
    assert result.extras["phoenix_sepsis"] is True
    assert result.extras["phoenix_septic_shock"] is True


def test_vignette_2_ventilated_six_year_old_has_sepsis_without_shock() -> None:
    result = score(
        gcs=8, map=52, invasive_ventilation=True, spo2=92, fio2=0.45, platelets=120,
        lactate=2.9, inr=1.7, d_dimer=4.4, fibrinogen=120,
    )  # fmt: skip
    assert result.components == {"respiratory": 2, "cardiovascular": 0, "coagulation": 2, "neurologic": 1}
    assert result.total == 5
    assert result.extras["phoenix_sepsis"] is True
    assert result.extras["phoenix_septic_shock"] is False
    assert result.extras["sf_ratio"] == pytest.approx(204.444, abs=1e-3)


# --- respiratory edges ---------------------------------------------------------------------
RESPIRATORY_EDGES = [
    # (pao2, spo2, fio2, respiratory support, IMV, points)
    (200, None, 0.5, True, False, 0),  # P/F 400: not < 400
    (199.9, None, 0.5, True, False, 1),  # P/F 399.8
    (199.9, None, 0.5, False, False, 0),  # abnormal ratio without support scores nothing
    (100, None, 0.5, True, False, 1),  # P/F 200 on support but not on IMV
    (100, None, 0.5, False, True, 1),  # P/F 200 on IMV: not < 200
    (99.9, None, 0.5, False, True, 2),  # P/F 199.8 on IMV
    (99.9, None, 0.5, True, False, 1),  # P/F 199.8 without IMV stays at 1
    (50, None, 0.5, False, True, 2),  # P/F 100: not < 100
    (49.9, None, 0.5, False, True, 3),  # P/F 99.8
    (None, 73, 0.25, True, False, 0),  # S/F 292
    (None, 72.9, 0.25, True, False, 1),  # S/F 291.6
    (None, 55, 0.25, False, True, 1),  # S/F 220: not < 220
    (None, 54.9, 0.25, False, True, 2),  # S/F 219.6
    (None, 74, 0.5, False, True, 2),  # S/F 148: not < 148
    (None, 73.9, 0.5, False, True, 3),  # S/F 147.8
    (None, 87.6, 0.3, True, False, 0),  # S/F 292 again, although 87.6 / 0.3 is 291.99999999999994 in floats
    (None, 98, 1.0, False, True, 0),  # SpO2 98%: S/F not valid, even at 98 / 1.0 = 98
    (None, 97, 1.0, False, True, 3),  # SpO2 97%: valid, S/F 97
    (60, None, None, False, True, 0),  # no FiO2, no ratio
]


@pytest.mark.parametrize(("pao2", "spo2", "fio2", "support", "imv", "points"), RESPIRATORY_EDGES)
def test_respiratory_points_change_exactly_at_the_published_ratios(
    pao2: float | None, spo2: float | None, fio2: float | None, support: bool, imv: bool, points: int
) -> None:
    values = {"pao2": pao2, "spo2": spo2, "fio2": fio2, "respiratory_support": support}
    result = score(**values, invasive_ventilation=imv)
    assert result.components["respiratory"] == points


def test_an_abnormal_sf_ratio_scores_even_when_the_pf_ratio_is_normal() -> None:
    # Published ("historical") rule of the reference implementation: either ratio may score.
    result = score(pao2=250, spo2=70, fio2=0.5, invasive_ventilation=True)
    assert (result.extras["pf_ratio"], result.extras["sf_ratio"]) == (500, 140)
    assert result.components["respiratory"] == 3


# --- cardiovascular edges ------------------------------------------------------------------
MAP_GROUPS = [
    # (age in months, MAP for 0 points, MAP below which 2 points)
    (0, 31, 17),
    (0.99, 31, 17),
    (1, 39, 25),
    (11.99, 39, 25),
    (12, 44, 31),
    (23.99, 44, 31),
    (24, 45, 32),
    (59.99, 45, 32),
    (60, 49, 36),
    (143.99, 49, 36),
    (144, 52, 38),
    (216, 52, 38),
]


@pytest.mark.parametrize(("age", "normal", "severe"), MAP_GROUPS)
def test_map_points_change_at_the_age_groups_cut_offs(age: float, normal: float, severe: float) -> None:
    def map_points(value: float) -> float:
        return score(age_months=age, map=value).components["cardiovascular"]

    assert (map_points(normal), map_points(normal - 0.01)) == (0, 1)
    assert (map_points(severe), map_points(severe - 0.01)) == (1, 2)


@pytest.mark.parametrize(
    ("lactate", "points"), [(4.99, 0), (5, 1), (10.99, 1), (11, 2)]
)  # rubric: 5 <= lactate < 11 is 1 point
def test_lactate_points_change_at_5_and_11_mmol_per_litre(lactate: float, points: int) -> None:
    assert score(lactate=lactate).components["cardiovascular"] == points


@pytest.mark.parametrize(("count", "points"), [(0, 0), (1, 1), (2, 2), (6, 2)])
def test_vasoactive_points_count_drugs_up_to_two(count: int, points: int) -> None:
    values = {drug: index < count for index, drug in enumerate(DRUGS)}
    assert score(**values).components["cardiovascular"] == points


def test_map_without_age_scores_nothing_as_in_the_reference() -> None:
    assert score(map=10).components["cardiovascular"] == 0


def test_measured_map_is_preferred_to_the_computed_one() -> None:
    result = score(age_months=36, map=50, systolic_bp=60, diastolic_bp=30)
    assert result.extras["map_used"] == 50
    assert result.components["cardiovascular"] == 0


# --- coagulation, neurologic ---------------------------------------------------------------
COAGULATION_EDGES = [
    ({"platelets": 100}, 0),
    ({"platelets": 99.9}, 1),
    ({"inr": 1.3}, 0),
    ({"inr": 1.31}, 1),
    ({"d_dimer": 2}, 0),
    ({"d_dimer": 2.01}, 1),
    ({"fibrinogen": 100}, 0),
    ({"fibrinogen": 99.9}, 1),
    ({"platelets": 50, "inr": 2}, 2),
    ({"platelets": 50, "inr": 2, "d_dimer": 5, "fibrinogen": 50}, 2),  # capped at 2
]


@pytest.mark.parametrize(("values", "points"), COAGULATION_EDGES)
def test_coagulation_gives_a_point_per_abnormal_test_up_to_two(values: dict[str, float], points: int) -> None:
    assert score(**values).components["coagulation"] == points


@pytest.mark.parametrize(
    ("gcs", "fixed", "points"), [(11, False, 0), (10, False, 1), (3, False, 1), (15, True, 2), (3, True, 2)]
)
def test_neurologic_points_for_gcs_10_or_less_and_fixed_pupils(gcs: int, fixed: bool, points: int) -> None:
    assert score(gcs=gcs, pupils_bilaterally_fixed=fixed).components["neurologic"] == points


# --- Phoenix-8 organ systems ---------------------------------------------------------------
PHOENIX8_EDGES = [
    ({"glucose": 50}, "endocrine", 0),
    ({"glucose": 49.9}, "endocrine", 1),
    ({"glucose": 150}, "endocrine", 0),
    ({"glucose": 150.1}, "endocrine", 1),
    ({"anc": 0.5}, "immunologic", 0),
    ({"anc": 0.499}, "immunologic", 1),
    ({"alc": 1.0}, "immunologic", 0),
    ({"alc": 0.999}, "immunologic", 1),
    ({"bilirubin": 3.99}, "hepatic", 0),
    ({"bilirubin": 4}, "hepatic", 1),
    ({"alt": 102}, "hepatic", 0),
    ({"alt": 102.1}, "hepatic", 1),
]


@pytest.mark.parametrize(("values", "system", "points"), PHOENIX8_EDGES)
def test_phoenix8_systems_change_at_the_rubric_cut_offs(
    values: dict[str, float], system: str, points: int
) -> None:
    result = score(**values)
    assert result.extras[system] == points
    assert result.extras["phoenix8_total"] == points


RENAL_GROUPS = [
    # (age in months, creatinine mg/dL giving the point)
    (0, 0.8),
    (0.99, 0.8),
    (1, 0.3),
    (11.99, 0.3),
    (12, 0.4),
    (23.99, 0.4),
    (24, 0.6),
    (59.99, 0.6),
    (60, 0.7),
    (143.99, 0.7),
    (144, 1.0),
    (215.99, 1.0),
]


@pytest.mark.parametrize(("age", "limit"), RENAL_GROUPS)
def test_renal_point_changes_at_the_age_groups_creatinine(age: float, limit: float) -> None:
    assert score(age_months=age, creatinine=limit).extras["renal"] == 1
    assert score(age_months=age, creatinine=round(limit - 0.01, 2)).extras["renal"] == 0


def test_renal_point_stops_at_216_months_as_in_the_reference() -> None:
    assert score(age_months=216, creatinine=5).extras["renal"] == 0


def test_sepsis_needs_two_points_and_shock_a_cardiovascular_point() -> None:
    one = score(platelets=50)
    two_without_cv = score(platelets=50, inr=2)
    two_with_cv = score(platelets=50, dopamine=True)
    assert (one.extras["phoenix_sepsis"], one.extras["phoenix_septic_shock"]) == (False, False)
    assert (two_without_cv.extras["phoenix_sepsis"], two_without_cv.extras["phoenix_septic_shock"]) == (
        True,
        False,
    )
    assert (two_with_cv.extras["phoenix_sepsis"], two_with_cv.extras["phoenix_septic_shock"]) == (True, True)


def test_nothing_measured_scores_zero() -> None:
    result = score()
    assert result.total == 0 and result.extras["phoenix8_total"] == 0


# --- refused inputs ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "bad_input"),
    [
        ({"spo2": 140}, "spo2"),
        ({"fio2": 21}, "fio2"),
        ({"fio2": 0.1}, "fio2"),
        ({"age_months": -1}, "age_months"),
        ({"age_months": 240}, "age_months"),
        ({"gcs": 2}, "gcs"),
        ({"gcs": 16}, "gcs"),
        ({"platelets": -5}, "platelets"),
        ({"lactate": 100}, "lactate"),
        ({"map": 0}, "map"),
    ],
)
def test_impossible_values_are_refused_naming_the_input(values: dict[str, float], bad_input: str) -> None:
    with pytest.raises(ScoreInputError) as refused:
        score(**values)
    assert [p.input for p in refused.value.problems] == [bad_input]
    assert bad_input in str(refused.value)


def test_batch_keeps_an_impossible_row_unscored_with_its_reason() -> None:
    frame = pl.DataFrame({"spo2": [95.0, 140.0], "fio2": [0.5, 0.5]})
    out = PHOENIX.score_frame(frame).collect()
    assert out["total"].to_list() == [0.0, None]
    assert out["_errors"][1].to_list() == ["spo2: above the plausible maximum 100 % (got 140.0)"]
