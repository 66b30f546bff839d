"""Mamba language models (transformers' `MambaForCausalLM`) behind the model protocol.

Mamba is a selective state-space model: A, B and C depend on the input, and the
summary h_t is the SSM state of every layer plus the short convolution window of
recent inputs. It fits the deterministic-summary model class of Sagawa 2026,
arXiv:2604.07867, and can be evaluated two ways:

- parallel: one forward pass over the whole sequence (a scan over time);
- recurrent: one token at a time, carrying the state in the cache, as sampling does.

Both compute the same function. `MambaAdapter` scores with the recurrent path by
default, so that a sample's own log-probabilities and the score of its reversal come
from the same arithmetic. `scoring="parallel"` is the faster choice on GPUs with the
fused kernels. `path_disagreement` measures how far the two paths differ.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from seqtherm.errors import InvalidInputError
from seqtherm.models.hf import _CACHE_ARGUMENT, DTYPES, CausalLMAdapter

SCORING_PATHS = ("recurrent", "parallel")


def is_mamba(model) -> bool:
    """True for transformers' Mamba and Mamba-2 causal language models."""
    return getattr(model.config, "model_type", None) in ("mamba", "mamba2")


class MambaAdapter(CausalLMAdapter):
    """A Mamba causal LM and its tokenizer, scored and sampled at temperature tau.

    Takes the arguments of `CausalLMAdapter` and `scoring`, "recurrent" (default) or
    "parallel". Mamba has no position embeddings and no context window, so
    `max_length` is None. transformers' Mamba classes ignore the position ids that the
    base class passes (checked with transformers 5.25).
    """

    def __init__(self, model, tokenizer, *, scoring: str = "recurrent", **kwargs) -> None:
        if scoring not in SCORING_PATHS:
            raise InvalidInputError(f"scoring must be one of {SCORING_PATHS}, got {scoring!r}")
        super().__init__(model, tokenizer, **kwargs)
        self.scoring = scoring

    @property
    def max_length(self) -> None:
        """None: the recurrent summary has no context window."""
        return None

    def with_scoring(self, scoring: str) -> MambaAdapter:
        """Return an adapter that shares the weights but scores through the other path."""
        if scoring not in SCORING_PATHS:
            raise InvalidInputError(f"scoring must be one of {SCORING_PATHS}, got {scoring!r}")
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.scoring = scoring
        return clone

    def step_log_probs(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Compute ln p_tau(y_t | h_{t-1}) for every token, through the path set by `scoring`."""
        if self.scoring == "parallel":
            return super().step_log_probs(sequences)
        return self._recurrent_step_log_probs(sequences)

    @torch.inference_mode()
    def _recurrent_step_log_probs(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        checked = [self._check_sequence(s, i) for i, s in enumerate(sequences)]
        results: list[np.ndarray | None] = [None] * len(checked)
        order = sorted(range(len(checked)), key=lambda i: -len(checked[i]))
        compute_dtype = DTYPES[self.dtype]

        for first in range(0, len(order), self.batch_size):
            batch = order[first : first + self.batch_size]
            n_tokens = len(checked[batch[0]])
            # Right padding: a padded row's real tokens come first and never see the padding.
            targets = torch.full((len(batch), n_tokens), self.context_ids[0], dtype=torch.long)
            for row, index in enumerate(batch):
                targets[row, : len(checked[index])] = torch.from_numpy(checked[index])

            input_ids = torch.tensor([self.context_ids] * len(batch), dtype=torch.long)
            past = None
            log_probs = torch.zeros((len(batch), n_tokens), dtype=torch.float64)
            for t in range(n_tokens):
                output = self.model(input_ids=input_ids, use_cache=True, **{_CACHE_ARGUMENT: past})
                past = output[_CACHE_ARGUMENT]
                logits = output.logits[:, -1].to(compute_dtype) / self.temperature
                log_p = (logits - torch.logsumexp(logits, dim=-1, keepdim=True)).to(torch.float64)
                log_probs[:, t] = log_p.gather(-1, targets[:, t : t + 1]).squeeze(-1)
                input_ids = targets[:, t : t + 1]
            for row, index in enumerate(batch):
                results[index] = log_probs[row, : len(checked[index])].numpy()
        return results  # type: ignore[return-value]

    def path_disagreement(self, sequences: Sequence[np.ndarray]) -> float:
        """Largest |ln P_fwd(recurrent) - ln P_fwd(parallel)| over the sequences, in nats."""
        recurrent = self.with_scoring("recurrent").step_log_probs(sequences)
        parallel = self.with_scoring("parallel").step_log_probs(sequences)
        return float(max(abs(r.sum() - p.sum()) for r, p in zip(recurrent, parallel)))
