"""The model protocol that every estimator in seqtherm uses.

An autoregressive model emits observations y_1, y_2, ... and, before each emission,
keeps a deterministic summary of everything emitted so far (Sagawa 2026,
arXiv:2604.07867):

    h_t = Phi(y_1..y_t),   y_{t+1} ~ p(. | h_t),
    ln P_fwd(y_1..y_T) = sum_{t=0}^{T-1} ln p(y_{t+1} | h_t).

The estimators need only two operations: the per-step log-probabilities of given
sequences (teacher forcing) and sampling. Reversal happens on the sequences
themselves, so the backward process is the same model applied to the reversed input.

Sequences are numpy arrays: shape (time,) of integer token ids for discrete models,
shape (time, d_obs) of floats for continuous ones. Log-probabilities are float64 in
nats; for continuous models they are log-densities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class SampleBatch:
    """Sequences drawn from a model with the log-probabilities of their own steps.

    `step_log_probs[i][t]` is ln p(y_{t+1} | h_t) for sequence i under the kernel that
    drew it, so `step_log_probs[i].sum()` is ln P_fwd of that sequence without a second
    scoring pass.
    """

    sequences: list[np.ndarray]
    step_log_probs: list[np.ndarray]

    def __post_init__(self) -> None:
        if len(self.sequences) != len(self.step_log_probs):
            raise ValueError(
                f"SampleBatch has {len(self.sequences)} sequences but "
                f"{len(self.step_log_probs)} arrays of log-probabilities"
            )


@runtime_checkable
class AutoregressiveModel(Protocol):
    """The interface an estimator needs from a model: teacher-forced scoring and sampling.

    A model that samples at temperature tau must score at the same tau, so the
    temperature is part of the model object, never an argument of the estimators.
    """

    def step_log_probs(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Compute ln p(y_t | Phi(y_1..y_{t-1})) for t = 1..T of every sequence.

        Returns one float64 array of shape (time,) per input sequence, in nats. The
        sequences may differ in length.
        """
        ...

    def sample(self, n_samples: int, n_steps: int, *, seed: int) -> SampleBatch:
        """Draw `n_samples` sequences of `n_steps` observations from the initial summary."""
        ...


def path_log_probs(model: AutoregressiveModel, sequences: Sequence[np.ndarray]) -> np.ndarray:
    """Compute ln P_fwd(y_1..y_T) of each sequence; shape (n_sequences,), float64 nats."""
    return np.array([steps.sum() for steps in model.step_log_probs(sequences)], dtype=np.float64)


@runtime_checkable
class LanguageModel(AutoregressiveModel, Protocol):
    """A model over token ids that also reads and writes text.

    The texts job and the sampling job use these members on top of the protocol;
    `seqtherm.models.hf.CausalLMAdapter` is the reference implementation.
    """

    name: str
    temperature: float
    source: dict

    @property
    def max_length(self) -> int | None:
        """Largest number of tokens a sequence may have after the context, or None if unbounded."""
        ...

    @property
    def sentence_end_mask(self) -> np.ndarray:
        """Boolean mask over token ids: the decoded token, right-stripped, ends with . ! or ?"""
        ...

    def encode(self, text: str) -> np.ndarray:
        """Tokenise a text without special tokens; shape (n_tokens,), int64."""
        ...

    def decode(self, token_ids: Sequence[int]) -> str:
        """Turn token ids back into text."""
        ...

    def with_temperature(self, temperature: float) -> LanguageModel:
        """Return the same model scoring and sampling at another temperature."""
        ...

    def sample_indices(self, sample_indices: Sequence[int], n_steps: int, *, seed: int) -> SampleBatch:
        """Draw the samples with the given indices; sample i depends only on (seed, i)."""
        ...
