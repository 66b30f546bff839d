"""Group comparisons against brute-force enumeration of the Mann-Whitney null distribution."""

import itertools

import numpy as np
import pytest

from seqtherm.estimators.statistics import compare_groups, compare_two_groups, describe


def brute_force_u(a, b):
    return sum((x > y) + 0.5 * (x == y) for x in a for y in b)


def brute_force_two_sided_p(a, b):
    """Exact p-value: share of all splits of the pooled values with |U - n_a n_b / 2| as large."""
    pooled = np.concatenate([a, b])
    center = len(a) * len(b) / 2
    observed = abs(brute_force_u(a, b) - center)
    extreme = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(a)):
        rest = [i for i in range(len(pooled)) if i not in chosen]
        u = brute_force_u(pooled[list(chosen)], pooled[rest])
        extreme += abs(u - center) >= observed - 1e-12
        total += 1
    return extreme / total


def test_u_rank_biserial_and_exact_p():
    rng = np.random.default_rng(3)
    a = rng.normal(0.8, 1.0, 6)
    b = rng.normal(0.0, 1.0, 7)
    result = compare_two_groups(a, b, n_resamples=999)
    u = brute_force_u(a, b)
    assert result["method"] == "exact"
    assert result["U"] == u
    assert result["rank_biserial"] == pytest.approx(2 * u / (6 * 7) - 1, abs=1e-12)
    assert result["p_value"] == pytest.approx(brute_force_two_sided_p(a, b), abs=1e-12)


def test_published_rank_biserial_relation():
    # With 30 texts per group, U = 746 gives r = 2 * 746 / 900 - 1 = 0.658.
    a = np.arange(30.0)
    b = np.arange(30.0) - 0.5
    result = compare_two_groups(a, b, n_resamples=99)
    assert result["rank_biserial"] == pytest.approx(2 * result["U"] / 900 - 1)


def test_ties_switch_to_asymptotic():
    result = compare_two_groups(np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, 1.0, 3.0]), n_resamples=99)
    assert result["method"] == "asymptotic"
    assert result["U"] == brute_force_u([0.0, 0.0, 1.0, 2.0], [0.0, 1.0, 3.0])


def test_bootstrap_ci_contains_median_difference():
    rng = np.random.default_rng(5)
    a, b = rng.normal(2.0, 1.0, 40), rng.normal(0.0, 1.0, 40)
    result = compare_two_groups(a, b, seed=1, n_resamples=1999)
    assert result["median_difference_ci_low"] < result["median_difference"] < result["median_difference_ci_high"]
    assert result["median_difference_ci_low"] > 0.5
    again = compare_two_groups(a, b, seed=1, n_resamples=1999)
    assert again["median_difference_ci_low"] == result["median_difference_ci_low"]


def test_describe_values():
    summary = describe(np.array([1.0, 2.0, 3.0, 4.0, np.nan]))
    assert summary["n"] == 4
    assert summary["mean"] == 2.5
    assert summary["median"] == 2.5
    assert summary["standard_error"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)
    assert summary["q25"] == 1.75


def test_group_with_one_text_is_skipped_with_warning(caplog):
    comparisons = compare_groups({"a": np.array([1.0, 2.0, 3.0]), "b": np.array([1.0])})
    assert comparisons == []
    assert "group 'b' has fewer than 2 finite values" in caplog.text
    assert "group 'a'" not in caplog.text
