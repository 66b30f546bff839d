"""Finite-state models: constructors, input validation, sampling and scoring."""

import numpy as np
import pytest

from finite_state_examples import random_automaton, random_ngram, ring_chain
from seqtherm.errors import InvalidInputError
from seqtherm.models.finite_state import (
    FiniteStateModel,
    blocked_model,
    fit_ngram,
    markov_chain,
    ngram_model,
    stationary_distribution,
)
from seqtherm.models.protocol import AutoregressiveModel, path_log_probs


def test_markov_chain_layout():
    model = ring_chain(0.5, 0.2)
    assert isinstance(model, AutoregressiveModel)
    assert model.n_summaries == 4
    assert model.summary_labels == ("<start>", "A", "B", "C")
    # A uniform stationary law for the ring, and "last symbol" as the summary.
    assert np.allclose(model.emission[0], 1 / 3, atol=1e-15)
    assert model.update.tolist() == [[1, 2, 3]] * 4


def test_stationary_distribution_is_invariant():
    rng = np.random.default_rng(0)
    transition = rng.dirichlet(np.ones(5), size=5)
    pi = stationary_distribution(transition)
    assert np.allclose(pi @ transition, pi, atol=1e-14)
    assert pi.sum() == pytest.approx(1.0, abs=1e-14)


def test_stationary_distribution_needs_one_closed_class():
    transition = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.25, 0.25]])
    with pytest.raises(InvalidInputError, match="2 closed classes"):
        stationary_distribution(transition)


def test_stationary_distribution_ignores_transient_states():
    transition = np.array([[0.5, 0.5, 0.0], [0.0, 0.2, 0.8], [0.0, 0.6, 0.4]])
    pi = stationary_distribution(transition)
    assert pi[0] == 0.0
    assert np.allclose(pi[1:], [0.6 / 1.4, 0.8 / 1.4], atol=1e-14)


def test_step_log_probs_match_sampling():
    model = random_automaton(1)
    paths, log_probs = model.sample_array(50, 9, seed=3)
    scored = model.step_log_probs(list(paths))
    assert np.allclose(np.array(scored), log_probs, rtol=0, atol=1e-14)
    batch = model.sample(50, 9, seed=3)
    assert np.array_equal(np.array(batch.sequences), paths)


def test_step_log_probs_mixed_lengths():
    model = random_ngram(2)
    sequences = [np.array([0, 1, 2]), np.array([2]), np.array([1, 1, 0, 2, 2])]
    scored = model.step_log_probs(sequences)
    assert [len(s) for s in scored] == [3, 1, 5]
    expected_first = np.log(model.emission[0, 0])
    assert scored[0][0] == pytest.approx(expected_first, abs=1e-15)
    assert path_log_probs(model, sequences).shape == (3,)


def test_sampling_is_seeded():
    model = random_ngram(4)
    first, _ = model.sample_array(20, 6, seed=11)
    second, _ = model.sample_array(20, 6, seed=11)
    other, _ = model.sample_array(20, 6, seed=12)
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)


def test_sampling_frequencies_match_emission():
    model = ring_chain(0.5, 0.2)
    n_samples = 20_000
    paths, _ = model.sample_array(n_samples, 2, seed=0)
    # Second symbol given first = A (row A of the transition matrix), within 4 standard errors.
    after_a = paths[paths[:, 0] == 0, 1]
    expected = model.emission[1]
    for symbol in range(3):
        frequency = np.mean(after_a == symbol)
        standard_error = np.sqrt(expected[symbol] * (1 - expected[symbol]) / len(after_a))
        assert abs(frequency - expected[symbol]) < 4 * standard_error


def test_sampling_never_draws_zero_probability_symbols():
    transition = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.0, 0.5]])
    model = markov_chain(transition, "stationary")
    paths, log_probs = model.sample_array(500, 20, seed=5)
    assert np.all(np.isfinite(log_probs))
    assert set(np.diff(paths, axis=1).ravel() % 3) <= {0, 1}


def test_ngram_order_two_contexts():
    model = random_ngram(0, order=2, n_symbols=3)
    assert model.n_summaries == 1 + 3 + 9
    path = np.array([[2, 0, 1, 1]])
    summaries = model.summaries_along(path)[0]
    labels = [model.summary_labels[h] for h in summaries]
    assert labels == ["<start>", "c", "c a", "a b", "b b"]


