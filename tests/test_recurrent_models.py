"""Recurrent and linear SSM adapters against float64 references, enumeration and Monte Carlo."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from seqtherm.estimators.monte_carlo import estimate_entropy_production
from seqtherm.models.checkpoints import build_network
from seqtherm.models.protocol import LanguageModel, path_log_probs
from seqtherm.models.stateful import StatefulLanguageModel
from seqtherm.models.vocabulary import CharacterVocabulary
from seqtherm.reversal import reverse_tokens

VOCABULARY = CharacterVocabulary(list("ab c."))
CASES = {
    "elman": {"d_state": 6, "d_embed": 3, "n_layers": 1},
    "gru": {"d_state": 6, "d_embed": 3, "n_layers": 1},
    "lstm": {"d_state": 5, "d_embed": 3, "n_layers": 2},
    "linear_ssm": {"d_state": 7},
}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _layer_step(architecture: str, params: dict, layer: int, x: np.ndarray, state):
    """One step of layer `layer` of torch's Elman, GRU or LSTM, written out in float64."""
    W_i, W_h = params[f"cell.weight_ih_l{layer}"], params[f"cell.weight_hh_l{layer}"]
    b_i, b_h = params[f"cell.bias_ih_l{layer}"], params[f"cell.bias_hh_l{layer}"]
    if architecture == "elman":
        h = np.tanh(W_i @ x + b_i + W_h @ state + b_h)
        return h, h
    if architecture == "gru":
        gi, gh = W_i @ x + b_i, W_h @ state + b_h
        (ir, iz, in_), (hr, hz, hn) = np.split(gi, 3), np.split(gh, 3)
        r, z = _sigmoid(ir + hr), _sigmoid(iz + hz)
        n = np.tanh(in_ + r * hn)
        h = (1 - z) * n + z * state
        return h, h
    h, c = state
    i, f, g, o = np.split(W_i @ x + b_i + W_h @ h + b_h, 4)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    h = _sigmoid(o) * np.tanh(c)
    return h, (h, c)


def reference_path_log_prob(network, architecture: str, sequence: np.ndarray, temperature: float) -> float:
    """ln P_fwd of one sequence by the model equations, step by step in float64 numpy."""
    params = {k: v.detach().double().numpy() for k, v in network.state_dict().items()}
    inputs = np.concatenate([[VOCABULARY.start_id], sequence[:-1]])
    total = 0.0
    if architecture == "linear_ssm":
        A = network.state_matrix().detach().double().numpy()
        B = params["input_matrix.weight"].T
        h = np.zeros(A.shape[0])
    else:
        d, n_layers = network.d_state, network.n_layers
        states = [np.zeros(d) if architecture != "lstm" else (np.zeros(d), np.zeros(d)) for _ in range(n_layers)]
    for y_in, y_out in zip(inputs, sequence):
        if architecture == "linear_ssm":
            h = A @ h + B[:, y_in]
            top = h
        else:
            x = params["embedding.weight"][y_in]
            for layer in range(n_layers):
                x, states[layer] = _layer_step(architecture, params, layer, x, states[layer])
            top = x
        z = (params["readout.weight"] @ top + params["readout.bias"]) / temperature
        total += z[y_out] - np.log(np.exp(z - z.max()).sum()) - z.max()
    return total


def _model(architecture: str, seed: int = 0, **kwargs) -> StatefulLanguageModel:
    torch.manual_seed(seed)
    network = build_network(architecture, VOCABULARY.n_symbols, CASES[architecture])
    return StatefulLanguageModel(network, VOCABULARY, name=architecture, **kwargs)


@pytest.mark.parametrize("architecture", sorted(CASES))
def test_path_log_prob_matches_float64_steps(architecture):
    model = _model(architecture, temperature=1.5, batch_size=3)
    rng = np.random.default_rng(1)
    sequences = [rng.integers(0, VOCABULARY.n_symbols, size=n) for n in (1, 9, 17, 4, 12)]
    expected = [reference_path_log_prob(model.network, architecture, s, 1.5) for s in sequences]
    # float32 weights and activations over at most 17 steps: 1e-4 nats covers rounding.
    np.testing.assert_allclose(path_log_probs(model, sequences), expected, atol=1e-4, rtol=0)
    # In float64 only summation order differs.
    model64 = _model(architecture, temperature=1.5, batch_size=3, dtype="float64")
    np.testing.assert_allclose(path_log_probs(model64, sequences), expected, atol=1e-10, rtol=0)


