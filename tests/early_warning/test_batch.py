"""Long-format batch scoring: worst-in-window, per-time carry-forward, refusals with reasons.

The toy score below is built here so every expected number can be counted by hand; the last
tests run the real SAPS-I and SOFA definitions and compare with their single-patient path.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from lifenet.early_warning.batch import DEFAULT_MAX_AGE, DerivedParameter, score_observations
from lifenet.early_warning.scores import get_score
from lifenet.early_warning.scores.base import Band, Component, ScoreDefinition, ScoreInput, banded, flag

HR_BANDS = (Band(None, 40, 3), Band(40, 100, 0), Band(100, 150, 1), Band(150, None, 2))

TOY = ScoreDefinition(
    name="toy",
    title_en="Toy score",
    title_zh="示例评分",
    source="test",
    licence="test",
    population="test",
    inputs=(
        ScoreInput("hr", "Heart rate", "心率", unit="/min", minimum=1, maximum=300),
        ScoreInput("urine", "Urine output", "尿量", unit="mL", minimum=0, maximum=10000),
        ScoreInput("ratio", "PaO2/FiO2", "氧合指数", unit="mmHg", minimum=10, maximum=800),
        ScoreInput("vent", "Ventilated", "机械通气", kind="boolean"),
        ScoreInput("age", "Age", "年龄", unit="years", minimum=0, maximum=120),
    ),
    components=(
        Component("hr_points", "Heart rate", "心率", banded("hr", HR_BANDS)),
        Component("urine_points", "Urine", "尿量", banded("urine", (Band(None, 500, 2),))),
        Component("ratio_points", "P/F", "氧合指数", banded("ratio", (Band(None, 200, 2),))),
        Component("vent_points", "Ventilated", "机械通气", flag("vent", 3)),
        Component("age_points", "Age", "年龄", banded("age", (Band(65, None, 1),))),
    ),
)

PAO2 = ScoreInput("pao2", "PaO2", "动脉血氧分压", unit="mmHg", minimum=10, maximum=800)
FIO2 = ScoreInput("fio2", "FiO2", "吸入氧浓度", unit="fraction", minimum=0.21, maximum=1.0)
PF = DerivedParameter(
    "ratio", (PAO2, FIO2), pl.col("pao2") / pl.col("fio2"), max_age={"fio2": dt.timedelta(hours=6)}
)


def observations(rows: list[tuple[str, float, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["patient_id", "time", "parameter", "value"], orient="row")


def scored_row(frame: pl.DataFrame, patient: str) -> dict[str, object]:
    return frame.filter(pl.col("patient_id") == patient).row(0, named=True)


def test_window_keeps_the_worst_side_of_each_component() -> None:
    # HR 35 (3 points, low side) and 160 (2 points, high side): the worst is the low side.
    obs = observations([("a", 0, "hr", 35), ("a", 2, "hr", 160), ("a", 5, "hr", 80)])
    result = score_observations(TOY, obs, window=dt.timedelta(hours=24))
    row = scored_row(result.scored, "a")
    assert row["hr_points"] == 3
    assert row["hr"] == 35  # the value that explains the points
    assert row["total"] == 3


def test_values_after_the_window_are_not_scored() -> None:
    obs = observations([("a", 0, "hr", 80), ("a", 25, "hr", 30)])
    in_day = score_observations(TOY, obs, window=dt.timedelta(hours=24), start="zero")
    assert scored_row(in_day.scored, "a")["hr_points"] == 0
    whole = score_observations(TOY, obs)
    assert scored_row(whole.scored, "a")["hr_points"] == 3


def test_window_starts_at_each_patients_first_observation_by_default() -> None:
    obs = observations([("a", 10, "hr", 80), ("a", 33, "hr", 30), ("b", 0, "hr", 80), ("b", 33, "hr", 30)])
    result = score_observations(TOY, obs, window=dt.timedelta(hours=24))
    assert scored_row(result.scored, "a")["hr_points"] == 3  # 33 h is 23 h after a's first row
    assert scored_row(result.scored, "b")["hr_points"] == 0


def test_window_end_can_be_closed_or_open() -> None:
    obs = observations([("a", 0, "hr", 80), ("a", 24, "hr", 30)])
    closed = score_observations(TOY, obs, window=dt.timedelta(hours=24), start="zero")
    opened = score_observations(TOY, obs, window=dt.timedelta(hours=24), start="zero", window_closed="left")
    assert scored_row(closed.scored, "a")["hr_points"] == 3
    assert scored_row(opened.scored, "a")["hr_points"] == 0


def test_volumes_are_summed_over_the_window_when_asked() -> None:
    obs = observations([("a", 1, "urine", 200), ("a", 5, "urine", 200), ("a", 9, "urine", 200)])
    summed = score_observations(TOY, obs, window=dt.timedelta(hours=24), aggregations={"urine": "sum"})
    assert scored_row(summed.scored, "a")["urine"] == 600
    assert scored_row(summed.scored, "a")["urine_points"] == 0
    extremes = score_observations(TOY, obs, window=dt.timedelta(hours=24))
    assert scored_row(extremes.scored, "a")["urine_points"] == 2


def test_unknown_parameters_are_dropped_with_a_reason_and_the_rest_is_scored() -> None:
    obs = observations([("a", 0, "hr", 160), ("a", 1, "lactate", 4.0)])
    result = score_observations(TOY, obs, window=dt.timedelta(hours=24))
    assert scored_row(result.scored, "a")["total"] == 2
    assert result.dropped.select("parameter", "reason").rows() == [
        ("lactate", "unknown parameter lactate (not read by toy)")
    ]


def test_impossible_values_are_dropped_naming_the_parameter_and_the_rule() -> None:
    obs = observations([("a", 0, "hr", 0), ("a", 1, "hr", 400), ("a", 2, "hr", 120)])
    result = score_observations(TOY, obs, window=dt.timedelta(hours=24))
    reasons = result.dropped["reason"].to_list()
    assert reasons[0].startswith("hr: below the plausible minimum 1")
    assert reasons[1].startswith("hr: above the plausible maximum 300")
    assert scored_row(result.scored, "a")["hr_points"] == 1


def test_descriptors_give_per_patient_inputs_and_bad_ones_drop_the_patient() -> None:
    obs = observations([("a", 0, "hr", 80), ("b", 0, "hr", 80)])
    desc = pl.DataFrame({"patient_id": ["a", "b", "c"], "age": [70.0, -3.0, 30.0]})
    result = score_observations(TOY, obs, desc, window=dt.timedelta(hours=24))
    assert sorted(result.scored["patient_id"]) == ["a", "c"]  # c has no observations: all normal
    assert scored_row(result.scored, "a")["age_points"] == 1
    refused = result.dropped.filter(pl.col("patient_id") == "b")
    assert refused["reason"].to_list() == ["age: below the plausible minimum 0 years (got -3.0)"]


def test_per_time_descriptors_reach_each_patients_rows_whatever_the_order() -> None:
    # Observations interleaved and out of order, descriptors in another order, one patient
    # without descriptors: each row gets its own patient's age.
    rows = [
        ("b", 1, "hr", 80),
        ("a", 0, "hr", 80),
        ("c", 0, "hr", 80),
        ("b", 0, "hr", 80),
        ("a", 1, "hr", 80),
    ]
    desc = pl.DataFrame({"patient_id": ["c", "a", "b"], "age": [30.0, 70.0, 66.0]})
    result = score_observations(TOY, observations(rows), desc, per_time=True)
    assert result.scored.select("patient_id", "time", "age", "total").rows() == [
        ("a", 0.0, 70.0, 1.0),
        ("a", 1.0, 70.0, 1.0),
        ("b", 0.0, 66.0, 1.0),
        ("b", 1.0, 66.0, 1.0),
        ("c", 0.0, 30.0, 0.0),
    ]
    missing = score_observations(
        TOY, observations(rows), desc.filter(pl.col("patient_id") != "b"), per_time=True
    )
    assert missing.scored.filter(pl.col("patient_id") == "b")["age"].to_list() == [None, None]


@pytest.mark.parametrize("per_time", [False, True])
def test_descriptor_rows_of_a_patient_are_merged_and_a_disagreement_refuses_the_patient(
    per_time: bool,
) -> None:
    obs = observations([("a", 0, "hr", 80), ("b", 0, "hr", 80), ("c", 0, "hr", 80)])
    desc = pl.DataFrame(
        {
            "patient_id": ["a", "a", "b", "b", "c", "c"],
            "age": [70.0, 71.0, 30.0, 30.0, None, 66.0],  # a: two ages; b: repeated; c: given once
        }
    )
    window = None if per_time else dt.timedelta(hours=24)
    result = score_observations(TOY, obs, desc, per_time=per_time, window=window)
    assert result.scored.select("patient_id", "age", "age_points").rows() == [("b", 30.0, 0), ("c", 66.0, 1)]
    assert result.dropped.select("patient_id", "reason").rows() == [
        ("a", "age: different values for one patient (70.0, 71.0)")
    ]


def test_yes_no_inputs_count_when_seen_once_in_the_window() -> None:
    obs = observations([("a", 3, "vent", 1), ("a", 4, "hr", 80)])
    assert (
        scored_row(score_observations(TOY, obs, window=dt.timedelta(hours=24)).scored, "a")["vent_points"]
        == 3
    )


def test_derived_ratio_pairs_each_pao2_with_the_last_fio2_within_its_max_age() -> None:
    obs = observations(
        [
            ("a", 0, "fio2", 1.0),
            ("a", 1, "pao2", 150),  # 150 / 1.0 = 150 -> 2 points
            ("b", 0, "fio2", 1.0),
            ("b", 7, "pao2", 150),  # FiO2 is 7 h old (> 6 h): no ratio
            ("c", 0, "pao2", 90),  # PaO2 drawn before any FiO2: no ratio
            ("c", 2, "fio2", 0.5),
        ]
    )
    result = score_observations(TOY, obs, window=dt.timedelta(hours=24), derived=(PF,))
    assert scored_row(result.scored, "a")["ratio"] == 150
    assert scored_row(result.scored, "a")["ratio_points"] == 2
    assert scored_row(result.scored, "b")["ratio"] is None
    assert scored_row(result.scored, "c")["ratio"] is None


def test_derived_values_outside_the_inputs_range_are_dropped_with_a_reason() -> None:
    obs = observations([("a", 0, "fio2", 0.21), ("a", 0, "pao2", 500)])  # ratio 2381
    result = score_observations(TOY, obs, window=dt.timedelta(hours=24), derived=(PF,))
    assert result.dropped["reason"].to_list()[0].startswith("ratio: above the plausible maximum 800")


def test_per_time_mode_carries_values_forward_for_at_most_the_max_age() -> None:
    obs = observations([("a", 0, "hr", 160), ("a", 2, "urine", 100), ("a", 5, "urine", 100)])
    result = score_observations(TOY, obs, per_time=True, max_age=dt.timedelta(hours=4))
    rows = result.scored.sort("time").select("time", "hr", "hr_points", "total").rows()
    assert rows == [(0.0, 160.0, 2.0, 2.0), (2.0, 160.0, 2.0, 4.0), (5.0, None, 0.0, 2.0)]


def test_per_time_mode_gives_one_row_per_time_and_the_highest_of_values_charted_together() -> None:
    obs = observations(
        [
            ("a", 0, "hr", 90),
            ("a", 1, "hr", 120),  # two heart rates at 1 h: the higher counts
            ("a", 1, "urine", 300),
            ("a", 1, "hr", 160),
            ("a", 2, "urine", 600),  # alone at its time
            ("b", 2, "hr", 30),  # another patient at the same time: its own row
            ("b", 2, "hr", 20),
            ("b", 3, "urine", 100),  # a's heart rate is not carried into b
        ]
    )
    result = score_observations(TOY, obs, per_time=True)
    rows = result.scored.sort("patient_id", "time").select("patient_id", "time", "hr", "urine").rows()
    assert rows == [
        ("a", 0.0, 90.0, None),
        ("a", 1.0, 160.0, 300.0),
        ("a", 2.0, 160.0, 600.0),
        ("b", 2.0, 30.0, None),
        ("b", 3.0, 30.0, 100.0),
    ]


def test_rows_out_of_time_order_are_scored_as_if_sorted() -> None:
    rows = [("b", 3, "hr", 30), ("a", 2, "urine", 100), ("a", 0, "hr", 160), ("b", 1, "hr", 120)]
    shuffled = score_observations(TOY, observations(rows), per_time=True)
    ordered = score_observations(TOY, observations(sorted(rows)), per_time=True)
    assert shuffled.scored.equals(ordered.scored)
    assert shuffled.scored.select("patient_id", "time", "total").rows() == [
        ("a", 0.0, 2.0),
        ("a", 2.0, 4.0),
        ("b", 1.0, 1.0),
        ("b", 3.0, 3.0),
    ]


def test_interleaved_patients_are_scored_as_if_sorted() -> None:
    # Each patient's times ascend, but the patients' rows are not one block each.
    rows = [("a", 0, "hr", 160), ("b", 0, "hr", 30), ("a", 1, "hr", 120), ("b", 1, "urine", 100)]
    result = score_observations(TOY, observations(rows), per_time=True)
    assert result.scored.select("patient_id", "time", "total").rows() == [
        ("a", 0.0, 2.0),
        ("a", 1.0, 1.0),
        ("b", 0.0, 3.0),
        ("b", 1.0, 5.0),
    ]


@pytest.mark.parametrize("per_time", [False, True])
def test_an_observation_without_a_time_is_dropped_with_a_reason(per_time: bool) -> None:
    obs = observations([("a", 0, "hr", 160), ("a", None, "hr", 30), ("a", float("nan"), "hr", 30)])  # type: ignore[list-item]
    result = score_observations(
        TOY, obs, per_time=per_time, window=None if per_time else dt.timedelta(hours=24)
    )
    assert result.dropped["reason"].to_list() == ["hr: time is missing", "hr: time is missing"]
    assert result.scored["hr_points"].to_list() == [2]


def test_per_time_default_max_age_is_four_hours() -> None:
    assert DEFAULT_MAX_AGE == dt.timedelta(hours=4)


def test_datetime_times_work_like_hours() -> None:
    t0 = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    obs = pl.DataFrame(
        {
            "patient_id": ["a", "a"],
            "time": [t0, t0 + dt.timedelta(hours=30)],
            "parameter": ["hr", "hr"],
            "value": [80.0, 30.0],
        }
    )
    result = score_observations(TOY, obs, window=dt.timedelta(hours=24))
    assert scored_row(result.scored, "a")["hr_points"] == 0
    per_time = score_observations(TOY, obs, per_time=True)
    assert per_time.scored["hr_points"].to_list() == [0, 3]


def test_a_custom_total_is_computed_from_the_worst_components() -> None:
    doubled = ScoreDefinition(**{**TOY.__dict__, "name": "doubled", "total": pl.col("hr_points") * 2})
    obs = observations([("a", 0, "hr", 35), ("a", 1, "hr", 160)])
    assert scored_row(score_observations(doubled, obs).scored, "a")["total"] == 6


def test_real_scores_match_their_single_patient_path_on_the_worst_values() -> None:
    sofa = get_score("sofa")
    obs = observations(
        [
            ("p", 0, "platelets", 140),
            ("p", 6, "platelets", 45),
            ("p", 1, "gcs", 14),
            ("p", 8, "gcs", 9),
            ("p", 2, "creatinine", 1.3),
            ("p", 3, "urine_output", 150),
            ("p", 9, "urine_output", 150),
            ("p", 4, "map", 62),
        ]
    )
    result = score_observations(
        sofa, obs, window=dt.timedelta(hours=24), aggregations={"urine_output": "sum"}
    )
    expected = sofa.score_one({"platelets": 45, "gcs": 9, "creatinine": 1.3, "urine_output": 300, "map": 62})
    row = scored_row(result.scored, "p")
    assert row["total"] == expected.total == 3 + 3 + 3 + 1
    assert {c: row[c] for c in expected.components} == expected.components


@pytest.mark.parametrize("score", ["saps1", "sofa"])
def test_a_patient_with_no_observations_but_descriptors_scores_only_the_descriptors(score: str) -> None:
    definition = get_score(score)
    obs = observations([("x", 0, "gcs", 15)])
    desc = pl.DataFrame({"patient_id": ["y"]})
    result = score_observations(definition, obs, desc, window=dt.timedelta(hours=24))
    assert scored_row(result.scored, "y")["total"] == 0


@pytest.mark.parametrize("per_time", [False, True])
def test_a_missing_required_input_refuses_the_patient_with_a_reason(per_time: bool) -> None:
    inputs = tuple(
        ScoreInput(
            i.name, i.label_en, i.label_zh, unit=i.unit, minimum=i.minimum, maximum=i.maximum, required=True
        )
        if i.name == "age"
        else i
        for i in TOY.inputs
    )
    needs_age = ScoreDefinition(**{**TOY.__dict__, "name": "needs_age", "inputs": inputs})
    obs = observations([("a", 0, "hr", 80), ("b", 0, "hr", 80)])
    desc = pl.DataFrame({"patient_id": ["a"], "age": [40.0]})
    result = score_observations(needs_age, obs, desc, per_time=per_time, window=None)
    assert result.scored["patient_id"].to_list() == ["a"]
    assert result.dropped.filter(pl.col("patient_id") == "b")["reason"].to_list() == [
        "age: required input is missing"
    ]


def test_a_window_sum_outside_the_inputs_range_refuses_the_patient() -> None:
    obs = observations(
        [("a", 1, "urine", 4000), ("a", 5, "urine", 4000), ("a", 9, "urine", 4000), ("b", 1, "hr", 80)]
    )
    result = score_observations(TOY, obs, window=dt.timedelta(hours=24), aggregations={"urine": "sum"})
    assert result.scored["patient_id"].to_list() == ["b"]
    reasons = result.dropped.filter(pl.col("patient_id") == "a")["reason"].to_list()
    assert reasons == ["urine: above the plausible maximum 10000 mL (got 12000.0)"]
