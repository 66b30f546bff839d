"""Monte Carlo estimate of the entropy production of a model's own process.

For sequences y ~ P_fwd of length T (Sagawa 2026, arXiv:2604.07867):

    sigma(y) = ln P_fwd(y) - ln P_fwd(reverse(y))
    S_y      = E[sigma] = KL(P_fwd || P_fwd o reverse) >= 0
    E[exp(-sigma)] = 1          (integral fluctuation theorem)

The estimate of S_y is the sample mean of sigma with standard error std / sqrt(N).
The forward log-probabilities come from sampling itself, so each sample costs one
scoring pass, of its reversal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from seqtherm.errors import InvalidInputError
from seqtherm.models.protocol import AutoregressiveModel, path_log_probs
from seqtherm.reversal import reverse_tokens


@dataclass(frozen=True)
class MonteCarloEstimate:
    """Sample statistics of sigma over N model samples, in nats per sequence."""

    n_samples: int
    n_steps: int
    entropy_production: float
    standard_error: float
    mean_exp_neg_sigma: float
    exp_neg_sigma_standard_error: float
    sigma: np.ndarray

    def to_dict(self) -> dict:
        """Return the scalar fields as a JSON-ready dict (without the per-sample sigma)."""
        fields = asdict(self)
        fields.pop("sigma")
        return fields


def summarize_sigma(sigma: np.ndarray, n_steps: int) -> MonteCarloEstimate:
    """Compute the mean of sigma and of exp(-sigma), each with its standard error."""
    sigma = np.asarray(sigma, dtype=np.float64)
    n_samples = len(sigma)
    if n_samples < 2:
        raise InvalidInputError(f"need at least 2 samples for a standard error, got {n_samples}")
    exp_neg_sigma = np.exp(-sigma)
    return MonteCarloEstimate(
        n_samples=n_samples,
        n_steps=n_steps,
        entropy_production=float(sigma.mean()),
        standard_error=float(sigma.std(ddof=1) / np.sqrt(n_samples)),
        mean_exp_neg_sigma=float(exp_neg_sigma.mean()),
        exp_neg_sigma_standard_error=float(exp_neg_sigma.std(ddof=1) / np.sqrt(n_samples)),
        sigma=sigma,
    )


def estimate_entropy_production(
    model: AutoregressiveModel, n_samples: int, n_steps: int, *, seed: int = 0
) -> MonteCarloEstimate:
    """Estimate S_y(T) of `model` by token reversal of `n_samples` sampled sequences."""
    if n_steps < 1:
        raise InvalidInputError(f"sequence length T must be at least 1, got {n_steps}")
    batch = model.sample(n_samples, n_steps, seed=seed)
    forward = np.array([steps.sum() for steps in batch.step_log_probs])
    reversed_ = path_log_probs(model, [reverse_tokens(y) for y in batch.sequences])
    return summarize_sigma(forward - reversed_, n_steps)
