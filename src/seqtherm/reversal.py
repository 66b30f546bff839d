"""Time reversal of sequences, token by token or block by block, on the sequences themselves.

Block reversal keeps the order inside each block and reverses the order of the blocks:

    (a b c | d e f)  ->  (d e f | a b c)

A segmentation is given as block lengths that sum to the sequence length. Every map
here is a bijection on sequences of a fixed length with a fixed segmentation: reversing
the reversed sequence with the reversed block lengths gives back the original. That is
what keeps E[exp(-sigma)] = 1 and the KL meaning of the entropy production.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqtherm.errors import InvalidInputError


def reverse_tokens(sequence: np.ndarray) -> np.ndarray:
    """Reverse the time order of a sequence of shape (time,) or (time, d_obs)."""
    return np.ascontiguousarray(sequence[::-1])


def check_block_lengths(block_lengths: Sequence[int], n_tokens: int) -> np.ndarray:
    """Validate a segmentation: positive integer lengths that add up to `n_tokens`."""
    lengths = np.asarray(block_lengths, dtype=np.int64)
    if lengths.ndim != 1:
        raise InvalidInputError(f"block lengths must be a flat list of integers, got shape {lengths.shape}")
    if np.any(lengths <= 0):
        raise InvalidInputError(f"block lengths must be positive, got {lengths.tolist()}")
    if int(lengths.sum()) != n_tokens:
        raise InvalidInputError(
            f"block lengths {lengths.tolist()} add up to {int(lengths.sum())}, "
            f"but the sequence has {n_tokens} tokens"
        )
    return lengths


def split_blocks(sequence: np.ndarray, block_lengths: Sequence[int]) -> list[np.ndarray]:
    """Cut a sequence into consecutive blocks of the given lengths."""
    lengths = check_block_lengths(block_lengths, len(sequence))
    return np.split(sequence, np.cumsum(lengths)[:-1])


def reverse_blocks(
    sequence: np.ndarray, block_lengths: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Reverse the order of the blocks, keeping the order inside each block.

    Returns the block-reversed sequence and its block lengths (the input lengths in
    reverse order), so that `reverse_blocks(*reverse_blocks(y, lengths))` is `(y, lengths)`.
    """
    blocks = split_blocks(sequence, block_lengths)
    reversed_lengths = np.asarray(block_lengths, dtype=np.int64)[::-1].copy()
    return np.concatenate(blocks[::-1]), reversed_lengths


def fixed_length_blocks(n_tokens: int, block_length: int) -> np.ndarray:
    """Block lengths for blocks of `block_length` tokens; the last block keeps the remainder.

    With a remainder the last block is shorter. The map is still a bijection on
    sequences of `n_tokens` tokens because the segmentation does not depend on the tokens.
    """
    if block_length < 1:
        raise InvalidInputError(f"block length must be at least 1 token, got {block_length}")
    if n_tokens < 1:
        raise InvalidInputError(f"cannot segment a sequence of {n_tokens} tokens")
    n_full, remainder = divmod(n_tokens, block_length)
    lengths = [block_length] * n_full
    if remainder:
        lengths.append(remainder)
    return np.asarray(lengths, dtype=np.int64)


def merge_blocks(block_lengths: Sequence[int], blocks_per_group: int) -> np.ndarray:
    """Merge every `blocks_per_group` consecutive blocks into one (k sentences per block).

    The last merged block takes the remaining blocks when their number is not a multiple.
    """
    if blocks_per_group < 1:
        raise InvalidInputError(f"blocks per group must be at least 1, got {blocks_per_group}")
    lengths = np.asarray(block_lengths, dtype=np.int64)
    return np.array(
        [lengths[i : i + blocks_per_group].sum() for i in range(0, len(lengths), blocks_per_group)],
        dtype=np.int64,
    )
