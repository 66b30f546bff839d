"""One analysis of a linear Gaussian model: exact curve, rate, decomposition, Monte Carlo check.

`analyze_gaussian_model` computes, and `GaussianAnalysis` stores, every number that the
`seqtherm gaussian` command reports. Rendering lives in `seqtherm.reporting.gaussian`.
All values are in nats.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seqtherm.analytic.gaussian import (
    check_n_steps,
    entropy_production_curve,
    entropy_production_curve_stationary,
    saturation_entropy_production,
    stationary_rate,
)
from seqtherm.analytic.gaussian_decomposition import GaussianDecomposition, decompose_entropy_production
from seqtherm.errors import InvalidInputError
from seqtherm.estimators.monte_carlo import MonteCarloEstimate, estimate_entropy_production
from seqtherm.models.gaussian import LinearGaussianModel, spectral_radius

logger = logging.getLogger(__name__)

# Below this |rate| the process counts as time-reversible and S_y(T) saturates. The
# closed-form rate of a reversible model is round-off, about 1e-16 per step.
REVERSIBLE_RATE_TOLERANCE = 1e-10

# The stationary start has only the dense O((T d_obs)^3) method; at this size one
# factorisation takes seconds and about 1 GB of memory.
MAX_DENSE_SIZE = 6000


@dataclass(frozen=True)
class GaussianAnalysis:
    """Exact and sampled entropy production of one linear Gaussian model, in nats.

    `entropy_production[T - 1]` is S_y(T) for T = 1..n_steps. `stationary_rate` is
    lim S_y(T) / T, None when A or A (I - K C) is not stable. `saturation` is lim S_y(T)
    when the rate is zero, else None. `decomposition` contains D_t, L_t, M_t for
    T = n_steps (None for a stationary start). `monte_carlo` contains one estimate per
    sampled T.
    """

    model: LinearGaussianModel
    n_steps: int
    entropy_production: np.ndarray
    stationary_rate: float | None
    saturation: float | None
    decomposition: GaussianDecomposition | None
    monte_carlo: list[MonteCarloEstimate] = field(default_factory=list)
    seed: int = 0

    def to_pandas(self) -> pd.DataFrame:
        """Return the curve as one row per T, with the Monte Carlo mean and standard error where sampled (else NaN)."""
        table = pd.DataFrame(
            {
                "T": np.arange(1, self.n_steps + 1),
                "entropy_production": self.entropy_production,
                "increment": np.diff(self.entropy_production, prepend=0.0),
            }
        )
        table["monte_carlo_mean"] = np.nan
        table["monte_carlo_standard_error"] = np.nan
        for estimate in self.monte_carlo:
            row = estimate.n_steps - 1
            table.loc[row, "monte_carlo_mean"] = estimate.entropy_production
            table.loc[row, "monte_carlo_standard_error"] = estimate.standard_error
        return table

    def monte_carlo_table(self) -> pd.DataFrame:
        """Return one row per sampled T: Monte Carlo mean, standard error, exact value and their gap in standard errors."""
        rows = []
        for estimate in self.monte_carlo:
            exact = float(self.entropy_production[estimate.n_steps - 1])
            # At T = 1 reversal is the identity, so sigma is 0 for every sample.
            deviation = (
                (estimate.entropy_production - exact) / estimate.standard_error
                if estimate.standard_error > 0.0
                else None
            )
            rows.append(
                {
                    "T": estimate.n_steps,
                    "n_samples": estimate.n_samples,
                    "monte_carlo_mean": estimate.entropy_production,
                    "monte_carlo_standard_error": estimate.standard_error,
                    "entropy_production": exact,
                    "deviation_in_standard_errors": deviation,
                    "mean_exp_neg_sigma": estimate.mean_exp_neg_sigma,
                    "exp_neg_sigma_standard_error": estimate.exp_neg_sigma_standard_error,
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """JSON-ready summary: the model, the curve, the rate, the decomposition and the Monte Carlo rows."""
        model = self.model
        return {
            "model": {
                "A": model.A.tolist(),
                "C": model.C.tolist(),
                "K": model.K.tolist(),
                "S": model.S.tolist(),
                "P": None if model.riccati_solution is None else model.riccati_solution.tolist(),
                "stationary_start": model.stationary_start,
                "spectral_radius_A": spectral_radius(model.A),
                "spectral_radius_closed_loop": spectral_radius(model.closed_loop),
            },
            "n_steps": self.n_steps,
            "units": "nats",
            "entropy_production_final": float(self.entropy_production[-1]),
            "entropy_production": self.entropy_production.tolist(),
            "stationary_rate": self.stationary_rate,
            "saturation": self.saturation,
            "decomposition": None if self.decomposition is None else self.decomposition.to_dict(),
            "monte_carlo": self.monte_carlo_table().to_dict(orient="records"),
            "seed": self.seed,
        }


def monte_carlo_steps(n_steps: int, n_points: int = 12) -> list[int]:
    """Up to `n_points` sequence lengths spread geometrically over 2..n_steps, always including n_steps.

    T = 1 is left out unless it is the only length, because sigma is then exactly 0.
    """
    if n_steps == 1:
        return [1]
    grid = np.unique(np.round(np.geomspace(2, n_steps, n_points)).astype(int))
    return [int(T) for T in grid]


def analyze_gaussian_model(
    model: LinearGaussianModel,
    n_steps: int,
    *,
    n_samples: int = 0,
    seed: int = 0,
    sampled_steps: list[int] | None = None,
) -> GaussianAnalysis:
    """Compute S_y(1..T), the stationary rate, the decomposition at T and, if asked, Monte Carlo estimates.

    With `n_samples` > 0 the generic estimator of `seqtherm.estimators.monte_carlo`
    samples `n_samples` fresh sequences at each length in `sampled_steps` (default:
    `monte_carlo_steps(n_steps)`), with seed `seed + i` for the i-th length.
    """
    n_steps = check_n_steps(n_steps)
    if n_samples < 0 or n_samples == 1:
        raise InvalidInputError(f"the Monte Carlo check needs 0 (off) or at least 2 samples, got {n_samples}")

    if model.stationary_start:
        if n_steps * model.d_obs > MAX_DENSE_SIZE:
            raise InvalidInputError(
                f"a stationary start uses the dense method, limited to T d_obs <= {MAX_DENSE_SIZE}; "
                f"got T = {n_steps} with d_obs = {model.d_obs}. Use a smaller T or the start h_0 = 0"
            )
        curve = entropy_production_curve_stationary(model, n_steps)
        decomposition = None
    else:
        curve = entropy_production_curve(model, n_steps)
        decomposition = decompose_entropy_production(model, n_steps)

    rate: float | None = None
    saturation: float | None = None
    try:
        rate = stationary_rate(model)
    except InvalidInputError as error:
        logger.warning("no stationary rate: %s", error)
    if rate is not None and abs(rate) <= REVERSIBLE_RATE_TOLERANCE and not model.stationary_start:
        saturation = saturation_entropy_production(model, rate_tolerance=REVERSIBLE_RATE_TOLERANCE)

    estimates: list[MonteCarloEstimate] = []
    if n_samples:
        steps = sampled_steps if sampled_steps is not None else monte_carlo_steps(n_steps)
        for index, T in enumerate(steps):
            if not 1 <= T <= n_steps:
                raise InvalidInputError(f"sampled length {T} is outside 1..{n_steps}")
            logger.info("Monte Carlo at T = %d with %d samples", T, n_samples)
            estimates.append(estimate_entropy_production(model, n_samples, T, seed=seed + index))

    return GaussianAnalysis(
        model=model,
        n_steps=n_steps,
        entropy_production=curve,
        stationary_rate=rate,
        saturation=saturation,
        decomposition=decomposition,
        monte_carlo=estimates,
        seed=seed,
    )
