"""Round trips of token and block reversal: exact index manipulation, no tolerance."""

import numpy as np
import pytest

from seqtherm.errors import InvalidInputError
from seqtherm.reversal import (
    fixed_length_blocks,
    merge_blocks,
    reverse_blocks,
    reverse_tokens,
    split_blocks,
)


def test_reverse_tokens_twice_is_identity():
    rng = np.random.default_rng(0)
    for n_tokens in [1, 2, 7, 50]:
        sequence = rng.integers(0, 100, size=n_tokens)
        assert np.array_equal(reverse_tokens(reverse_tokens(sequence)), sequence)
        assert np.array_equal(reverse_tokens(sequence), sequence[::-1])


def test_reverse_tokens_keeps_vector_observations():
    sequence = np.arange(12.0).reshape(4, 3)
    reversed_sequence = reverse_tokens(sequence)
    assert reversed_sequence.shape == (4, 3)
    assert np.array_equal(reversed_sequence[0], sequence[-1])


def test_reverse_blocks_example():
    sequence = np.array([1, 2, 3, 4, 5, 6])
    reversed_sequence, lengths = reverse_blocks(sequence, [3, 3])
    assert reversed_sequence.tolist() == [4, 5, 6, 1, 2, 3]
    assert lengths.tolist() == [3, 3]

    reversed_sequence, lengths = reverse_blocks(sequence, [1, 2, 3])
    assert reversed_sequence.tolist() == [4, 5, 6, 2, 3, 1]
    assert lengths.tolist() == [3, 2, 1]


def test_reverse_blocks_round_trip_random():
    rng = np.random.default_rng(1)
    for _ in range(200):
        n_tokens = int(rng.integers(1, 40))
        cuts = np.sort(rng.choice(np.arange(1, n_tokens), size=min(n_tokens - 1, int(rng.integers(0, 6))), replace=False)) if n_tokens > 1 else np.array([], dtype=int)
        lengths = np.diff(np.concatenate([[0], cuts, [n_tokens]]))
        sequence = rng.integers(0, 1000, size=n_tokens)
        once, once_lengths = reverse_blocks(sequence, lengths)
        twice, twice_lengths = reverse_blocks(once, once_lengths)
        assert np.array_equal(twice, sequence)
        assert np.array_equal(twice_lengths, lengths)
        assert np.array_equal(np.concatenate(split_blocks(sequence, lengths)), sequence)


def test_single_block_is_unchanged():
    sequence = np.array([5, 6, 7])
    reversed_sequence, _ = reverse_blocks(sequence, [3])
    assert np.array_equal(reversed_sequence, sequence)


def test_blocks_of_one_token_equal_token_reversal():
    sequence = np.array([9, 8, 7, 1])
    reversed_sequence, _ = reverse_blocks(sequence, [1, 1, 1, 1])
    assert np.array_equal(reversed_sequence, reverse_tokens(sequence))


def test_fixed_length_blocks_with_remainder():
    assert fixed_length_blocks(10, 3).tolist() == [3, 3, 3, 1]
    assert fixed_length_blocks(9, 3).tolist() == [3, 3, 3]
    assert fixed_length_blocks(2, 5).tolist() == [2]


def test_merge_blocks_groups_k_sentences():
    assert merge_blocks([2, 3, 4, 5, 6], 2).tolist() == [5, 9, 6]
    assert merge_blocks([2, 3, 4], 1).tolist() == [2, 3, 4]
    assert merge_blocks([2, 3, 4], 5).tolist() == [9]


@pytest.mark.parametrize("lengths", [[2, 2], [3, 0, 3], [-1, 7], [7, 1]])
def test_invalid_block_lengths_raise(lengths):
    with pytest.raises(InvalidInputError):
        reverse_blocks(np.arange(6), lengths)


def test_invalid_block_size_raises():
    with pytest.raises(InvalidInputError, match="at least 1"):
        fixed_length_blocks(10, 0)
