"""pSOFA (Matics & Sanchez-Pinto, JAMA Pediatr 2017;171:e172352, Table 1).

No published test vectors exist (clinical-scores.md §3.3, §4). Every table below is the paper's
Table 1 as tabulated in ../shared/references/clinical-scores.md §3.3, tested on both sides of
each cut-off; the worked examples are added up by hand from the same table. Two regression tests
guard against the bugs found in the public R implementation ljwoodley/psofa.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifenet.early_warning.scores import get_score
from lifenet.early_warning.scores.base import ScoreInputError, ScoreResult

PSOFA = get_score("psofa")


def score(**values: Any) -> ScoreResult:
    values.setdefault("age_months", 60)
    return PSOFA.score_one(values)


# --- respiratory ------------------------------------------------------------------------------
PF_EDGES = [
    # (PaO2 with FiO2 0.5, on respiratory support, points); P/F = 2 x PaO2
    (200, False, 0),  # 400
    (199.99, False, 1),
    (150, False, 1),  # 300
    (149.99, False, 2),
    (100, True, 2),  # 200
    (99.99, True, 3),
    (99.99, False, 2),  # <200 without support stays at 2
    (50, True, 3),  # 100
    (49.99, True, 4),
    (49.99, False, 2),
]


@pytest.mark.parametrize(("pao2", "support", "points"), PF_EDGES)
def test_pf_ratio_points_change_at_400_300_200_and_100(pao2: float, support: bool, points: int) -> None:
    result = score(pao2=pao2, fio2=0.5, respiratory_support=support)
    assert result.components["respiratory"] == points
    assert result.extras["respiratory_source"] == "pf"


SF_EDGES = [
    # (SpO2 with FiO2 0.25, on support, points); S/F = 4 x SpO2
    (73, False, 0),  # 292
    (72.99, False, 1),
    (66, False, 1),  # 264
    (65.99, False, 2),
    (55.25, True, 2),  # 221
    (55.24, True, 3),
    (55.24, False, 2),
    (37, True, 3),  # 148
    (36.99, True, 4),
    (36.99, False, 2),
]


@pytest.mark.parametrize(("spo2", "support", "points"), SF_EDGES)
def test_sf_ratio_points_change_at_292_264_221_and_148(spo2: float, support: bool, points: int) -> None:
    result = score(spo2=spo2, fio2=0.25, respiratory_support=support)
    assert result.components["respiratory"] == points
    assert result.extras["respiratory_source"] == "sf"


def test_sf_ratio_is_not_used_above_97_percent_saturation() -> None:
    assert score(spo2=97, fio2=1.0, respiratory_support=True).components["respiratory"] == 4
    result = score(spo2=98, fio2=1.0, respiratory_support=True)
    assert result.components["respiratory"] == 0
    assert result.extras["sf_ratio"] is None


def test_pf_ratio_is_preferred_when_both_ratios_are_available() -> None:
    result = score(pao2=220, spo2=90, fio2=0.5, respiratory_support=True)  # P/F 440, S/F 180
    assert result.extras["respiratory_source"] == "pf"
    assert result.components["respiratory"] == 0


def test_no_ratio_is_computed_without_fio2() -> None:
    result = score(pao2=50, spo2=80, respiratory_support=True)
    assert result.components["respiratory"] == 0
    assert result.extras["respiratory_source"] is None


# --- cardiovascular ----------------------------------------------------------------------------
MAP_GROUPS = [
    # (age in months, MAP threshold: 1 point below it); groups in completed months
    (0, 46),
    (0.99, 46),
    (1, 55),
    (11.99, 55),
    (12, 60),
    (23.99, 60),
    (24, 62),
    (59.99, 62),
    (60, 65),
    (143.99, 65),
    (144, 67),
    (216.99, 67),  # 216 completed months: still the 144-216 group
    (217, 70),
    (264, 70),
]


@pytest.mark.parametrize(("age", "threshold"), MAP_GROUPS)
def test_low_map_for_age_scores_one_point(age: float, threshold: float) -> None:
    assert score(age_months=age, map=threshold).components["cardiovascular"] == 0
    assert score(age_months=age, map=threshold - 0.01).components["cardiovascular"] == 1


VASOACTIVE_EDGES = [
    ({"dopamine": 0}, 0),
    ({"dopamine": 5}, 2),
    ({"dopamine": 5.01}, 3),
    ({"dopamine": 15}, 3),
    ({"dopamine": 15.01}, 4),
    ({"dobutamine": 0.5}, 2),
    ({"dobutamine": 20}, 2),
    ({"epinephrine": 0.01}, 3),
    ({"epinephrine": 0.1}, 3),
    ({"epinephrine": 0.11}, 4),
    ({"norepinephrine": 0.05}, 3),
    ({"norepinephrine": 0.1}, 3),
    ({"norepinephrine": 0.11}, 4),
    ({"dobutamine": 10, "norepinephrine": 0.2}, 4),
]


@pytest.mark.parametrize(("doses", "points"), VASOACTIVE_EDGES)
def test_vasoactive_doses_score_as_in_the_adult_sofa(doses: dict[str, float], points: int) -> None:
    assert score(**doses).components["cardiovascular"] == points


def test_dobutamine_alone_scores_two_not_three() -> None:
    # ljwoodley/psofa fills missing doses with 0 and then "epinephrine <= 0.1" gives 3 points.
    assert score(dobutamine=5).components["cardiovascular"] == 2


def test_cardiovascular_takes_the_worst_row_not_the_sum() -> None:
    assert score(age_months=60, map=40, dobutamine=5).components["cardiovascular"] == 2


def test_map_is_computed_from_blood_pressure_when_not_measured() -> None:
    result = score(age_months=60, systolic_bp=85, diastolic_bp=55)  # 55 + 30/3 = 65
    assert result.extras["map_used"] == 65
    assert result.components["cardiovascular"] == 0
    assert score(age_months=60, systolic_bp=84, diastolic_bp=55).components["cardiovascular"] == 1


# --- coagulation, hepatic, neurologic -----------------------------------------------------------
@pytest.mark.parametrize(
    ("platelets", "points"),
    [(150, 0), (149.9, 1), (100, 1), (99.9, 2), (50, 2), (49.9, 3), (20, 3), (19.9, 4)],
)
def test_platelet_points_change_at_150_100_50_and_20(platelets: float, points: int) -> None:
    assert score(platelets=platelets).components["coagulation"] == points


@pytest.mark.parametrize(
    ("bilirubin", "points"),
    [(1.19, 0), (1.2, 1), (1.99, 1), (2.0, 2), (5.99, 2), (6.0, 3), (11.99, 3), (12.0, 4)],
)
def test_bilirubin_points_change_at_1_2_2_6_and_12(bilirubin: float, points: int) -> None:
    assert score(bilirubin=bilirubin).components["hepatic"] == points


@pytest.mark.parametrize(
    ("gcs", "points"), [(15, 0), (14, 1), (13, 1), (12, 2), (10, 2), (9, 3), (6, 3), (5, 4), (3, 4)]
)
def test_gcs_points_follow_15_13_10_6(gcs: int, points: int) -> None:
    assert score(gcs=gcs).components["neurologic"] == points


# --- renal ---------------------------------------------------------------------------------------
RENAL_TABLE = [
    # (age in months, creatinine mg/dL at which 1, 2, 3, 4 points start)
    (0, (0.8, 1.0, 1.2, 1.6)),
    (6, (0.3, 0.5, 0.8, 1.2)),
    (12, (0.4, 0.6, 1.1, 1.5)),
    (24, (0.6, 0.9, 1.6, 2.3)),
    (60, (0.7, 1.1, 1.8, 2.6)),
    (144, (1.0, 1.7, 2.9, 4.2)),
    (240, (1.2, 2.0, 3.5, 5.0)),
]


@pytest.mark.parametrize(("age", "cuts"), RENAL_TABLE)
def test_creatinine_points_change_at_the_age_groups_cut_offs(
    age: float, cuts: tuple[float, float, float, float]
) -> None:
    for points, cut in enumerate(cuts, start=1):
        assert score(age_months=age, creatinine=cut).components["renal"] == points
        assert score(age_months=age, creatinine=round(cut - 0.01, 2)).components["renal"] == points - 1


def test_neonatal_creatinine_1_2_to_1_5_scores_three() -> None:
    # ljwoodley/psofa codes the neonatal 2-point band as 1.0-1.99, giving 2 here.
    assert score(age_months=0.5, creatinine=1.3).components["renal"] == 3


@pytest.mark.parametrize(
    ("age", "group_cut"),
    [(0.99, 0.8), (1, 0.3), (11.99, 0.3), (12, 0.4), (23.99, 0.4), (24, 0.6), (59.99, 0.6), (60, 0.7)]
    + [(143.99, 0.7), (144, 1.0), (216.99, 1.0), (217, 1.2)],
)
def test_renal_age_groups_change_at_their_edges(age: float, group_cut: float) -> None:
    assert score(age_months=age, creatinine=group_cut).components["renal"] == 1
    assert score(age_months=age, creatinine=round(group_cut - 0.01, 2)).components["renal"] == 0


# --- worked examples (added up by hand from Table 1) --------------------------------------------
def test_worked_example_septic_infant_on_ventilator() -> None:
    # 6-month-old: P/F 80/0.8 = 100 on support -> 3; MAP 50 < 55 and dopamine 8 -> 3;
    # platelets 45 -> 3; bilirubin 2.5 -> 2; GCS 9 -> 3; creatinine 0.9 (1-11 mo) -> 3. Total 17.
    result = score(
        age_months=6, pao2=80, fio2=0.8, respiratory_support=True, map=50, dopamine=8,
        platelets=45, bilirubin=2.5, gcs=9, creatinine=0.9,
    )  # fmt: skip
    assert result.components == {
        "respiratory": 3, "coagulation": 3, "hepatic": 2, "cardiovascular": 3, "neurologic": 3, "renal": 3,
    }  # fmt: skip
    assert result.total == 17


def test_worked_example_adolescent_with_mild_dysfunction() -> None:
    # 15-year-old on room air: S/F 94/0.21 = 447.6 -> 0; MAP 66 < 67 -> 1; platelets 140 -> 1;
    # GCS 14 -> 1; creatinine 1.0 (144-216 mo) -> 1. Total 4.
    result = score(
        age_months=180, spo2=94, fio2=0.21, map=66, platelets=140, gcs=14, creatinine=1.0, bilirubin=0.8
    )
    assert result.components == {
        "respiratory": 0, "coagulation": 1, "hepatic": 0, "cardiovascular": 1, "neurologic": 1, "renal": 1,
    }  # fmt: skip
    assert result.total == 4


def test_only_age_scores_zero() -> None:
    assert score().total == 0


# --- refused inputs -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "bad_input"),
    [
        ({"spo2": 140}, "spo2"),
        ({"fio2": 21}, "fio2"),
        ({"age_months": -1}, "age_months"),
        ({"gcs": 0}, "gcs"),
        ({"dopamine": -1}, "dopamine"),
        ({"epinephrine": 50}, "epinephrine"),
        ({"creatinine": 88}, "creatinine"),
        ({"map": 0}, "map"),
    ],
)
def test_impossible_values_are_refused_naming_the_input(values: dict[str, float], bad_input: str) -> None:
    with pytest.raises(ScoreInputError) as refused:
        score(**values)
    assert [p.input for p in refused.value.problems] == [bad_input]
    assert bad_input in str(refused.value)


def test_age_is_required() -> None:
    with pytest.raises(ScoreInputError) as refused:
        PSOFA.score_one({"gcs": 15})
    assert [(p.input, p.rule) for p in refused.value.problems] == [("age_months", "required")]
