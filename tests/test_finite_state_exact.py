"""Exact entropy production of finite-state models: closed forms, enumeration and Monte Carlo.

Tolerances: 1e-12 where the dynamic program and enumeration are compared, because both sum
O(T) terms of order 1 in float64 and differ only by rounding of about T * 1e-16.
"""

import numpy as np
import pytest

from finite_state_examples import random_automaton, random_ngram, ring_chain
from seqtherm.analytic.finite_state import (
    block_entropy_production_curve,
    entropy_production,
    entropy_production_curve,
    stationary_rate,
)
from seqtherm.analytic.finite_state_enumeration import (
    entropy_production_by_enumeration,
    mean_exp_neg_sigma_by_enumeration,
)
from seqtherm.errors import InvalidInputError
from seqtherm.estimators.monte_carlo import estimate_entropy_production
from seqtherm.models.finite_state import markov_chain, ngram_model, stationary_distribution

ATOL = 1e-12


@pytest.mark.parametrize(("forward", "backward"), [(0.5, 0.2), (0.1, 0.6), (0.3, 0.3)])
def test_ring_closed_form(forward, backward):
    curve = entropy_production_curve(ring_chain(forward, backward), 12)
    n_steps = np.arange(1, 13)
    expected = (n_steps - 1) * (forward - backward) * np.log(forward / backward)
    assert np.allclose(curve, expected, rtol=0, atol=ATOL)


def test_ring_rate_is_schnakenberg():
    rate = stationary_rate(ring_chain(0.5, 0.2))
    assert rate.rate == pytest.approx(0.3 * np.log(2.5), abs=ATOL)


def test_markov_rate_formula():
    rng = np.random.default_rng(7)
    transition = rng.dirichlet(np.ones(4), size=4)
    pi = stationary_distribution(transition)
    schnakenberg = np.sum(pi[:, None] * transition * np.log(transition / transition.T))
    assert stationary_rate(markov_chain(transition)).rate == pytest.approx(schnakenberg, abs=ATOL)


def test_reversible_chain_is_zero():
    rng = np.random.default_rng(3)
    weights = rng.random((4, 4))
    weights = weights + weights.T  # symmetric edge weights give detailed balance
    transition = weights / weights.sum(axis=1, keepdims=True)
    curve = entropy_production_curve(markov_chain(transition, "stationary"), 30)
    assert np.all(np.abs(curve) < ATOL)


def test_binary_order_two_ngram_rate_is_zero():
    # Stationary binary triples satisfy p(aab) = p(aa) - p(aaa) = p(baa) and p(abb) = p(bba),
    # so an order-2 chain over 2 symbols is reversible in the stationary regime.
    rate = stationary_rate(random_ngram(9, order=2, n_symbols=2))
    assert rate.rate == pytest.approx(0.0, abs=ATOL)
    assert stationary_rate(random_ngram(9, order=2, n_symbols=3)).rate > 1e-3


