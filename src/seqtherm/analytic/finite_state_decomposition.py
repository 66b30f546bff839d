"""Exact per-step decomposition of S_y for finite-state models (retrospective inference).

Peeling the KL chain rule from the far end (Sagawa 2026, arXiv:2604.07867) gives

    S_y(T) = sum_{t=1}^{T} D_t,   D_t = E KL( P_fwd(y_t | y_{t+1..T}) || p(y_t | g_{t+1}) )
    D_t = L_t + M_t
    L_t = I(y_t ; y_{t+1..T} | g_{t+1})                         compression loss
    M_t = E KL( P_fwd(y_t | g_{t+1}) || p(y_t | g_{t+1}) )      model mismatch
    sum_t L_t = sum_t [ I(y_t ; h_{t-1}) - I(y_t ; g_{t+1}) ]   refined second law

M_t, I(y_t ; h_{t-1}) and I(y_t ; g_{t+1}) need only the joint law of (y_t, g_{t+1}),
which the dynamic program over summaries gives exactly for any T. D_t and L_t need the
retrodiction P_fwd(y_t | y_{t+1..T}); it is summed over all paths for short T, and for
long T averaged over sampled futures, with the retrodiction of each future computed
exactly by a backward pass over the forward summaries:

    beta_t(h) = P(y_{t+1..T} | h_t = h),   beta_T = 1,   beta_{t-1}(h) = E[h, y_t] beta_t(Phi(h, y_t))
    P_fwd(y_t = a | y_{t+1..T}) ∝ sum_h alpha_{t-1}(h) E[h, a] beta_t(Phi(h, a))

All quantities are in nats; per-step arrays have shape (T,) with index t - 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import rel_entr

from seqtherm.analytic.finite_state import BackwardSummaryLaw, entropy_production_curve
from seqtherm.analytic.finite_state_enumeration import MAX_ENUMERATED_PATHS, enumerate_paths
from seqtherm.errors import InvalidInputError
from seqtherm.models.finite_state import FiniteStateModel


@dataclass(frozen=True)
class StepLaws:
    """Exact per-step laws from the dynamic program, for one horizon T.

    Attributes:
        summary_marginals: alpha_{t-1}(h) = P(h_{t-1} = h), shape (T, n_summaries).
        symbol_backward_joint: P(y_t = y, g_{t+1} = g), shape (T, n_symbols, n_summaries).
    """

    summary_marginals: np.ndarray
    symbol_backward_joint: np.ndarray


def step_laws(model: FiniteStateModel, n_steps: int) -> StepLaws:
    """Compute alpha_{t-1} and the joint law of (y_t, g_{t+1}) for t = 1..T by the dynamic program.

    P(y_t = y, g_{t+1} = g) = sum_h alpha_{t-1}(h) E[h, y] Q^{(T-t)}(Phi(h, y), g).
    Costs O(T n_summaries^2 n_symbols) time and O(T n_summaries n_symbols) memory.
    """
    transition = model.summary_transition_matrix()
    alphas = np.empty((n_steps, model.n_summaries))
    alpha = np.zeros(model.n_summaries)
    alpha[model.initial_summary] = 1.0
    for t in range(n_steps):
        alphas[t] = alpha
        alpha = alpha @ transition

    joints = np.empty((n_steps, model.n_symbols, model.n_summaries))
    law = BackwardSummaryLaw(model)
    for k in range(n_steps):
        t = n_steps - k  # y_t has k symbols after it
        weighted = alphas[t - 1][:, None] * model.emission
        joints[t - 1] = np.einsum("hy,hyg->yg", weighted, law.law[model.update])
        law.advance()
    return StepLaws(alphas, joints)


def _mutual_information(joint: np.ndarray) -> float:
    """I(X; Y) of a joint law of shape (n_x, n_y), in nats."""
    product = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    return float(np.sum(rel_entr(joint, np.where(joint > 0, product, 1.0))))


def _expected_log_ratio(weights: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> float:
    """sum_i w_i ln(p_i / q_i) over the entries with w_i > 0."""
    used = weights > 0
    return float(np.sum(weights[used] * (np.log(numerator[used]) - np.log(denominator[used]))))


def _conditional_on_backward(joint: np.ndarray) -> np.ndarray:
    """P(y_t = y | g_{t+1} = g) from the joint of shape (n_symbols, n_summaries); 0 where P(g) = 0."""
    marginal = joint.sum(axis=0, keepdims=True)
    return np.divide(joint, marginal, out=np.zeros_like(joint), where=marginal > 0)


@dataclass(frozen=True)
class FiniteStateDecomposition:
    """Per-step decomposition D_t = L_t + M_t of S_y(T) in nats, arrays of shape (T,).

    `method` is "enumeration" (all terms exact, standard errors 0) or "monte_carlo" (D_t
    and L_t are sample means over `n_samples` futures with exact inner retrodiction, with
    D_t = L_t + M_t, while M_t and the mutual informations stay exact).
    """

    method: str
    n_samples: int | None
    per_step_entropy_production: np.ndarray
    per_step_standard_error: np.ndarray
    compression_loss: np.ndarray
    compression_loss_standard_error: np.ndarray
    model_mismatch: np.ndarray
    forward_information: np.ndarray
    backward_information: np.ndarray
    total_standard_error: float = 0.0  # of sum_t D_t, from the per-sample sums; 0 when exact

    @property
    def refined_second_law_bound(self) -> float:
        """sum_t [I(y_t ; h_{t-1}) - I(y_t ; g_{t+1})], equal to sum_t L_t and <= S_y(T)."""
        return float(np.sum(self.forward_information - self.backward_information))


def _exact_terms(model: FiniteStateModel, laws: StepLaws) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return M_t, I(y_t ; h_{t-1}) and I(y_t ; g_{t+1}) for each t, each of shape (T,)."""
    n_steps = len(laws.summary_marginals)
    mismatch = np.empty(n_steps)
    forward_information = np.empty(n_steps)
    backward_information = np.empty(n_steps)
    for index in range(n_steps):
        joint = laws.symbol_backward_joint[index]
        conditional = _conditional_on_backward(joint)
        # M_t = sum_g P(g) KL(P(. | g) || E[g, .]), with E indexed (g, y).
        mismatch[index] = np.sum(joint.sum(axis=0) * np.sum(rel_entr(conditional, model.emission.T), axis=0))
        forward_joint = laws.summary_marginals[index][:, None] * model.emission
        forward_information[index] = _mutual_information(forward_joint)
        backward_information[index] = _mutual_information(joint)
    return mismatch, forward_information, backward_information


