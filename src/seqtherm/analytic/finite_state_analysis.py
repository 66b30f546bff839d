"""One call that computes everything seqtherm reports for a finite-state model, as a result object.

The numbers come from `seqtherm.analytic.finite_state` (S_y curve, stationary rate, block
reversal) and `seqtherm.analytic.finite_state_decomposition` (D_t = L_t + M_t); this module
only collects them. Rendering lives in `seqtherm.reporting.finite_state`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqtherm.analytic.finite_state import (
    block_entropy_production_curve,
    entropy_production_curve,
    stationary_rate,
)
from seqtherm.analytic.finite_state_decomposition import FiniteStateDecomposition, decompose
from seqtherm.analytic.finite_state_enumeration import MAX_ENUMERATED_PATHS, entropy_production_by_enumeration
from seqtherm.models.finite_state import FiniteStateModel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FiniteStateAnalysis:
    """Exact entropy production of a finite-state model up to T steps, in nats.

    Attributes:
        entropy_production: S_y(T') for T' = 1..T, shape (T,).
        stationary_rate: lim S_y(T) / T in nats per step, or None (see `stationary_rate_note`).
        decomposition: D_t, L_t, M_t for t = 1..T at the horizon T.
        block_entropy_production: {T': S_block(T')} under reversal of fixed-length blocks
            of `block_length` symbols, or None without block reversal.
    """

    n_steps: int
    n_summaries: int
    n_symbols: int
    entropy_production: np.ndarray
    stationary_rate: float | None
    stationary_rate_note: str
    decomposition: FiniteStateDecomposition
    block_length: int | None = None
    block_entropy_production: dict[int, float] | None = None

    def to_dict(self) -> dict:
        """Return every result as JSON-ready types; keys of indexed values are T as strings."""
        parts = self.decomposition
        result = {
            "n_steps": self.n_steps,
            "n_summaries": self.n_summaries,
            "n_symbols": self.n_symbols,
            "entropy_production": {str(t + 1): float(v) for t, v in enumerate(self.entropy_production)},
            "stationary_rate": self.stationary_rate,
            "stationary_rate_note": self.stationary_rate_note,
            "decomposition_method": parts.method,
            "n_samples": parts.n_samples,
            "per_step_entropy_production": parts.per_step_entropy_production.tolist(),
            "per_step_standard_error": parts.per_step_standard_error.tolist(),
            "compression_loss": parts.compression_loss.tolist(),
            "compression_loss_standard_error": parts.compression_loss_standard_error.tolist(),
            "model_mismatch": parts.model_mismatch.tolist(),
            "forward_information": parts.forward_information.tolist(),
            "backward_information": parts.backward_information.tolist(),
            "refined_second_law_bound": parts.refined_second_law_bound,
            "block_length": self.block_length,
            "block_entropy_production": None,
        }
        if self.block_entropy_production is not None:
            result["block_entropy_production"] = {str(t): v for t, v in self.block_entropy_production.items()}
        return result

    def to_pandas(self) -> pd.DataFrame:
        """Return one row per t = 1..T.

        Column `entropy_production` is the curve S_y(T = t); the other columns are the
        decomposition terms of step t at the final horizon T.
        """
        parts = self.decomposition
        frame = pd.DataFrame(
            {
                "entropy_production": self.entropy_production,
                "per_step_entropy_production": parts.per_step_entropy_production,
                "per_step_standard_error": parts.per_step_standard_error,
                "compression_loss": parts.compression_loss,
                "compression_loss_standard_error": parts.compression_loss_standard_error,
                "model_mismatch": parts.model_mismatch,
                "forward_information": parts.forward_information,
                "backward_information": parts.backward_information,
            },
            index=pd.RangeIndex(1, self.n_steps + 1, name="t"),
        )
        return frame

    def block_frame(self) -> pd.DataFrame | None:
        """Return S_block(T') indexed by T', or None without block reversal."""
        if self.block_entropy_production is None:
            return None
        return pd.DataFrame(
            {"block_entropy_production": list(self.block_entropy_production.values())},
            index=pd.Index(list(self.block_entropy_production), name="T"),
        )


def analyze_finite_state(
    model: FiniteStateModel,
    n_steps: int,
    *,
    block_length: int | None = None,
    n_samples: int = 2000,
    seed: int = 0,
) -> FiniteStateAnalysis:
    """Compute the S_y curve, stationary rate, decomposition and optional block reversal.

    The decomposition is exact when n_symbols^T <= MAX_ENUMERATED_PATHS; beyond that,
    D_t and L_t are estimated from `n_samples` sampled paths (seeded by `seed`). Block
    reversal is exact at every multiple of `block_length` up to T, and also at T itself
    when T is not a multiple but its paths can be enumerated.
    """
    curve = entropy_production_curve(model, n_steps)
    rate = stationary_rate(model)
    logger.info("S_y(%d) = %.6g nats; stationary rate: %s", n_steps, curve[-1], rate.note)
    parts = decompose(model, n_steps, n_samples=n_samples, seed=seed)

    blocks = None
    if block_length is not None:
        blocks = block_entropy_production_curve(model, n_steps, block_length)
        if n_steps % block_length and model.n_symbols**n_steps <= MAX_ENUMERATED_PATHS:
            blocks[n_steps] = entropy_production_by_enumeration(model, n_steps, block_length=block_length)
        # NOTE: a last block shorter than block_length is covered only by enumeration, so for
        # long T that is not a multiple the value at T itself is missing from the result.
    return FiniteStateAnalysis(
        n_steps=n_steps,
        n_summaries=model.n_summaries,
        n_symbols=model.n_symbols,
        entropy_production=curve,
        stationary_rate=rate.rate,
        stationary_rate_note=rate.note,
        decomposition=parts,
        block_length=block_length,
        block_entropy_production=blocks,
    )
