"""Argument checks and cloning shared by the adapters of token-level language models."""

from __future__ import annotations

import copy
import math

import numpy as np

from seqtherm.errors import InvalidInputError


def check_temperature(temperature: float) -> float:
    """Validate a sampling and scoring temperature tau > 0."""
    if not isinstance(temperature, (int, float)) or not math.isfinite(temperature) or temperature <= 0:
        raise InvalidInputError(f"temperature must be a finite number > 0, got {temperature!r}")
    return float(temperature)


def check_token_sequence(
    sequence: np.ndarray, index: int, *, vocab_size: int, name: str, max_length: int | None = None
) -> np.ndarray:
    """Validate one sequence of token ids for a model with `vocab_size` ids; return it as int64."""
    sequence = np.asarray(sequence)
    if sequence.ndim != 1 or not np.issubdtype(sequence.dtype, np.integer):
        raise InvalidInputError(
            f"sequence {index} must be a 1-D array of integer token ids, got dtype "
            f"{sequence.dtype} and shape {sequence.shape}"
        )
    if len(sequence) == 0:
        raise InvalidInputError(f"sequence {index} is empty; every sequence needs at least one token")
    if sequence.min() < 0 or sequence.max() >= vocab_size:
        raise InvalidInputError(
            f"sequence {index} has token ids outside [0, {vocab_size}) of {name}: "
            f"min {sequence.min()}, max {sequence.max()}; encode texts with this model's tokenizer"
        )
    if max_length is not None and len(sequence) > max_length:
        raise InvalidInputError(
            f"sequence {index} has {len(sequence)} tokens, more than the {max_length} "
            f"that fit in the context window of {name}; shorten it"
        )
    return sequence.astype(np.int64)


def with_temperature(model, temperature: float):
    """Return a shallow copy of an adapter that shares its weights but has another tau."""
    clone = copy.copy(model)
    clone.temperature = check_temperature(temperature)
    return clone