def decompose_by_enumeration(model: FiniteStateModel, n_steps: int) -> FiniteStateDecomposition:
    """Compute D_t, L_t and M_t exactly by summing over all n_symbols^T paths.

    With P_m the law of the suffix y_{t..T}: P_fwd(y_t | y_{t+1..T}) = P_m / P_{m-1}, and
    L_t = H(y_t | g_{t+1}) - H(y_t | y_{t+1..T}), M_t from the joint law of (y_t, g_{t+1}).
    """
    entropy_production_curve(model, n_steps)  # raises with the offending transition if S_y is infinite
    paths = enumerate_paths(model, n_steps)
    probability = np.exp(model.step_log_probs_array(paths).sum(axis=1))
    n_y = model.n_symbols

    # backward[:, j] = g_{j+1}: the summary after reading y_T..y_{j+1}, so backward[:, T] = h_0.
    backward = np.empty((len(paths), n_steps + 1), dtype=np.int64)
    backward[:, n_steps] = model.initial_summary
    for j in range(n_steps - 1, -1, -1):
        backward[:, j] = model.update[backward[:, j + 1], paths[:, j]]

    per_step = np.empty(n_steps)
    compression = np.empty(n_steps)
    mismatch = np.empty(n_steps)
    for t in range(1, n_steps + 1):
        # Suffixes y_{t..T} are the path indices modulo n_y^m; index s has a prefix of zeros.
        m = n_steps - t + 1
        suffix = probability.reshape(-1, n_y**m).sum(axis=0)
        rest = probability.reshape(-1, n_y ** (m - 1)).sum(axis=0)
        symbol = np.arange(n_y**m) // n_y ** (m - 1)
        future = np.arange(n_y**m) % n_y ** (m - 1)
        backward_summary = backward[: n_y**m, t]
        retrodiction = np.divide(suffix, rest[future], out=np.zeros_like(suffix), where=suffix > 0)

        per_step[t - 1] = _expected_log_ratio(suffix, retrodiction, model.emission[backward_summary, symbol])
        joint = np.zeros((n_y, model.n_summaries))
        np.add.at(joint, (symbol, backward_summary), suffix)
        conditional = _conditional_on_backward(joint)
        # L_t = E ln[P(y_t | future) / P(y_t | g_{t+1})]
        compression[t - 1] = _expected_log_ratio(suffix, retrodiction, conditional[symbol, backward_summary])
        mismatch[t - 1] = np.sum(joint.sum(axis=0) * np.sum(rel_entr(conditional, model.emission.T), axis=0))

    laws = step_laws(model, n_steps)
    _, forward_information, backward_information = _exact_terms(model, laws)
    zeros = np.zeros(n_steps)
    return FiniteStateDecomposition(
        "enumeration", None, per_step, zeros, compression, zeros.copy(), mismatch,
        forward_information, backward_information,
    )


