"""AUROC with DeLong intervals and DeLong's test, checked against pROC on its aSAH example.

Expected values: pROC (Robin et al., BMC Bioinformatics 2011;12:77), data ``aSAH`` (113
patients, outcome Good/Poor), as printed by pROC 1.19 — ``roc(aSAH$outcome, aSAH$s100b)``:
AUC 0.7314, 95% CI 0.6301–0.8326 (DeLong); AUC wfns 0.8237, ndka 0.612 (print outputs in
pROC's tests/testthat/print_output); ``roc.test`` Z and p values from pROC's
tests/testthat/test-roc.test.R. Small cases are counted by hand.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from lifenet.lib.roc import auroc, compare_auroc
from tests.shared_data import shared_path


@pytest.fixture(scope="module")
def asah() -> pl.DataFrame:
    return pl.read_csv(shared_path("data", "qi-reference", "aSAH.csv")).with_columns(
        (pl.col("outcome") == "Poor").alias("poor")
    )


# (marker, AUC, DeLong 95% CI or None when pROC documents only the AUC)
PROC_AUCS = [
    ("s100b", 0.7314, (0.6301, 0.8326)),
    ("wfns", 0.8237, None),
    ("ndka", 0.6120, None),
]


@pytest.mark.parametrize(("marker", "expected_auc", "expected_ci"), PROC_AUCS)
def test_auroc_and_delong_interval_match_proc_on_asah(
    asah: pl.DataFrame, marker: str, expected_auc: float, expected_ci: tuple[float, float] | None
) -> None:
    result = auroc(asah[marker].to_numpy(), asah["poor"].to_numpy())
    assert (result.positives, result.negatives) == (41, 72)
    assert result.auc == pytest.approx(expected_auc, abs=5e-5)
    if expected_ci is not None:
        assert (result.ci_low, result.ci_high) == pytest.approx(expected_ci, abs=5e-5)


# pROC roc.test(r1, r2) defaults (DeLong, paired, two-sided): Z, p, 95% CI of AUC1 - AUC2
PROC_TESTS = [
    ("wfns", "s100b", 2.20898359144091, 0.0271757822291882, (0.0104061769564846, 0.174214419249478)),
    ("wfns", "ndka", 2.79777591868904, 0.00514557970691098, (0.0634011709339876, 0.3600405634833566)),
    ("ndka", "s100b", -1.39077002573558, 0.164295175223054, (-0.2876917446341914, 0.0488706064228094)),
]


@pytest.mark.parametrize(("first", "second", "z", "p", "ci"), PROC_TESTS)
def test_delong_test_for_two_correlated_aucs_matches_proc(
    asah: pl.DataFrame, first: str, second: str, z: float, p: float, ci: tuple[float, float]
) -> None:
    result = compare_auroc(asah[first].to_numpy(), asah[second].to_numpy(), asah["poor"].to_numpy())
    assert result.z == pytest.approx(z, rel=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert (result.ci_low, result.ci_high) == pytest.approx(ci, rel=1e-9)


def test_swapping_the_two_scores_flips_z_and_keeps_p(asah: pl.DataFrame) -> None:
    y = asah["poor"].to_numpy()
    forward = compare_auroc(asah["wfns"].to_numpy(), asah["s100b"].to_numpy(), y)
    backward = compare_auroc(asah["s100b"].to_numpy(), asah["wfns"].to_numpy(), y)
    assert backward.z == pytest.approx(-forward.z)
    assert backward.p_value == pytest.approx(forward.p_value)


def test_identical_scores_give_z_zero_and_p_one(asah: pl.DataFrame) -> None:
    y = asah["poor"].to_numpy()
    result = compare_auroc(asah["wfns"].to_numpy(), asah["wfns"].to_numpy(), y)
    assert (result.z, result.p_value) == (0.0, 1.0)


# Hand-counted: AUC = share of (positive, negative) pairs ranked right, ties counting one half.
SMALL_CASES = [
    ([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 1.0),  # perfect separation
    ([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], 0.0),  # perfectly reversed
    ([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5),  # all tied: every pair counts 1/2
    ([1, 2, 3, 4], [0, 1, 0, 1], 0.75),  # pairs (2>1), (4>1), (4>3) right, (2<3) wrong: 3/4
    ([1, 2, 2, 3], [0, 0, 1, 1], 0.875),  # (2=2) tie 1/2, three others right: 3.5/4
]


@pytest.mark.parametrize(("scores", "labels", "expected"), SMALL_CASES)
def test_auroc_counts_pairs_with_ties_as_half(
    scores: list[float], labels: list[int], expected: float
) -> None:
    assert auroc(scores, labels).auc == pytest.approx(expected)


def test_delong_variance_of_a_small_case_matches_the_hand_computed_components() -> None:
    # positives 2, 4; negatives 1, 3: 2 beats one of two negatives (1/2), 4 beats both (1).
    # V10 = (0.5, 1.0), V01 (negatives: share of positives above) = (1.0, 0.5).
    # var = s2(V10)/2 + s2(V01)/2 = 0.125/2 + 0.125/2 = 0.125
    result = auroc([1, 2, 3, 4], [0, 1, 0, 1])
    assert result.variance == pytest.approx(0.125)


def test_interval_is_clipped_to_zero_and_one() -> None:
    # 14 of 15 pairs ordered: AUC 14/15; DeLong variance 0.0088889, so AUC + 1.96 SE = 1.118.
    result = auroc([0.1, 0.2, 0.85, 0.8, 0.9, 0.95, 0.3, 0.4], [0, 0, 0, 1, 1, 1, 0, 0])
    assert result.auc == pytest.approx(14 / 15)
    assert result.variance == pytest.approx(0.0088889, abs=1e-7)
    assert result.ci_high == 1.0
    assert result.ci_low == pytest.approx(14 / 15 - 1.959964 * 0.0088889**0.5, abs=1e-5)


@pytest.mark.parametrize(
    ("scores", "labels", "message"),
    [
        ([0.1, 0.2], [1, 1], "one positive and one negative"),
        ([0.1, float("nan")], [0, 1], "NaN"),
        ([0.1, 0.2, 0.3], [0, 1], "same length"),
    ],
)
def test_unusable_input_is_refused_with_a_reason(
    scores: list[float], labels: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        auroc(np.asarray(scores), np.asarray(labels))
