"""Exact identities by enumerating every sequence of a tiny language model.

With V tokens and length T there are V**T sequences, so P_fwd, sigma and their
expectations are exact sums: E[sigma] = KL(P_fwd || P_fwd o reverse) >= 0 and
E[exp(-sigma)] = sum_y P_fwd(reverse(y)) = 1, at token and at block level.
"""

import itertools

import numpy as np
import pytest

from seqtherm.models import path_log_probs
from seqtherm.models.hf import CausalLMAdapter
from seqtherm.reversal import fixed_length_blocks, reverse_blocks, reverse_tokens

from conftest import make_tiny_llama

VOCAB = 5
# Sums over a few hundred float64 terms: round-off is far below 1e-12.
ATOL = 1e-12


@pytest.fixture(scope="module")
def small_vocab_adapter(word_tokenizer):
    model = make_tiny_llama(VOCAB, seed=7)
    return CausalLMAdapter(model, word_tokenizer, name="v5", context_ids=[0], dtype="float64", batch_size=64)


def all_sequences(n_tokens):
    return [np.array(s, dtype=np.int64) for s in itertools.product(range(VOCAB), repeat=n_tokens)]


@pytest.mark.parametrize("n_tokens", [1, 2, 3, 4])
def test_probabilities_sum_to_one(small_vocab_adapter, n_tokens):
    log_p = path_log_probs(small_vocab_adapter, all_sequences(n_tokens))
    assert abs(np.exp(log_p).sum() - 1.0) < ATOL


@pytest.mark.parametrize("temperature", [0.7, 1.0, 3.0])
@pytest.mark.parametrize("n_tokens", [2, 3, 4])
def test_token_level_fluctuation_theorem(small_vocab_adapter, n_tokens, temperature):
    model = small_vocab_adapter.with_temperature(temperature)
    sequences = all_sequences(n_tokens)
    forward = path_log_probs(model, sequences)
    reversed_ = path_log_probs(model, [reverse_tokens(s) for s in sequences])
    probability = np.exp(forward)
    sigma = forward - reversed_

    mean_exp_neg_sigma = float(np.sum(probability * np.exp(-sigma)))
    entropy_production = float(np.sum(probability * sigma))
    kl = float(np.sum(probability * (np.log(probability) - np.log(np.exp(reversed_)))))
    assert abs(mean_exp_neg_sigma - 1.0) < ATOL
    assert entropy_production > 0.0
    assert abs(entropy_production - kl) < ATOL


def test_single_token_sequences_are_reversible(small_vocab_adapter):
    sequences = all_sequences(1)
    sigma = path_log_probs(small_vocab_adapter, sequences) - path_log_probs(
        small_vocab_adapter, [reverse_tokens(s) for s in sequences]
    )
    assert np.all(sigma == 0.0)


@pytest.mark.parametrize("block_length", [1, 2, 3])
def test_block_level_fluctuation_theorem(small_vocab_adapter, block_length):
    sequences = all_sequences(4)
    lengths = fixed_length_blocks(4, block_length)
    forward = path_log_probs(small_vocab_adapter, sequences)
    reversed_ = path_log_probs(small_vocab_adapter, [reverse_blocks(s, lengths)[0] for s in sequences])
    probability = np.exp(forward)
    sigma = forward - reversed_
    assert abs(np.sum(probability * np.exp(-sigma)) - 1.0) < ATOL
    assert np.sum(probability * sigma) >= 0.0
