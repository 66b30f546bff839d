"""Group statistics of per-text sigma values and two-group comparisons.

The comparison is the two-sided Mann-Whitney U test, exact when there are no ties,
with the rank-biserial correlation r = 2 U / (n_a n_b) - 1 (U counts the pairs in which
group a is larger, ties counting one half), and a percentile bootstrap confidence
interval for the difference of medians.
"""

from __future__ import annotations

import logging
from itertools import combinations

import numpy as np
from scipy import stats

logger = logging.getLogger(__name__)


def describe(values: np.ndarray) -> dict[str, float | int]:
    """Summarise one sample: n, mean, standard error, median, quartiles, min and max."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return {"n": 0}
    return {
        "n": n,
        "mean": float(values.mean()),
        "standard_error": float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan"),
        "median": float(np.median(values)),
        "q25": float(np.quantile(values, 0.25)),
        "q75": float(np.quantile(values, 0.75)),
        "min": float(values.min()),
        "max": float(values.max()),
    }


def compare_two_groups(
    a: np.ndarray, b: np.ndarray, *, seed: int = 0, n_resamples: int = 9999, confidence: float = 0.95
) -> dict[str, float | int | str]:
    """Compare two samples: Mann-Whitney U, rank-biserial r, bootstrap CI of median(a) - median(b)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a = a[np.isfinite(a)]
    b = b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"each group needs at least 2 finite values, got {len(a)} and {len(b)}")

    has_ties = len(np.unique(np.concatenate([a, b]))) < len(a) + len(b)
    # The exact null distribution of U assumes no ties; with ties the normal
    # approximation with tie correction is the honest choice.
    method = "asymptotic" if has_ties else "exact"
    test = stats.mannwhitneyu(a, b, alternative="two-sided", method=method)
    u_statistic = float(test.statistic)

    bootstrap = stats.bootstrap(
        (a, b),
        lambda x, y, axis: np.median(x, axis=axis) - np.median(y, axis=axis),
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    return {
        "n_a": len(a),
        "n_b": len(b),
        "U": u_statistic,
        "p_value": float(test.pvalue),
        "method": method,
        "rank_biserial": 2.0 * u_statistic / (len(a) * len(b)) - 1.0,
        "median_a": float(np.median(a)),
        "median_b": float(np.median(b)),
        "median_difference": float(np.median(a) - np.median(b)),
        "median_difference_ci_low": float(bootstrap.confidence_interval.low),
        "median_difference_ci_high": float(bootstrap.confidence_interval.high),
        "confidence_level": confidence,
    }


def compare_groups(
    values_by_group: dict[str, np.ndarray], *, seed: int = 0, label: str = "values"
) -> list[dict[str, float | int | str]]:
    """Compare every pair of groups that have at least 2 values; warn once about each smaller group.

    `label` names the compared statistic in the warning, e.g. "sentence-level sigma / T".
    """
    too_small = [g for g, v in values_by_group.items() if np.isfinite(v).sum() < 2]
    for group in too_small:
        logger.warning("group %r has fewer than 2 finite %s, so it is compared with no other group", group, label)
    comparisons = []
    for group_a, group_b in combinations(values_by_group, 2):
        if group_a in too_small or group_b in too_small:
            continue
        a, b = values_by_group[group_a], values_by_group[group_b]
        comparisons.append({"group_a": group_a, "group_b": group_b, **compare_two_groups(a, b, seed=seed)})
    return comparisons
