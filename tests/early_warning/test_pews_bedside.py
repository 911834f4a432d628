"""Bedside PEWS (Parshuram et al., Crit Care 2009;13:R135, Table 1).

The cut-offs below are typed again from Table 1 of the paper
(https://ccforum.biomedcentral.com/articles/10.1186/cc7998/tables/1), written as the paper
writes them, so that the module's table is checked against an independent transcription.
Every cut-off is tested on both sides, in the youngest and oldest age of every age group.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lifenet.early_warning.scores import get_score
from lifenet.early_warning.scores.base import ScoreInputError, ScoreResult

PEWS = get_score("pews_bedside")

# Youngest and oldest age (months) of each age group: 0 to <3 mo, 3 to <12 mo, 1-4 y, >4-12 y, >12 y.
AGE_GROUP_EDGES = {
    "0 to <3 months": (0, 2.99),
    "3 to <12 months": (3, 11.99),
    "1-4 years": (12, 48),
    ">4-12 years": (48.01, 144),
    ">12 years": (144.01, 216),
}

# Table 1: (1 point, 2 points, 4 points), each "high or low" as printed.
TABLE_1 = {
    "heart_rate": {
        "0 to <3 months": (">=150 <=110", ">=180 <=90", ">=190 <=80"),
        "3 to <12 months": (">=150 <=100", ">=170 <=80", ">=180 <=70"),
        "1-4 years": (">=120 <=90", ">=150 <=70", ">=170 <=60"),
        ">4-12 years": (">=110 <=70", ">=130 <=60", ">150 <=50"),
        ">12 years": (">=100 <=60", ">=120 <50", ">=140 <=40"),
    },
    "systolic_bp": {
        "0 to <3 months": (">=80 <=60", ">=100 <=50", ">=130 <=45"),
        "3 to <12 months": (">=100 <=80", ">=120 <=70", ">=150 <=60"),
        "1-4 years": (">=110 <=90", ">=125 <=75", ">=160 <=65"),
        ">4-12 years": (">=120 <=90", ">=140 <=80", ">=170 <=70"),
        ">12 years": (">=130 <=100", ">=150 <=85", ">=190 <=75"),
    },
    "respiratory_rate": {
        "0 to <3 months": (">=61 <=29", ">=81 <=19", ">=91 <=15"),
        "3 to <12 months": (">=51 <=24", ">=71 <=19", ">=81 <=15"),
        "1-4 years": (">=41 <=19", ">=61 <=15", ">=71 <=12"),
        ">4-12 years": (">=31 <=19", ">=41 <=14", ">=51 <=10"),
        ">12 years": (">=17 <=11", ">=23 <=10", ">=30 <=9"),
    },
}
COMPONENT_OF = {
    "heart_rate": "heart_rate_points",
    "systolic_bp": "systolic_bp_points",
    "respiratory_rate": "respiratory_rate_points",
}


def score(**values: Any) -> ScoreResult:
    return PEWS.score_one(values)


def edge_values(row: tuple[str, str, str]) -> Iterator[tuple[float, float]]:
    """(value, expected points) on both sides of every cut-off of one Table 1 row."""
    previous = {"high": 0.0, "low": 0.0}
    for points, cell in zip((1.0, 2.0, 4.0), row, strict=True):
        for side, cut in zip(("high", "low"), cell.split(), strict=True):
            op, value = cut.rstrip("0123456789"), float(cut.lstrip("<>="))
            inside, outside = {
                ">=": (value, value - 1),
                ">": (value + 1, value),
                "<=": (value, value + 1),
                "<": (value - 1, value),
            }[op]
            yield inside, points
            yield outside, previous[side]
            previous[side] = points


VITAL_SIGN_CASES = [
    pytest.param(item, age, value, points, id=f"{item}-{group}-age{age}-{value:g}")
    for item, groups in TABLE_1.items()
    for group, row in groups.items()
    for age in AGE_GROUP_EDGES[group]
    for value, points in edge_values(row)
]


@pytest.mark.parametrize(("item", "age", "value", "points"), VITAL_SIGN_CASES)
def test_vital_sign_points_change_exactly_at_table_1_cut_offs(
    item: str, age: float, value: float, points: float
) -> None:
    assert score(age_months=age, **{item: value}).components[COMPONENT_OF[item]] == points


@pytest.mark.parametrize(
    ("age", "heart_rate", "points"),
    [(2.99, 100, 1), (3, 100, 1), (2.99, 105, 1), (3, 105, 0), (11.99, 95, 1), (12, 95, 0)]
    + [(48, 115, 0), (48.01, 115, 1), (144, 105, 0), (144.01, 105, 1)],
)
def test_age_group_edges_choose_the_right_row(age: float, heart_rate: float, points: float) -> None:
    # 4 years exactly is "1-4 years"; 12 years exactly is ">4-12 years" (Table 1 wording).
    assert score(age_months=age, heart_rate=heart_rate).components["heart_rate_points"] == points


@pytest.mark.parametrize(("seconds", "points"), [(0, 0), (2.99, 0), (3, 4), (8, 4)])
def test_capillary_refill_of_3_seconds_or_more_scores_4(seconds: float, points: float) -> None:
    assert score(age_months=24, capillary_refill_s=seconds).components["capillary_refill_points"] == points


@pytest.mark.parametrize(
    ("spo2", "points"), [(100, 0), (95, 0), (94.9, 1), (94, 1), (91, 1), (90.5, 1), (90, 2), (70, 2)]
)
def test_spo2_91_to_94_scores_1_and_90_or_less_scores_2(spo2: float, points: float) -> None:
    assert score(age_months=24, spo2=spo2).components["spo2_points"] == points


@pytest.mark.parametrize(
    ("effort", "points"), [("normal", 0), ("mild", 1), ("moderate", 2), ("severe_or_apnoea", 4), (None, 0)]
)
def test_respiratory_effort_scores_1_2_or_4(effort: str | None, points: float) -> None:
    assert score(age_months=24, respiratory_effort=effort).components["respiratory_effort_points"] == points


OXYGEN_CASES = [
    ({"oxygen_therapy": "room_air"}, 0),
    ({"oxygen_therapy": "low"}, 2),
    ({"oxygen_therapy": "high"}, 4),
    ({"oxygen_flow_l_min": 0}, 0),
    ({"oxygen_flow_l_min": 0.5}, 2),
    ({"oxygen_flow_l_min": 3.99}, 2),
    ({"oxygen_flow_l_min": 4}, 4),
    ({"fio2": 0.21}, 0),
    ({"fio2": 0.25}, 2),
    ({"fio2": 0.49}, 2),
    ({"fio2": 0.5}, 4),
    ({"oxygen_therapy": "low", "fio2": 0.6}, 4),  # the worst description wins
    ({"oxygen_therapy": "high", "oxygen_flow_l_min": 1}, 4),
]


@pytest.mark.parametrize(("values", "points"), OXYGEN_CASES)
def test_oxygen_below_4_l_min_and_50_percent_scores_2_otherwise_4(
    values: dict[str, Any], points: float
) -> None:
    assert score(age_months=24, **values).components["oxygen_therapy_points"] == points


# --- worked examples (added up by hand from Table 1) ----------------------------------------
def test_worked_example_toddler_with_tachycardia_and_tachypnoea() -> None:
    # 2 years: HR 180 (>=170) 4; RR 60 (>=41, <61) 1. Total 5.
    result = score(age_months=24, heart_rate=180, respiratory_rate=60)
    assert result.components["heart_rate_points"] == 4
    assert result.components["respiratory_rate_points"] == 1
    assert result.total == 5


def test_worked_example_infant_with_bronchiolitis() -> None:
    # 5 months: HR 165 (>=150) 1; SBP 95 0; CRT 2 s 0; RR 72 (>=71) 2; moderate effort 2;
    # SpO2 93% 1; oxygen 1 L/min 2. Total 8, the cut-off studied in the paper.
    result = score(
        age_months=5, heart_rate=165, systolic_bp=95, capillary_refill_s=2, respiratory_rate=72,
        respiratory_effort="moderate", spo2=93, oxygen_flow_l_min=1,
    )  # fmt: skip
    assert result.components == {
        "heart_rate_points": 1, "systolic_bp_points": 0, "capillary_refill_points": 0,
        "respiratory_rate_points": 2, "respiratory_effort_points": 2, "spo2_points": 1,
        "oxygen_therapy_points": 2,
    }  # fmt: skip
    assert result.total == 8


def test_the_worst_possible_observation_scores_26() -> None:
    result = score(
        age_months=100, heart_rate=200, systolic_bp=60, capillary_refill_s=5, respiratory_rate=60,
        respiratory_effort="severe_or_apnoea", spo2=80, oxygen_therapy="high",
    )  # fmt: skip
    assert result.total == 26


def test_a_well_child_with_only_age_scores_zero() -> None:
    assert score(age_months=30).total == 0


def test_the_score_is_per_observation_time() -> None:
    assert PEWS.per_time is True


# --- refused inputs ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "bad_input", "rule"),
    [
        ({"age_months": 24, "spo2": 140}, "spo2", "maximum"),
        ({"age_months": 24, "heart_rate": 0}, "heart_rate", "minimum"),
        ({"age_months": -1}, "age_months", "minimum"),
        ({"age_months": 24, "fio2": 21}, "fio2", "maximum"),
        ({"age_months": 24, "respiratory_rate": 0}, "respiratory_rate", "minimum"),
        ({"age_months": 24, "respiratory_effort": "terrible"}, "respiratory_effort", "choice"),
        ({"heart_rate": 100}, "age_months", "required"),
    ],
)
def test_impossible_values_are_refused_naming_the_input(
    values: dict[str, Any], bad_input: str, rule: str
) -> None:
    with pytest.raises(ScoreInputError) as refused:
        score(**values)
    assert [(p.input, p.rule) for p in refused.value.problems] == [(bad_input, rule)]
    assert bad_input in str(refused.value)