def test_reversible_chain_off_stationarity_is_positive():
    weights = np.array([[1.0, 2.0, 1.0], [2.0, 1.0, 3.0], [1.0, 3.0, 1.0]])
    transition = weights / weights.sum(axis=1, keepdims=True)
    curve = entropy_production_curve(markov_chain(transition, [0.8, 0.1, 0.1]), 5)
    assert np.all(curve[1:] > 1e-3)
    for n_steps in range(1, 6):
        assert curve[n_steps - 1] == pytest.approx(
            entropy_production_by_enumeration(markov_chain(transition, [0.8, 0.1, 0.1]), n_steps), abs=ATOL
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dp_matches_enumeration_ngram(seed):
    model = random_ngram(seed, order=2, n_symbols=3)
    curve = entropy_production_curve(model, 8)
    for n_steps in range(1, 9):
        assert curve[n_steps - 1] == pytest.approx(entropy_production_by_enumeration(model, n_steps), abs=ATOL)
    assert curve[0] == 0.0  # a single symbol is its own reversal
    assert np.all(curve[1:] > 0)


@pytest.mark.parametrize("seed", [3, 4])
def test_dp_matches_enumeration_automaton(seed):
    model = random_automaton(seed, n_summaries=5, n_symbols=3)
    curve = entropy_production_curve(model, 8)
    for n_steps in range(1, 9):
        assert curve[n_steps - 1] == pytest.approx(entropy_production_by_enumeration(model, n_steps), abs=ATOL)


def test_curve_slope_reaches_rate():
    model = random_automaton(5)
    rate = stationary_rate(model)
    increments = np.diff(entropy_production_curve(model, 400))
    assert rate.rate is not None
    assert increments[-1] == pytest.approx(rate.rate, abs=1e-10)


def test_rate_none_without_unique_stationary_law():
    transition = np.array([[1.0, 0.0], [0.0, 1.0]])
    rate = stationary_rate(markov_chain(transition, [0.5, 0.5]))
    assert rate.rate is None
    assert "closed classes" in rate.note


@pytest.mark.parametrize("model_seed", [0, 1])
def test_fluctuation_theorem_by_enumeration(model_seed):
    for model in [random_ngram(model_seed), random_automaton(model_seed)]:
        for n_steps in [1, 4, 7]:
            assert mean_exp_neg_sigma_by_enumeration(model, n_steps) == pytest.approx(1.0, abs=ATOL)
        assert mean_exp_neg_sigma_by_enumeration(model, 7, block_length=2) == pytest.approx(1.0, abs=ATOL)


@pytest.mark.parametrize("block_length", [1, 2, 3])
def test_block_dp_matches_enumeration(block_length):
    model = random_automaton(6)
    curve = block_entropy_production_curve(model, 7, block_length)
    assert sorted(curve) == list(range(block_length, 8, block_length))
    for n_steps, value in curve.items():
        assert value == pytest.approx(
            entropy_production_by_enumeration(model, n_steps, block_length=block_length), abs=ATOL
        )


def test_block_of_whole_path_is_zero():
    curve = block_entropy_production_curve(random_ngram(1), 6, 6)
    assert curve == {6: 0.0}


def test_block_length_one_is_token_reversal():
    model = random_ngram(2)
    blocks = block_entropy_production_curve(model, 6, 1)
    assert np.allclose(list(blocks.values()), entropy_production_curve(model, 6), rtol=0, atol=ATOL)


@pytest.mark.parametrize(("model_seed", "kind"), [(0, "ngram"), (1, "automaton"), (2, "ring")])
def test_monte_carlo_estimator_agrees(model_seed, kind):
    model = {
        "ngram": lambda: random_ngram(model_seed),
        "automaton": lambda: random_automaton(model_seed),
        "ring": lambda: ring_chain(0.5, 0.2),
    }[kind]()
    n_steps = 12
    estimate = estimate_entropy_production(model, 4000, n_steps, seed=100 + model_seed)
    exact = entropy_production(model, n_steps)
    assert abs(estimate.entropy_production - exact) < 4 * estimate.standard_error


def test_impossible_reversal_names_transition():
    # A -> B is possible but B -> A is not, so every path through A B has an impossible reversal.
    transition = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    model = markov_chain(transition, "stationary", symbols=["A", "B", "C"])
    with pytest.raises(InvalidInputError, match=r"infinite from T = 2.*transition '(B' -> 'A|C' -> 'B|A' -> 'C)'"):
        entropy_production_curve(model, 5)
    with pytest.raises(InvalidInputError, match="is possible but its reversal has probability 0"):
        entropy_production_by_enumeration(model, 3)


def test_impossible_reversal_from_initial_law():
    # From a fixed first symbol, the reversed path must also start with it.
    model = markov_chain(np.full((2, 2), 0.5), [1.0, 0.0], symbols=["x", "y"])
    with pytest.raises(InvalidInputError, match=r"T = 2.*transition '<start>' -> 'y' has probability 0"):
        entropy_production_curve(model, 3)
    assert entropy_production_curve(model, 1)[0] == 0.0


def test_impossible_reversal_found_late():
    # Only the order-2 context 'c b' forbids 'a': 'a b c' is possible, its reversal 'c b a' is not.
    uniform = [1 / 3] * 3
    table = {(): uniform}
    table.update({(x,): uniform for x in range(3)})
    table.update({(x, y): uniform for x in range(3) for y in range(3)})
    table[(2, 1)] = [0.0, 0.5, 0.5]
    model = ngram_model(2, table, ["a", "b", "c"])
    assert entropy_production_curve(model, 2)[-1] == pytest.approx(0.0, abs=ATOL)
    with pytest.raises(InvalidInputError, match=r"infinite from T = 3.*transition 'c b' -> 'a' has probability 0"):
        entropy_production_curve(model, 6)


def test_invalid_horizon():
    with pytest.raises(InvalidInputError, match="at least 1, got 0"):
        entropy_production_curve(ring_chain(0.5, 0.2), 0)
    with pytest.raises(InvalidInputError, match="block length 5 is longer than T = 3"):
        block_entropy_production_curve(ring_chain(0.5, 0.2), 3, 5)
    with pytest.raises(InvalidInputError, match="choose a shorter block length"):
        block_entropy_production_curve(ring_chain(0.5, 0.2), 100, 20)
    with pytest.raises(InvalidInputError, match="block length must be at least 1"):
        block_entropy_production_curve(ring_chain(0.5, 0.2), 5, 0)
