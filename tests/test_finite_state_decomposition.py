"""Per-step decomposition D_t = L_t + M_t of S_y for finite-state models.

Tolerance 1e-12 for sums of exact terms (float64 rounding of O(T) terms of order 1);
Monte Carlo checks are within 4 standard errors with fixed seeds.
"""

import numpy as np
import pytest

from finite_state_examples import random_automaton, random_ngram, ring_chain
from seqtherm.analytic.finite_state import entropy_production
from seqtherm.analytic.finite_state_decomposition import (
    decompose,
    decompose_by_enumeration,
    decompose_by_sampling,
)

ATOL = 1e-12


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_enumeration_terms_sum_to_entropy_production(seed):
    for model in [random_ngram(seed), random_automaton(seed)]:
        n_steps = 7
        parts = decompose_by_enumeration(model, n_steps)
        exact = entropy_production(model, n_steps)
        assert parts.per_step_entropy_production.sum() == pytest.approx(exact, abs=ATOL)
        assert np.allclose(
            parts.per_step_entropy_production, parts.compression_loss + parts.model_mismatch, rtol=0, atol=ATOL
        )
        assert np.all(parts.per_step_entropy_production >= -ATOL)
        assert np.all(parts.compression_loss >= -ATOL)
        assert np.all(parts.model_mismatch >= -ATOL)
        # Refined second law: sum_t L_t equals sum_t [I(y_t; h_{t-1}) - I(y_t; g_{t+1})].
        assert parts.compression_loss.sum() == pytest.approx(parts.refined_second_law_bound, abs=ATOL)
        assert parts.refined_second_law_bound <= exact + ATOL


def test_ngram_has_no_compression_loss():
    # The backward context contains the next k symbols, which make y_t independent of the rest.
    parts = decompose_by_enumeration(random_ngram(5), 7)
    assert np.all(np.abs(parts.compression_loss) < ATOL)


def test_automaton_has_compression_loss():
    parts = decompose_by_enumeration(random_automaton(5), 7)
    assert parts.compression_loss[0] > 1e-3
    # The last symbol has no future, so nothing is lost: L_T = 0.
    assert parts.compression_loss[-1] == pytest.approx(0.0, abs=ATOL)


def test_ring_mismatch_at_last_step_is_zero():
    # From the stationary law y_T has the stationary marginal, which is the start emission.
    parts = decompose_by_enumeration(ring_chain(0.5, 0.2), 6)
    assert parts.per_step_entropy_production[-1] == pytest.approx(0.0, abs=ATOL)
    assert np.allclose(parts.per_step_entropy_production[:-1], 0.3 * np.log(2.5), rtol=0, atol=ATOL)


@pytest.mark.parametrize("seed", [3, 4])
def test_sampling_agrees_with_enumeration(seed):
    model = random_automaton(seed)
    n_steps = 7
    exact = decompose_by_enumeration(model, n_steps)
    estimate = decompose_by_sampling(model, n_steps, 3000, seed=seed)
    assert estimate.method == "monte_carlo"
    # M_t and the informations are exact in both.
    assert np.allclose(estimate.model_mismatch, exact.model_mismatch, rtol=0, atol=ATOL)
    assert estimate.refined_second_law_bound == pytest.approx(exact.refined_second_law_bound, abs=ATOL)
    varied = estimate.compression_loss_standard_error > 0
    assert varied.sum() >= n_steps - 1
    deviation = np.abs(estimate.compression_loss - exact.compression_loss)[varied]
    assert np.all(deviation < 4 * estimate.compression_loss_standard_error[varied])
    total = estimate.per_step_entropy_production.sum()
    assert abs(total - entropy_production(model, n_steps)) < 4 * estimate.total_standard_error


def test_sampling_long_horizon_sums_to_entropy_production():
    model = random_automaton(6)
    n_steps = 200
    estimate = decompose(model, n_steps, n_samples=400, seed=1)
    assert estimate.method == "monte_carlo"
    exact = entropy_production(model, n_steps)
    assert abs(estimate.per_step_entropy_production.sum() - exact) < 4 * estimate.total_standard_error
    assert abs(estimate.compression_loss.sum() - estimate.refined_second_law_bound) < 4 * estimate.total_standard_error


def test_decompose_enumerates_short_horizons():
    assert decompose(random_ngram(0), 5).method == "enumeration"