def test_fit_ngram_additive_smoothing():
    sequences = [[0, 1, 0, 1], [1, 1]]
    model = fit_ngram(sequences, order=1, n_symbols=2, smoothing=0.5, symbols=["x", "y"])
    # Start context: one 0 and one 1; context (0,): two 1s; context (1,): one 0, one 1.
    assert np.allclose(model.emission[0], [1.5 / 3, 1.5 / 3], atol=1e-15)
    row_after_x = model.emission[model.summary_labels.index("x")]
    row_after_y = model.emission[model.summary_labels.index("y")]
    assert np.allclose(row_after_x, [0.5 / 3, 2.5 / 3], atol=1e-15)
    assert np.allclose(row_after_y, [1.5 / 3, 1.5 / 3], atol=1e-15)


def test_fit_ngram_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="smoothing must be > 0"):
        fit_ngram([[0, 1]], order=1, n_symbols=2, smoothing=0.0)
    with pytest.raises(InvalidInputError, match="symbol id 5"):
        fit_ngram([[0, 5]], order=1, n_symbols=2)


def test_blocked_model_scores_blocks():
    model = random_automaton(2)
    blocks = blocked_model(model, 2)
    assert blocks.n_symbols == 9
    paths, _ = model.sample_array(30, 6, seed=1)
    block_paths = paths[:, 0::2] * 3 + paths[:, 1::2]
    assert np.allclose(
        blocks.step_log_probs_array(block_paths).sum(axis=1),
        model.step_log_probs_array(paths).sum(axis=1),
        rtol=0,
        atol=1e-12,
    )


def test_row_not_summing_to_one():
    transition = np.array([[0.5, 0.6], [0.5, 0.5]])
    with pytest.raises(InvalidInputError, match=r"row '0' sums to 1\.1"):
        markov_chain(transition, [0.5, 0.5])


def test_negative_entry():
    transition = np.array([[1.2, -0.2], [0.5, 0.5]])
    with pytest.raises(InvalidInputError, match="row '0' has a negative probability -0.2 for symbol '1'"):
        markov_chain(transition, [0.5, 0.5])


def test_initial_law_shape_and_name():
    transition = np.full((2, 2), 0.5)
    with pytest.raises(InvalidInputError, match=r"expected \(2,\)"):
        markov_chain(transition, [1.0])
    with pytest.raises(InvalidInputError, match="'uniform'"):
        markov_chain(transition, "uniform")


def test_unreachable_summary():
    emission = np.array([[1.0, 0.0], [0.5, 0.5], [0.5, 0.5]])
    update = np.array([[1, 2], [1, 1], [2, 2]])
    with pytest.raises(InvalidInputError, match=r"summaries \['s2'\] are unreachable"):
        FiniteStateModel(emission, update, 0, ["x", "y"], ["s0", "s1", "s2"])


def test_update_outside_summaries():
    with pytest.raises(InvalidInputError, match="goes to 7"):
        FiniteStateModel(np.full((2, 2), 0.5), np.array([[0, 1], [7, 0]]), 0, ["x", "y"], ["s0", "s1"])


def test_ngram_missing_context():
    table = {(): [0.5, 0.5], (0,): [0.5, 0.5]}
    with pytest.raises(InvalidInputError, match="context 'b' is reachable but has no row"):
        ngram_model(1, table, ["a", "b"])


def test_ngram_unreachable_context():
    table = {(): [1.0, 0.0], (0,): [1.0, 0.0], (1,): [0.5, 0.5]}
    with pytest.raises(InvalidInputError, match="context 'b' has a row but is unreachable"):
        ngram_model(1, table, ["a", "b"])


def test_ngram_alphabet_mismatch():
    table = {(): [0.5, 0.25, 0.25], (0,): [1.0, 0.0, 0.0]}
    with pytest.raises(InvalidInputError, match="row '<start>' has 3 entries, expected 2"):
        ngram_model(1, table, ["a", "b"])
    with pytest.raises(InvalidInputError, match=r"context \[0, 2\] is not a sequence"):
        ngram_model(2, {(0, 2): [1.0, 0.0]}, ["a", "b"])


def test_symbol_ids_outside_alphabet():
    model = ring_chain(0.5, 0.2)
    with pytest.raises(InvalidInputError, match=r"integers in \[0, 2\].*from 0 to 3"):
        model.step_log_probs([np.array([0, 3])])
