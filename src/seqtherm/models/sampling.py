"""Per-sample seeded inverse-CDF sampling, shared by the model adapters.

Sample i draws its tokens from its own uniform stream, numpy's PCG64 seeded with
(seed, i), so it does not depend on the batch it is drawn in. The Hugging Face adapter
and the adapters of seqtherm's own models all sample this way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def sample_uniforms(seed: int, sample_indices: Sequence[int], n_steps: int) -> np.ndarray:
    """Uniform numbers of shape (n_samples, n_steps), row i from the stream (seed, i)."""
    return np.stack([np.random.default_rng([seed, int(i)]).random(n_steps) for i in sample_indices])


def draw_inverse_cdf(log_p: torch.Tensor, uniforms: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw one token per row of `log_p` (batch, vocab) by inverse CDF.

    Returns the drawn ids, shape (batch, 1), and their log-probabilities as float64,
    shape (batch,): the first id whose cumulative probability exceeds u.
    """
    log_p = log_p.to(torch.float64)
    cumulative = torch.cumsum(log_p.exp(), dim=-1)
    u = torch.from_numpy(np.asarray(uniforms, dtype=np.float64)).to(log_p.device).unsqueeze(-1) * cumulative[:, -1:]
    drawn = torch.searchsorted(cumulative, u).clamp(max=log_p.shape[-1] - 1)
    return drawn, log_p.gather(-1, drawn).squeeze(-1)
