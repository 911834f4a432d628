"""Area under the ROC curve with DeLong confidence intervals, and DeLong's test for two AUCs.

Method: DeLong ER, DeLong DM, Clarke-Pearson DL. Comparing the areas under two or more
correlated receiver operating characteristic curves: a nonparametric approach. Biometrics
1988;44(3):837–845 — with the fast O(n log n) algorithm of Sun X, Xu W. Fast implementation of
DeLong's algorithm for comparing the areas under correlated receiver operating characteristic
curves. IEEE Signal Process Lett 2014;21(11):1389–1393 (midranks instead of all case–control
pairs).

Conventions: a higher score means "more likely positive" (no automatic direction); ties count
one half; the interval is normal on the AUC scale, clipped to [0, 1] — the same as pROC's
``ci.auc(method="delong")`` and ``roc.test(method="delong")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class AucResult:
    auc: float
    variance: float
    ci_low: float
    ci_high: float
    positives: int
    negatives: int


@dataclass(frozen=True)
class AucComparison:
    """DeLong's test of AUC1 = AUC2 on the same cases (paired)."""

    auc1: float
    auc2: float
    difference: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float


def _midranks(values: FloatArray) -> FloatArray:
    """1-based ranks, ties sharing the mean of their ranks (Sun & Xu 2014, Algorithm 1)."""
    return np.asarray(stats.rankdata(values, method="average"), dtype=np.float64)


def _split(
    scores: Sequence[float] | FloatArray, labels: Sequence[int | bool] | npt.NDArray[np.int_]
) -> tuple[FloatArray, FloatArray]:
    values = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(labels).astype(bool)
    if values.shape != truth.shape or values.ndim != 1:
        raise ValueError("scores and labels must be one-dimensional and the same length")
    if np.isnan(values).any():
        raise ValueError("scores contain NaN; drop or impute them first")
    positives, negatives = values[truth], values[~truth]
    if positives.size == 0 or negatives.size == 0:
        raise ValueError("need at least one positive and one negative case")
    return positives, negatives


def _placements(positives: FloatArray, negatives: FloatArray) -> tuple[float, FloatArray, FloatArray]:
    """AUC and the structural components V10 (per positive) and V01 (per negative)."""
    m, n = positives.size, negatives.size
    combined = _midranks(np.concatenate([positives, negatives]))
    ranks_pos, ranks_neg = combined[:m], combined[m:]
    v10 = (ranks_pos - _midranks(positives)) / n
    v01 = 1.0 - (ranks_neg - _midranks(negatives)) / m
    auc = float(v10.mean())
    return auc, v10, v01


def _covariance(v10: FloatArray, v01: FloatArray) -> FloatArray:
    """DeLong covariance matrix of k AUCs from their (k × m) and (k × n) components."""
    s10 = np.atleast_2d(np.cov(v10, ddof=1))
    s01 = np.atleast_2d(np.cov(v01, ddof=1))
    return np.asarray(s10 / v10.shape[1] + s01 / v01.shape[1], dtype=np.float64)


def _z(level: float) -> float:
    return float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))


def auroc(
    scores: Sequence[float] | FloatArray,
    labels: Sequence[int | bool] | npt.NDArray[np.int_],
    *,
    level: float = 0.95,
) -> AucResult:
    """AUROC of ``scores`` for ``labels`` (1/True = positive) with its DeLong interval."""
    positives, negatives = _split(scores, labels)
    auc, v10, v01 = _placements(positives, negatives)
    variance = float(_covariance(v10[None, :], v01[None, :])[0, 0])
    half = _z(level) * np.sqrt(variance)
    return AucResult(
        auc=auc,
        variance=variance,
        ci_low=float(max(0.0, auc - half)),
        ci_high=float(min(1.0, auc + half)),
        positives=positives.size,
        negatives=negatives.size,
    )


def compare_auroc(
    scores1: Sequence[float] | FloatArray,
    scores2: Sequence[float] | FloatArray,
    labels: Sequence[int | bool] | npt.NDArray[np.int_],
    *,
    level: float = 0.95,
) -> AucComparison:
    """DeLong's two-sided test for two correlated AUCs (both scores on the same cases)."""
    pos1, neg1 = _split(scores1, labels)
    pos2, neg2 = _split(scores2, labels)
    auc1, v10_1, v01_1 = _placements(pos1, neg1)
    auc2, v10_2, v01_2 = _placements(pos2, neg2)
    cov = _covariance(np.vstack([v10_1, v10_2]), np.vstack([v01_1, v01_2]))
    variance = float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1])
    difference = auc1 - auc2
    if variance <= 0.0:
        # Identical rankings: no evidence of a difference (pROC returns Z = 0, p = 1).
        return AucComparison(auc1, auc2, difference, 0.0, 1.0, difference, difference)
    sd = float(np.sqrt(variance))
    z = difference / sd
    p_value = float(2.0 * stats.norm.sf(abs(z)))
    half = _z(level) * sd
    return AucComparison(auc1, auc2, difference, z, p_value, difference - half, difference + half)