@pytest.mark.parametrize("architecture", sorted(CASES))
def test_sampling_matches_scoring(architecture):
    model = _model(architecture, dtype="float64", batch_size=4)
    batch = model.sample(6, 15, seed=3)
    assert isinstance(model, LanguageModel)
    for drawn, scored in zip(batch.step_log_probs, model.step_log_probs(batch.sequences)):
        np.testing.assert_allclose(drawn, scored, atol=1e-12, rtol=0)
    # Sample i depends only on (seed, i), not on the batch it is drawn in.
    alone = model.sample_indices([4], 15, seed=3)
    np.testing.assert_array_equal(alone.sequences[0], batch.sequences[4])


def test_temperature_clone_keeps_weights():
    model = _model("gru")
    hot = model.with_temperature(3.0)
    assert hot.temperature == 3.0
    assert model.temperature == 1.0
    assert hot.network is model.network


def ring_markov_model(a: float, b: float) -> StatefulLanguageModel:
    """A linear SSM with A = 0 and B = I, so h_t is the one-hot last symbol.

    The read-out column of symbol i is ln W(i -> .), with W the 3-state ring moving
    forward with probability a and backward with b; the start column is ln(1/3), the
    stationary distribution.
    """
    W = np.array([[1 - a - b, a, b], [b, 1 - a - b, a], [a, b, 1 - a - b]])
    vocabulary = CharacterVocabulary(list("xyz"))
    network = build_network("linear_ssm", 3, {"d_state": 4}).double()
    with torch.no_grad():
        network.transition.zero_()
        network.input_matrix.weight.copy_(torch.eye(4))
        network.readout.weight.copy_(torch.tensor(np.column_stack([np.log(W).T, np.log(np.full(3, 1 / 3))])))
        network.readout.bias.zero_()
    return StatefulLanguageModel(network, vocabulary, name="ring", dtype="float64")


def exact_entropy_production(model, n_symbols: int, n_steps: int) -> float:
    """S_y(T) = sum_y P(y) ln P(y) / P(reverse y) over all n_symbols**T sequences."""
    sequences = [np.array(s) for s in itertools.product(range(n_symbols), repeat=n_steps)]
    forward = path_log_probs(model, sequences)
    backward = path_log_probs(model, [reverse_tokens(s) for s in sequences])
    assert np.exp(forward).sum() == pytest.approx(1.0, abs=1e-6)
    return float(np.sum(np.exp(forward) * (forward - backward)))


def test_linear_ssm_markov_limit_closed_form():
    a, b, n_steps = 0.6, 0.1, 5
    model = ring_markov_model(a, b)
    # Stationary start: the boundary term ln pi(y_1)/pi(y_T) vanishes, and each of the
    # T - 1 transitions adds the Schnakenberg rate (a - b) ln(a / b).
    expected = (n_steps - 1) * (a - b) * np.log(a / b)
    assert exact_entropy_production(model, 3, n_steps) == pytest.approx(expected, abs=1e-10)
    estimate = estimate_entropy_production(model, 4000, n_steps, seed=0)
    assert abs(estimate.entropy_production - expected) < 4 * estimate.standard_error


def test_trained_rnn_monte_carlo_matches_enumeration():
    from seqtherm.experiments.training import TrainingSettings, train_model

    rng = np.random.default_rng(0)
    text = " ".join(rng.choice(["ab.", "aab.", "ba b.", "b."], size=300))
    settings = TrainingSettings(architecture="gru", d_state=8, d_embed=4, sequence_length=16, batch_size=16, n_steps=40)
    result = train_model(text, settings)
    model = StatefulLanguageModel(result.network, result.vocabulary, name="tiny", dtype="float64")
    n_steps = 6
    exact = exact_entropy_production(model, result.vocabulary.n_symbols, n_steps)
    estimate = estimate_entropy_production(model, 3000, n_steps, seed=1)
    assert exact > 0.1  # the trained model is far from reversible, so the check has teeth
    assert abs(estimate.entropy_production - exact) < 4 * estimate.standard_error
    assert estimate.mean_exp_neg_sigma == pytest.approx(1.0, abs=4 * estimate.exp_neg_sigma_standard_error)
