"""Exact entropy production of finite-state models by dynamic programming over summaries.

For a finite-state model (see `seqtherm.models.finite_state`) with emission E[h, y],
update Phi(h, y) and initial summary h_0, the mean entropy production of paths of
length T is (Sagawa 2026, arXiv:2604.07867)

    S_y(T) = E ln P_fwd(y_1..y_T) - E ln P_fwd(y_T..y_1)
           = sum_{t=1}^{T} E ln E[h_{t-1}, y_t] - sum_{t=1}^{T} E ln E[g_{t+1}, y_t]

with forward summaries h_t = Phi(y_1..y_t) and backward summaries
g_{t+1} = Phi(y_T, ..., y_{t+1}), g_{T+1} = h_0. Both sums need only low-dimensional laws:

    alpha_j(h)       = P(h_j = h)                          alpha_{j+1} = alpha_j M
    Q^{(k)}(h, g)    = P(g = g after reading the next k symbols backwards | h_t = h)
    Q^{(0)}(h, g)    = 1[g = h_0]
    Q^{(k+1)}(h, g)  = sum_y E[h, y] sum_{g'} Q^{(k)}(Phi(h, y), g') 1[Phi(g', y) = g]

where M[h, h'] = sum_y E[h, y] 1[Phi(h, y) = h']. Given h_t the next k symbols do not
depend on t, so Q^{(k)} does not depend on the horizon T. With
c_k(h) = sum_{y, g} E[h, y] Q^{(k)}(Phi(h, y), g) ln E[g, y] and v_{k+1} = M v_k + c_k:

    E ln P_fwd(y_T..y_1) = sum_{k=0}^{T-1} alpha_{T-1-k} . c_k = v_T[h_0]

so one pass over k = 0..T-1 gives the whole curve S_y(1..T) in
O(T n_summaries^2 n_symbols) time and O(n_summaries^2) memory. Everything is in nats.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from seqtherm.errors import InvalidInputError
from seqtherm.models.finite_state import FiniteStateModel, blocked_model, stationary_distribution

logger = logging.getLogger(__name__)

# The stationary rate iterates Q^{(k)} until c_k changes by less than this (nats per step)
# or MAX_RATE_ITERATIONS is reached.
RATE_TOLERANCE = 1e-13
MAX_RATE_ITERATIONS = 100_000

# The model over blocks has n_symbols^block_length super-symbols and stores two tables of
# n_summaries times that many entries, so larger alphabets of blocks are rejected.
MAX_BLOCK_SYMBOLS = 2**20


def log_emission(model: FiniteStateModel) -> np.ndarray:
    """Return ln E[h, y] with 0 in place of ln 0, so that 0 ln 0 = 0 in sums; shape (n_summaries, n_symbols)."""
    positive = model.emission > 0
    return np.where(positive, np.log(np.where(positive, model.emission, 1.0)), 0.0)


def negative_emission_entropy(model: FiniteStateModel) -> np.ndarray:
    """Return e(h) = sum_y E[h, y] ln E[h, y], shape (n_summaries,), in nats."""
    return np.sum(model.emission * log_emission(model), axis=1)


class BackwardSummaryLaw:
    """Iterates Q^{(k)}, the law of the backward summary after k symbols read backwards.

    `law` has shape (n_summaries, n_summaries): law[h, g] = Q^{(k)}(h, g). `support` is
    the exact boolean support of the same matrix, kept apart so that an impossible reversed
    path is detected even where probabilities underflow.
    """

    def __init__(self, model: FiniteStateModel) -> None:
        n_h, n_y = model.n_summaries, model.n_symbols
        self.model = model
        self.k = 0
        self.law = np.zeros((n_h, n_h))
        self.law[:, model.initial_summary] = 1.0
        self.support = self.law > 0
        # scatter[(y, g'), g] = 1[Phi(g', y) = g], so W.reshape(n_h, n_y * n_h) @ scatter
        # pushes each g' through the update on symbol y.
        rows = np.arange(n_y * n_h)
        columns = model.update.T.ravel()
        self._scatter = scipy.sparse.csr_matrix((np.ones(n_y * n_h), (rows, columns)), shape=(n_y * n_h, n_h))
        self._log_emission = log_emission(model)
        self._impossible = (model.emission == 0).astype(np.float64)

    def step_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Return c_k(h), shape (n_summaries,), and the mask of h where c_k(h) = -inf."""
        model = self.model
        # expected[h', y] = sum_g Q^{(k)}(h', g) ln E[g, y]
        expected = self.law @ self._log_emission
        gathered = expected[model.update, np.arange(model.n_symbols)[None, :]]
        c = np.sum(model.emission * gathered, axis=1)
        hits_zero = (self.support.astype(np.float64) @ self._impossible)[model.update, np.arange(model.n_symbols)[None, :]] > 0
        infinite = np.any((model.emission > 0) & hits_zero, axis=1)
        return c, infinite

    def advance(self) -> None:
        """Replace Q^{(k)} by Q^{(k+1)}."""
        model = self.model
        n_h = model.n_summaries
        weighted = model.emission[:, :, None] * self.law[model.update]
        reachable = (model.emission > 0)[:, :, None] & self.support[model.update]
        self.law = np.asarray((self._scatter.T @ weighted.reshape(n_h, -1).T).T)
        self.support = np.asarray((self._scatter.T @ reachable.reshape(n_h, -1).T.astype(np.float64)).T) > 0
        self.k += 1

    def find_impossible_step(self, summary: int) -> tuple[int, int, int]:
        """Return (h, y, g): from forward summary h, symbol y is possible, g is a possible
        backward summary before y, and E[g, y] = 0. Only valid where step_terms flags h."""
        model = self.model
        for y in np.flatnonzero(model.emission[summary] > 0):
            for g in np.flatnonzero(self.support[model.update[summary, y]]):
                if model.emission[g, y] == 0:
                    return summary, int(y), int(g)
        raise AssertionError("find_impossible_step called for a summary without an impossible step")


