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


@dataclass(frozen=True)
class SigmaStatistics:
    """Sample statistics of sigma / n_tokens over N samples, in nats per token.

    Each sample's sigma is divided by its own length (T, or T' for samples cut after
    their last sentence delimiter) before averaging, the normalisation of Sagawa 2026
    (arXiv:2604.07867). `mean_sigma` is the mean of sigma itself, in nats per sequence.
    """

    n_samples: int
    mean: float
    standard_error: float
    median: float
    q25: float
    q75: float
    ci_low: float
    ci_high: float
    confidence_level: float
    mean_sigma: float
    mean_sigma_standard_error: float
    mean_n_tokens: float

    def to_dict(self) -> dict:
        """Return the fields as a JSON-ready dict."""
        return asdict(self)


def describe_sigma(
    sigma: np.ndarray,
    n_tokens: np.ndarray,
    *,
    seed: int = 0,
    confidence: float = 0.95,
    n_resamples: int = 9999,
) -> SigmaStatistics:
    """Summarise sigma / n_tokens: mean, standard error, quartiles, bootstrap CI of the mean.

    Args:
        sigma: shape (n_samples,), nats per sequence.
        n_tokens: shape (n_samples,), the length each sigma is divided by.
        seed: seed of the percentile bootstrap.
    """
    from scipy import stats

    sigma = np.asarray(sigma, dtype=np.float64)
    n_tokens = np.asarray(n_tokens, dtype=np.float64)
    n_samples = len(sigma)
    if n_samples < 2:
        raise InvalidInputError(f"need at least 2 samples for a standard error, got {n_samples}")
    per_token = sigma / n_tokens
    bootstrap = stats.bootstrap(
        (per_token,),
        np.mean,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        batch=max(1, 2_000_000 // n_samples),
        rng=np.random.default_rng(seed),
    )
    return SigmaStatistics(
        n_samples=n_samples,
        mean=float(per_token.mean()),
        standard_error=float(per_token.std(ddof=1) / np.sqrt(n_samples)),
        median=float(np.median(per_token)),
        q25=float(np.quantile(per_token, 0.25)),
        q75=float(np.quantile(per_token, 0.75)),
        ci_low=float(bootstrap.confidence_interval.low),
        ci_high=float(bootstrap.confidence_interval.high),
        confidence_level=confidence,
        mean_sigma=float(sigma.mean()),
        mean_sigma_standard_error=float(sigma.std(ddof=1) / np.sqrt(n_samples)),
        mean_n_tokens=float(n_tokens.mean()),
    )


@dataclass(frozen=True)
class ConvergenceCurve:
    """Running mean of a per-sample statistic against the number of samples N.

    The band is the running mean +/- z * s_N / sqrt(N), with s_N the sample standard
    deviation of the first N values and z the normal quantile of the confidence level;
    it is NaN at N = 1. Arrays have shape (n_points,).
    """

    n_samples: np.ndarray
    running_mean: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    confidence_level: float

    def to_pandas(self):
        """Return one row per point: n_samples, running_mean, ci_low, ci_high."""
        import pandas as pd

        return pd.DataFrame(
            {
                "n_samples": self.n_samples,
                "running_mean": self.running_mean,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            }
        )

    def to_dict(self) -> dict:
        """Return the curve as JSON-ready lists."""
        return {
            "confidence_level": self.confidence_level,
            "n_samples": self.n_samples.tolist(),
            "running_mean": self.running_mean.tolist(),
            "ci_low": self.ci_low.tolist(),
            "ci_high": self.ci_high.tolist(),
        }


def running_mean_curve(values: np.ndarray, *, confidence: float = 0.95, max_points: int = 200) -> ConvergenceCurve:
    """Compute the running mean with its confidence band at up to `max_points` values of N."""
    from scipy import stats

    values = np.asarray(values, dtype=np.float64)
    n_values = len(values)
    if n_values < 1:
        raise InvalidInputError("cannot draw a convergence curve of zero samples")
    counts = np.arange(1, n_values + 1)
    running_mean = np.cumsum(values) / counts

    # Running variance from the running sums; ddof = 1, so undefined at N = 1.
    with np.errstate(invalid="ignore", divide="ignore"):
        sum_squares = np.cumsum((values - running_mean[-1]) ** 2)
        shifted_mean = running_mean - running_mean[-1]
        variance = (sum_squares - counts * shifted_mean**2) / (counts - 1)
        half_width = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(np.maximum(variance, 0.0) / counts)
    half_width[0] = np.nan

    keep = np.unique(np.linspace(0, n_values - 1, min(max_points, n_values)).round().astype(int))
    return ConvergenceCurve(
        n_samples=counts[keep],
        running_mean=running_mean[keep],
        ci_low=(running_mean - half_width)[keep],
        ci_high=(running_mean + half_width)[keep],
        confidence_level=confidence,
    )


@dataclass(frozen=True)
class FluctuationTheoremCheck:
    """The integral fluctuation theorem E[exp(-sigma)] = 1 checked on N samples.

    `effective_sample_size` is Kish's (sum w)^2 / sum w^2 with w = exp(-sigma): when a
    few samples with very negative sigma dominate the mean, it is far below N and the
    standard error understates the uncertainty.
    """

    n_samples: int
    mean_exp_neg_sigma: float
    standard_error: float
    effective_sample_size: float

    def to_dict(self) -> dict:
        """Return the fields as a JSON-ready dict."""
        return asdict(self)


def check_fluctuation_theorem(sigma: np.ndarray) -> FluctuationTheoremCheck:
    """Compute the mean of exp(-sigma), its standard error and Kish's effective sample size.

    For samples of the model's own process and a bijective reversal, E[exp(-sigma)] = 1
    exactly (Sagawa 2026, arXiv:2604.07867). The mean overflows to infinity when some
    sigma is below about -709; the effective sample size is computed in log space.
    """
    from scipy.special import logsumexp

    sigma = np.asarray(sigma, dtype=np.float64)
    n_samples = len(sigma)
    if n_samples < 2:
        raise InvalidInputError(f"need at least 2 samples for a standard error, got {n_samples}")
    with np.errstate(over="ignore", invalid="ignore"):
        weights = np.exp(-sigma)
        standard_error = float(weights.std(ddof=1) / np.sqrt(n_samples))
    effective = float(np.exp(2 * logsumexp(-sigma) - logsumexp(-2 * sigma)))
    return FluctuationTheoremCheck(
        n_samples=n_samples,
        mean_exp_neg_sigma=float(weights.mean()),
        standard_error=standard_error,
        effective_sample_size=effective,
    )
