"""Brute-force reference values for finite-state models: sums over all n_symbols^T paths.

These are the cross-checks of the dynamic programs in `seqtherm.analytic.finite_state`
and are usable only for short paths. With sigma(y) = ln P_fwd(y) - ln P_fwd(R y), R a
time reversal (token or fixed-length block; Sagawa 2026, arXiv:2604.07867):

    S_y(T)         = sum_y P_fwd(y) sigma(y)
    E[exp(-sigma)] = sum_{y: P_fwd(y) > 0} P_fwd(R y) = 1 when every reversed path of
                     positive probability is the reversal of a possible path
"""

from __future__ import annotations

import numpy as np

from seqtherm.errors import InvalidInputError
from seqtherm.models.finite_state import FiniteStateModel
from seqtherm.reversal import fixed_length_blocks, reverse_blocks

# Enumeration stores paths of shape (n_paths, T) as int64; 2**18 paths of 20 steps take
# 42 MB, which keeps the reference cheap on a laptop.
MAX_ENUMERATED_PATHS = 2**18


def enumerate_paths(model: FiniteStateModel, n_steps: int) -> np.ndarray:
    """Return every path of length T in lexicographic order (y_1 most significant); shape (n_symbols^T, T)."""
    if n_steps < 1:
        raise InvalidInputError(f"sequence length T must be at least 1, got {n_steps}")
    n_paths = model.n_symbols**n_steps
    if n_paths > MAX_ENUMERATED_PATHS:
        raise InvalidInputError(
            f"enumerating {model.n_symbols}^{n_steps} = {n_paths} paths exceeds the limit of "
            f"{MAX_ENUMERATED_PATHS}; use the dynamic program or Monte Carlo for this T"
        )
    indices = np.arange(n_paths)
    powers = model.n_symbols ** np.arange(n_steps - 1, -1, -1)
    return (indices[:, None] // powers[None, :]) % model.n_symbols


def reversal_permutation(n_steps: int, block_length: int | None) -> np.ndarray:
    """Return the time indices of the reversed path: token reversal, or fixed-length blocks."""
    if block_length is None:
        return np.arange(n_steps)[::-1].copy()
    reversed_times, _ = reverse_blocks(np.arange(n_steps), fixed_length_blocks(n_steps, block_length))
    return reversed_times


def path_sigma(model: FiniteStateModel, n_steps: int, block_length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return ln P_fwd(y) and sigma(y) for every path, each of shape (n_symbols^T,).

    sigma is +inf for a possible path whose reversal is impossible, and nan for an
    impossible path (which has weight 0 in every expectation).
    """
    paths = enumerate_paths(model, n_steps)
    forward = model.step_log_probs_array(paths).sum(axis=1)
    reverse = model.step_log_probs_array(paths[:, reversal_permutation(n_steps, block_length)]).sum(axis=1)
    with np.errstate(invalid="ignore"):
        sigma = forward - reverse
    return forward, sigma


def entropy_production_by_enumeration(model: FiniteStateModel, n_steps: int, block_length: int | None = None) -> float:
    """Compute S_y(T) = sum_y P_fwd(y) sigma(y) over all paths (nats).

    Raises InvalidInputError when S_y(T) is infinite, naming a possible path whose reversal
    is impossible.
    """
    forward, sigma = path_sigma(model, n_steps, block_length)
    possible = np.isfinite(forward)
    infinite = possible & np.isinf(sigma)
    if infinite.any():
        path = enumerate_paths(model, n_steps)[np.flatnonzero(infinite)[0]]
        labels = " ".join(model.symbol_labels[s] for s in path)
        raise InvalidInputError(
            f"S_y(T = {n_steps}) is infinite: the path '{labels}' is possible but its reversal has probability 0"
        )
    return float(np.sum(np.exp(forward[possible]) * sigma[possible]))


def mean_exp_neg_sigma_by_enumeration(model: FiniteStateModel, n_steps: int, block_length: int | None = None) -> float:
    """Compute E[exp(-sigma)] = sum_{y: P_fwd(y) > 0} P_fwd(R y) exactly (integral fluctuation theorem)."""
    forward, sigma = path_sigma(model, n_steps, block_length)
    possible = np.isfinite(forward)
    return float(np.sum(np.exp(forward[possible] - sigma[possible])))