def _raise_infinite(model: FiniteStateModel, n_steps: int, h: int, y: int, g: int) -> None:
    symbol = model.symbol_labels[y]
    raise InvalidInputError(
        f"S_y(T) is infinite from T = {n_steps}: a forward path of positive probability emits "
        f"'{symbol}' from summary '{model.summary_labels[h]}', and reading its reversal the model "
        f"must emit '{symbol}' from summary '{model.summary_labels[g]}', where transition "
        f"{model.describe_transition(g, y)} has probability 0. The reversed path is impossible; "
        "give that transition a positive probability (for example by smoothing)"
    )


def entropy_production_curve(model: FiniteStateModel, n_steps: int) -> np.ndarray:
    """Compute S_y(T) for T = 1..n_steps exactly; shape (n_steps,), nats per path.

    Raises InvalidInputError, naming an impossible transition, when S_y(T) is infinite for
    some T <= n_steps (a possible path whose reversal has probability 0).
    """
    if n_steps < 1:
        raise InvalidInputError(f"sequence length T must be at least 1, got {n_steps}")
    transition = model.summary_transition_matrix()
    transition_support = (transition > 0).astype(np.float64)
    e = negative_emission_entropy(model)
    h0 = model.initial_summary

    law = BackwardSummaryLaw(model)
    alpha = np.zeros(model.n_summaries)
    alpha[h0] = 1.0
    v = np.zeros(model.n_summaries)
    # infinite_reach[h]: the backward sum started from forward summary h has a -inf term.
    infinite_reach = np.zeros(model.n_summaries, dtype=bool)
    alpha_supports: list[np.ndarray] = []
    impossible_steps: dict[int, dict[int, tuple[int, int]]] = {}
    forward_sum = 0.0
    curve = np.empty(n_steps)
    for k in range(n_steps):
        # Forward part: add E ln E[h_k, y_{k+1}] under alpha_k.
        forward_sum += alpha @ e
        alpha_supports.append(alpha > 0)
        alpha = alpha @ transition

        # Backward part: v_{k+1} = M v_k + c_k, and the same recursion for the -inf terms.
        c, infinite = law.step_terms()
        if infinite.any():
            impossible_steps[k] = {int(h): law.find_impossible_step(int(h))[1:] for h in np.flatnonzero(infinite)}
        v = transition @ v + np.where(infinite, 0.0, c)
        infinite_reach = ((transition_support @ infinite_reach) > 0) | infinite
        if infinite_reach[h0]:
            # Find the term alpha_{T-1-k'} . c_{k'} that is -inf, for T = k + 1.
            for k_flagged, steps in sorted(impossible_steps.items()):
                for h, (y, g) in steps.items():
                    if alpha_supports[k - k_flagged][h]:
                        _raise_infinite(model, k + 1, h, y, g)
            raise AssertionError("an infinite term was flagged but not located")
        curve[k] = forward_sum - v[h0]
        law.advance()
    return curve


