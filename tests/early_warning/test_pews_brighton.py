"""Brighton PEWS (Monaghan, Paediatr Nurs 2005), modified form with oxygen cut-offs.

Oracle: the Brighton chart as printed from Monaghan 2005 (reproduced in Arch Dis Child Educ
Pract Ed, "The Brighton score", Table 4; Akre et al., Pediatrics 2010, Table 1):
behaviour 0-3; cardiovascular pink/CRT 1-2 s 0, pale/CRT 3 s 1, grey/CRT 4 s/HR 20 above normal 2,
grey and mottled/CRT >=5 s/HR 30 above normal/bradycardia 3; respiratory normal 0, >10 above
normal/accessory muscles/30%+ or 3+ L/min 1, >20 above normal/recession/tug/40%+ or 6+ L/min 2,
5 below normal/sternal recession/tug/grunting/50% or 8+ L/min 3; 2 extra points each for
quarter-hourly nebulisers and persistent post-operative vomiting.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifenet.early_warning.scores import get_score
from lifenet.early_warning.scores.base import ScoreInputError, ScoreResult

BRIGHTON = get_score("pews_brighton")

# A 2-year-old on a site chart with normal heart rate 80-140 and respiratory rate 20-30.
NORMAL_FOR_AGE = {
    "heart_rate_normal_low": 80,
    "heart_rate_normal_high": 140,
    "respiratory_rate_normal_low": 20,
    "respiratory_rate_normal_high": 30,
}


def score(**values: Any) -> ScoreResult:
    return BRIGHTON.score_one({**NORMAL_FOR_AGE, **values})


@pytest.mark.parametrize(
    ("behaviour", "points"), [("playing", 0), ("sleeping", 1), ("irritable", 2), ("lethargic", 3), (None, 0)]
)
def test_behaviour_scores_0_to_3(behaviour: str | None, points: float) -> None:
    assert score(behaviour=behaviour).components["behaviour_points"] == points


CARDIOVASCULAR_CASES = [
    ({"skin_colour": "pink"}, 0),
    ({"skin_colour": "pale"}, 1),
    ({"skin_colour": "grey"}, 2),
    ({"skin_colour": "grey_mottled"}, 3),
    ({"capillary_refill_s": 2}, 0),
    ({"capillary_refill_s": 2.99}, 0),
    ({"capillary_refill_s": 3}, 1),
    ({"capillary_refill_s": 3.99}, 1),
    ({"capillary_refill_s": 4}, 2),
    ({"capillary_refill_s": 4.99}, 2),
    ({"capillary_refill_s": 5}, 3),
    ({"heart_rate": 159}, 0),  # 19 above the upper limit 140
    ({"heart_rate": 160}, 2),  # 20 above
    ({"heart_rate": 169}, 2),
    ({"heart_rate": 170}, 3),  # 30 above
    ({"heart_rate": 80}, 0),  # at the lower limit
    ({"heart_rate": 79}, 3),  # bradycardia
    ({"skin_colour": "pale", "heart_rate": 165}, 2),  # the worst criterion wins
]


@pytest.mark.parametrize(("values", "points"), CARDIOVASCULAR_CASES)
def test_cardiovascular_scores_the_worst_criterion(values: dict[str, Any], points: float) -> None:
    assert score(**values).components["cardiovascular_points"] == points


RESPIRATORY_CASES = [
    ({"respiratory_rate": 40}, 0),  # 10 above the upper limit 30: not ">10 above"
    ({"respiratory_rate": 41}, 1),
    ({"respiratory_rate": 50}, 1),  # 20 above: not ">20 above"
    ({"respiratory_rate": 51}, 2),
    ({"respiratory_rate": 16}, 0),  # 4 below the lower limit 20
    ({"respiratory_rate": 15}, 3),  # 5 below
    ({"work_of_breathing": "normal"}, 0),
    ({"work_of_breathing": "accessory_muscles"}, 1),
    ({"work_of_breathing": "recession_or_tracheal_tug"}, 2),
    ({"work_of_breathing": "sternal_recession_tug_or_grunting"}, 3),
    ({"fio2": 0.29}, 0),
    ({"fio2": 0.3}, 1),
    ({"fio2": 0.39}, 1),
    ({"fio2": 0.4}, 2),
    ({"fio2": 0.49}, 2),
    ({"fio2": 0.5}, 3),
    ({"oxygen_flow_l_min": 2.99}, 0),
    ({"oxygen_flow_l_min": 3}, 1),
    ({"oxygen_flow_l_min": 5.99}, 1),
    ({"oxygen_flow_l_min": 6}, 2),
    ({"oxygen_flow_l_min": 7.99}, 2),
    ({"oxygen_flow_l_min": 8}, 3),
    ({"respiratory_rate": 45, "fio2": 0.45}, 2),
]


@pytest.mark.parametrize(("values", "points"), RESPIRATORY_CASES)
def test_respiratory_scores_the_worst_criterion(values: dict[str, Any], points: float) -> None:
    assert score(**values).components["respiratory_points"] == points


def test_nebulisers_and_post_operative_vomiting_add_two_each() -> None:
    assert score(quarter_hourly_nebulisers=True).total == 2
    assert score(persistent_postoperative_vomiting=True).total == 2
    assert score(quarter_hourly_nebulisers=True, persistent_postoperative_vomiting=True).total == 4


def test_a_rate_without_its_normal_limit_adds_nothing() -> None:
    result = BRIGHTON.score_one({"heart_rate": 250, "respiratory_rate": 90})
    assert result.total == 0


# --- worked examples ------------------------------------------------------------------------
def test_worked_example_wheezy_toddler_on_nebulisers() -> None:
    # Irritable 2; pale 1 but HR 165 (25 above 140) 2 -> 2; RR 52 (22 above 30) 2, FiO2 0.35 1 -> 2;
    # quarter-hourly nebulisers 2. Total 8.
    result = score(
        behaviour="irritable", skin_colour="pale", heart_rate=165, respiratory_rate=52, fio2=0.35,
        quarter_hourly_nebulisers=True,
    )  # fmt: skip
    assert result.components == {
        "behaviour_points": 2, "cardiovascular_points": 2, "respiratory_points": 2,
        "nebuliser_points": 2, "postoperative_vomiting_points": 0,
    }  # fmt: skip
    assert result.total == 8


def test_the_worst_possible_observation_scores_13() -> None:
    result = score(
        behaviour="lethargic", skin_colour="grey_mottled", work_of_breathing="sternal_recession_tug_or_grunting",
        quarter_hourly_nebulisers=True, persistent_postoperative_vomiting=True,
    )  # fmt: skip
    assert result.total == 13


def test_the_score_is_per_observation_time() -> None:
    assert BRIGHTON.per_time is True


# --- refused inputs ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "bad_input", "rule"),
    [
        ({"heart_rate": 0}, "heart_rate", "minimum"),
        ({"fio2": 40}, "fio2", "maximum"),
        ({"capillary_refill_s": -1}, "capillary_refill_s", "minimum"),
        ({"behaviour": "grumpy"}, "behaviour", "choice"),
        ({"oxygen_flow_l_min": 500}, "oxygen_flow_l_min", "maximum"),
    ],
)
def test_impossible_values_are_refused_naming_the_input(
    values: dict[str, Any], bad_input: str, rule: str
) -> None:
    with pytest.raises(ScoreInputError) as refused:
        score(**values)
    assert [(p.input, p.rule) for p in refused.value.problems] == [(bad_input, rule)]
    assert bad_input in str(refused.value)