def decompose_by_sampling(
    model: FiniteStateModel, n_steps: int, n_samples: int, *, seed: int = 0
) -> FiniteStateDecomposition:
    """Estimate D_t and L_t by averaging exact retrodictions over sampled futures.

    For each sampled path, KL(P_fwd(y_t | y_{t+1..T}) || P_fwd(y_t | g_{t+1})) is computed
    exactly; its mean over futures is an unbiased estimate of L_t, reported with its
    standard error std / sqrt(N). M_t is exact, and D_t = L_t + M_t shares the standard
    error of L_t. Costs O(N T n_summaries n_symbols) on top of the dynamic program.
    """
    if n_samples < 2:
        raise InvalidInputError(f"need at least 2 samples for a standard error, got {n_samples}")
    entropy_production_curve(model, n_steps)  # raises with the offending transition if S_y is infinite
    laws = step_laws(model, n_steps)
    mismatch, forward_information, backward_information = _exact_terms(model, laws)
    paths, _ = model.sample_array(n_samples, n_steps, seed=seed)
    rows = np.arange(n_samples)

    backward = np.full(n_samples, model.initial_summary, dtype=np.int64)  # g_{t+1}, starting at g_{T+1}
    beta = np.ones((n_samples, model.n_summaries))  # beta_t, rescaled per sample
    per_sample = np.empty((n_samples, n_steps))
    for t in range(n_steps, 0, -1):
        # Retrodiction of y_t from the exact future of each sample.
        weighted = laws.summary_marginals[t - 1][:, None] * model.emission
        retrodiction = np.einsum("hy,nhy->ny", weighted, beta[:, model.update])
        retrodiction /= retrodiction.sum(axis=1, keepdims=True)
        conditional = _conditional_on_backward(laws.symbol_backward_joint[t - 1])
        per_sample[:, t - 1] = np.sum(rel_entr(retrodiction, conditional[:, backward].T), axis=1)

        # Step both recursions back over y_t.
        symbol = paths[:, t - 1]
        beta = model.emission[:, symbol].T * beta[rows[:, None], model.update[:, symbol].T]
        beta /= beta.sum(axis=1, keepdims=True)
        backward = model.update[backward, symbol]

    compression = per_sample.mean(axis=0)
    compression_error = per_sample.std(axis=0, ddof=1) / np.sqrt(n_samples)
    total_error = float(per_sample.sum(axis=1).std(ddof=1) / np.sqrt(n_samples))
    return FiniteStateDecomposition(
        "monte_carlo", n_samples, compression + mismatch, compression_error, compression, compression_error,
        mismatch, forward_information, backward_information, total_error,
    )


def decompose(
    model: FiniteStateModel, n_steps: int, *, n_samples: int = 2000, seed: int = 0
) -> FiniteStateDecomposition:
    """Decompose S_y(T) exactly by enumeration when n_symbols^T <= MAX_ENUMERATED_PATHS, else by sampling."""
    if model.n_symbols**n_steps <= MAX_ENUMERATED_PATHS:
        return decompose_by_enumeration(model, n_steps)
    return decompose_by_sampling(model, n_steps, n_samples, seed=seed)