def entropy_production(model: FiniteStateModel, n_steps: int) -> float:
    """Compute S_y(T) exactly for T = n_steps (nats); see `entropy_production_curve`."""
    return float(entropy_production_curve(model, n_steps)[-1])


@dataclass(frozen=True)
class StationaryRate:
    """The limit of S_y(T) / T in nats per step, or None with the reason (also when it is infinite)."""

    rate: float | None
    note: str


def stationary_rate(model: FiniteStateModel) -> StationaryRate:
    """Compute lim S_y(T) / T = sum_h pi(h) [e(h) - c_inf(h)] in nats per step.

    pi is the stationary law of the summary chain M, e(h) = sum_y E[h, y] ln E[h, y] and
    c_inf = lim c_k. For a first-order Markov chain this is the Schnakenberg entropy
    production rate sum_{x, y} pi(x) W(x, y) ln[W(x, y) / W(y, x)] (Schnakenberg 1976,
    Rev. Mod. Phys. 48, 571). The rate is None when the summary chain has more than one
    closed class (no unique pi) or when c_k does not converge within MAX_RATE_ITERATIONS
    (for example, an automaton whose backward summary cycles with a period).
    """
    transition = model.summary_transition_matrix()
    try:
        pi = stationary_distribution(transition)
    except InvalidInputError as error:
        return StationaryRate(None, f"no unique stationary law of the summaries: {error}")
    law = BackwardSummaryLaw(model)
    e = negative_emission_entropy(model)
    stationary = pi > 0

    previous = None
    for _ in range(MAX_RATE_ITERATIONS):
        c, infinite = law.step_terms()
        if np.any(infinite & stationary):
            return StationaryRate(
                None, "the rate is infinite: in the stationary regime a possible path has an impossible reversal"
            )
        if previous is not None and np.max(np.abs(c - previous)[stationary]) < RATE_TOLERANCE:
            rate = float(pi @ (e - c))
            return StationaryRate(rate, f"converged after {law.k} backward steps")
        previous = c
        law.advance()
    logger.warning("backward summary law did not converge in %d steps", MAX_RATE_ITERATIONS)
    return StationaryRate(None, f"the backward summary law did not converge in {MAX_RATE_ITERATIONS} steps")


def block_entropy_production_curve(model: FiniteStateModel, n_steps: int, block_length: int) -> dict[int, float]:
    """Compute S_block(T) for every T = l, 2l, ... <= n_steps under fixed-length block reversal.

    Reversing the order of blocks of l symbols is token reversal of the model over blocks
    (`blocked_model`), so the same dynamic program applies with n_symbols^l super-symbols.
    Returns {T: S_block(T)} in nats per path.
    """
    if block_length < 1:
        raise InvalidInputError(f"block length must be at least 1 symbol, got {block_length}")
    if model.n_symbols**block_length > MAX_BLOCK_SYMBOLS:
        raise InvalidInputError(
            f"blocks of {block_length} symbols over {model.n_symbols} symbols give "
            f"{model.n_symbols**block_length} block values, above the limit of {MAX_BLOCK_SYMBOLS}; "
            "choose a shorter block length"
        )
    n_blocks = n_steps // block_length
    if n_blocks < 1:
        raise InvalidInputError(
            f"block length {block_length} is longer than T = {n_steps}; choose a block length <= T"
        )
    curve = entropy_production_curve(blocked_model(model, block_length), n_blocks)
    return {block_length * (j + 1): float(value) for j, value in enumerate(curve)}
