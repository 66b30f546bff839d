"""Exact entropy production of linear Gaussian models in Kalman innovation form.

Source of the formulas: T. Sagawa, "Stochastic Thermodynamics for Autoregressive
Generative Models: A Non-Markovian Perspective", arXiv:2604.07867 (2026). The model is
`LinearGaussianModel` (y_{t+1} = C h_t + e_{t+1}, h_{t+1} = A h_t + A K e_{t+1},
e ~ N(0, S), h_0 = 0), so y = H e with H block lower-triangular, H_0 = I and
H_l = C A^l K. Everything here is in nats.

- `solve_steady_state`: the stabilising solution of the filtering Riccati equation.
- `entropy_production_dense`: S_y(T) from the T d_obs by T d_obs innovation reversal
  matrix; the O((T d_obs)^3) reference.
- `entropy_production_curve`: the whole curve S_y(1..T) from short recursions of
  d_state by d_state second moments, O(T d_state^3) time and O(d_state^2) memory.
- `stationary_rate`: lim S_y(T) / T from Lyapunov and Sylvester equations, with
  `stationary_rate_spectral` as an independent check from the spectral density.
- `saturation_entropy_production`: lim S_y(T) when the rate is zero (reversible y).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from seqtherm.errors import InvalidInputError
from seqtherm.models.gaussian import LinearGaussianModel, spectral_radius, symmetrize
from seqtherm.models.gaussian_inputs import validate_state_space

logger = logging.getLogger(__name__)

# A Riccati solution is accepted when its residual is below this fraction of the
# size of P; the solvers reach about 1e-14 on well-posed problems.
RICCATI_RESIDUAL_RTOL = 1e-8
RICCATI_MAX_ITERATIONS = 100_000

# The fast recursion tests its states for convergence every this many steps.
CHECK_INTERVAL = 4


@dataclass(frozen=True)
class SteadyState:
    """Steady-state Kalman predictor of x_{t+1} = A x_t + w, y_t = C x_t + v.

    P (d_state, d_state) solves P = A (P - P C^T (C P C^T + R)^-1 C P) A^T + Q;
    S = C P C^T + R (d_obs, d_obs) is the innovation covariance and
    K = P C^T S^-1 (d_state, d_obs) the filter gain. `method` names the solver that
    produced P, `residual` is the largest entry of the Riccati residual and
    `closed_loop_radius` the spectral radius of A (I - K C), below 1 for a stabilising P.
    """

    A: np.ndarray
    C: np.ndarray
    P: np.ndarray
    S: np.ndarray
    K: np.ndarray
    method: str
    residual: float
    closed_loop_radius: float


def riccati_map(P: np.ndarray, A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Apply one step of the filtering Riccati recursion, A (P - P C^T (C P C^T + R)^-1 C P) A^T + Q."""
    innovation_covariance = C @ P @ C.T + R
    correction = P @ C.T @ np.linalg.solve(innovation_covariance, C @ P)
    return symmetrize(A @ (P - correction) @ A.T + Q)


def solve_steady_state(A: Any, C: Any, Q: Any, R: Any) -> SteadyState:
    """Solve the filtering Riccati equation for its stabilising solution; return P, S, K.

    The equation is the control Riccati equation of the dual pair, so
    `scipy.linalg.solve_discrete_are(A^T, C^T, Q, R)` solves it. The result is
    accepted when its residual is small and rho(A (I - K C)) < 1. Otherwise the
    fixed-point iteration of the Riccati map from P = Q is tried. Raises
    `InvalidInputError` when neither gives a stabilising solution, which happens when
    (A, C) is not detectable (an unstable mode that C does not see).
    """
    A, C, Q, R = validate_state_space(A, C, Q, R)

    candidates: list[tuple[str, np.ndarray]] = []
    try:
        candidates.append(("solve_discrete_are", symmetrize(scipy.linalg.solve_discrete_are(A.T, C.T, Q, R))))
    except (np.linalg.LinAlgError, ValueError) as error:
        logger.info("solve_discrete_are failed (%s); trying the fixed-point iteration", error)

    failures: list[str] = []
    for method, P in candidates:
        steady = check_steady_state(A, C, Q, R, P, method)
        if isinstance(steady, SteadyState):
            return steady
        failures.append(steady)

    P = iterate_riccati(A, C, Q, R)
    if P is not None:
        steady = check_steady_state(A, C, Q, R, P, "fixed_point_iteration")
        if isinstance(steady, SteadyState):
            return steady
        failures.append(steady)
    else:
        failures.append(f"the fixed-point iteration did not converge in {RICCATI_MAX_ITERATIONS} steps")

    raise InvalidInputError(
        "the pair (A, C) has no stabilising Riccati solution: "
        + "; ".join(failures)
        + f". A = {A.tolist()}, C = {C.tolist()}. Every unstable mode of A "
        "(|eigenvalue| >= 1) must be visible through C (detectability)"
    )


def check_steady_state(
    A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray, P: np.ndarray, method: str
) -> SteadyState | str:
    """Return the steady state built from P, or a sentence saying why P is rejected."""
    if not np.all(np.isfinite(P)):
        return f"{method} returned non-finite entries"
    residual = float(np.max(np.abs(riccati_map(P, A, C, Q, R) - P)))
    scale = max(float(np.max(np.abs(P))), 1.0)
    if residual > RICCATI_RESIDUAL_RTOL * scale:
        return f"{method} left a Riccati residual of {residual:.3g}"
    if np.min(np.linalg.eigvalsh(P)) < -RICCATI_RESIDUAL_RTOL * scale:
        return f"{method} returned a P that is not positive semi-definite"

    S = symmetrize(C @ P @ C.T + R)
    K = np.linalg.solve(S, C @ P).T
    radius = spectral_radius(A @ (np.eye(A.shape[0]) - K @ C))
    if radius >= 1.0:
        return f"{method} gave rho(A (I - K C)) = {radius:.6g} >= 1, so P is not stabilising"
    return SteadyState(A=A, C=C, P=P, S=S, K=K, method=method, residual=residual, closed_loop_radius=radius)


def iterate_riccati(A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray) -> np.ndarray | None:
    """Iterate the Riccati map from P = Q until the relative change is below 1e-14; None if it diverges."""
    P = Q.copy()
    for _ in range(RICCATI_MAX_ITERATIONS):
        # An undetectable pair makes P grow geometrically until it overflows.
        with np.errstate(over="ignore", invalid="ignore"):
            P_next = riccati_map(P, A, C, Q, R)
        if not np.all(np.isfinite(P_next)):
            return None
        change = float(np.max(np.abs(P_next - P)))
        P = P_next
        if change <= 1e-14 * max(float(np.max(np.abs(P))), 1.0):
            return P
    return None


def check_n_steps(n_steps: int) -> int:
    """Raise `InvalidInputError` unless the sequence length T is an integer >= 1."""
    if isinstance(n_steps, bool) or int(n_steps) != n_steps or n_steps < 1:
        raise InvalidInputError(f"sequence length T must be an integer >= 1, got {n_steps!r}")
    return int(n_steps)


def require_zero_start(model: LinearGaussianModel, quantity: str) -> None:
    if model.stationary_start:
        raise InvalidInputError(
            f"{quantity} assumes the start h_0 = 0; for a stationary start use "
            "entropy_production_dense or entropy_production_curve_stationary"
        )


# ----- dense reference ----------------------------------------------------------


def innovation_response(model: LinearGaussianModel, n_steps: int) -> np.ndarray:
    """Dense H of shape (T d_obs, T d_obs) with y = H e: block (t, s) is C A^(t-s) K for t > s, I on the diagonal."""
    d_obs = model.d_obs
    blocks = [np.eye(d_obs)]
    power = model.A.copy()
    for _ in range(1, n_steps):
        blocks.append(model.C @ power @ model.K)
        power = power @ model.A

    H = np.zeros((n_steps * d_obs, n_steps * d_obs))
    for lag, block in enumerate(blocks):
        for s in range(n_steps - lag):
            t = s + lag
            H[t * d_obs : (t + 1) * d_obs, s * d_obs : (s + 1) * d_obs] = block
    return H


def block_reversal(n_steps: int, d_obs: int) -> np.ndarray:
    """J of shape (T d_obs, T d_obs), which reverses the order of the T blocks of d_obs entries."""
    return np.kron(np.eye(n_steps)[::-1], np.eye(d_obs))


def innovation_reversal_matrix(model: LinearGaussianModel, n_steps: int) -> np.ndarray:
    """R_inv = H^-1 J H, shape (T d_obs, T d_obs): the backward innovations are e_B = R_inv e."""
    require_zero_start(model, "the innovation reversal matrix")
    H = innovation_response(model, check_n_steps(n_steps))
    J = block_reversal(n_steps, model.d_obs)
    return scipy.linalg.solve_triangular(H, J @ H, lower=True, unit_diagonal=True)


def entropy_production_dense(model: LinearGaussianModel, n_steps: int) -> float:
    """Compute S_y(T) in nats from dense T d_obs by T d_obs matrices, the reference for the fast methods.

    With h_0 = 0:
        S_y(T) = 1/2 [ tr( (I_T (x) S^-1) R_inv (I_T (x) S) R_inv^T ) - T d_obs ],
        R_inv = H^-1 J H.
    With a stationary start, from the path covariance Sigma of y_1..y_T:
        S_y(T) = 1/2 [ tr( (J Sigma J)^-1 Sigma ) - T d_obs ].
    Costs O((T d_obs)^3) time and O((T d_obs)^2) memory.
    """
    n_steps = check_n_steps(n_steps)
    if model.stationary_start:
        return float(entropy_production_curve_stationary(model, n_steps)[-1])

    R_inv = innovation_reversal_matrix(model, n_steps)
    S_inv = np.linalg.inv(model.S)
    left = np.kron(np.eye(n_steps), S_inv) @ R_inv
    right = R_inv @ np.kron(np.eye(n_steps), model.S)
    # tr(X Y^T) is the sum of the elementwise product of X and Y.
    return 0.5 * (float(np.sum(left * right)) - n_steps * model.d_obs)


def path_covariance(model: LinearGaussianModel, n_steps: int) -> np.ndarray:
    """Cov(y_1..y_T), shape (T d_obs, T d_obs), for either start.

    Built from y = H e + O h_0 with O's block t equal to C A^(t-1).
    """
    n_steps = check_n_steps(n_steps)
    H = innovation_response(model, n_steps)
    covariance = H @ np.kron(np.eye(n_steps), model.S) @ H.T
    if model.stationary_start:
        observability = np.vstack([model.C @ np.linalg.matrix_power(model.A, t) for t in range(n_steps)])
        covariance += observability @ model.initial_state_covariance() @ observability.T
    return symmetrize(covariance)


def entropy_production_curve_stationary(model: LinearGaussianModel, n_steps: int) -> np.ndarray:
    """Compute S_y(1..T) for a stationary start from one dense factorisation; shape (T,), nats.

    For a stationary process J Sigma_T J equals Sigma_T with every block transposed,
    which is the leading submatrix of the same construction for a longer T. With the
    Cholesky factor L of that block-transposed matrix, S_y(T) is half the partial sum of
    diag(L^-1 Sigma L^-T) over the first T d_obs entries, minus T d_obs / 2.
    O((T d_obs)^3) time.
    """
    if not model.stationary_start:
        raise InvalidInputError("entropy_production_curve_stationary needs a model with stationary_start=True")
    n_steps = check_n_steps(n_steps)
    d_obs = model.d_obs
    covariance = path_covariance(model, n_steps)
    blocks = covariance.reshape(n_steps, d_obs, n_steps, d_obs)
    reversed_covariance = blocks.transpose(0, 3, 2, 1).reshape(n_steps * d_obs, n_steps * d_obs)

    factor = np.linalg.cholesky(reversed_covariance)
    whitened = scipy.linalg.solve_triangular(factor, covariance, lower=True)
    whitened = scipy.linalg.solve_triangular(factor, whitened.T, lower=True)
    diagonal = np.diagonal(whitened).reshape(n_steps, d_obs).sum(axis=1)
    return 0.5 * (np.cumsum(diagonal) - d_obs * np.arange(1, n_steps + 1))


# ----- fast exact recursion ------------------------------------------------------


@dataclass
class IncrementState:
    """Second moments that carry the increment S_y(T) - S_y(T-1) from one T to the next.

    Pi = Cov(h_{T-1}); Omega = sum_{j=0}^{T-2} F^jT W F^j with W = C^T S^-1 C;
    V = sum_{t<T} A^(T-1-t) G_t S^-1 C F^(T-1-t); U = sum_{t<T} F^(T-1-t)T B_t A^(T-1-t)T
    with G_t = E[h_t y_t^T] and B_t = Omega_t A K G_t^T. All (d_state, d_state).
    """

    Pi: np.ndarray
    Omega: np.ndarray
    V: np.ndarray
    U: np.ndarray


def entropy_production_curve(
    model: LinearGaussianModel, n_steps: int, *, stop_at_convergence: bool = True
) -> np.ndarray:
    """Compute S_y(T) for every T = 1..n_steps exactly; shape (n_steps,), nats.

    The curve is the running sum of the increments
        Delta_T = 1/2 [ tr(S^-1 Cov(y_T)) - 2 tr(V_T A K C)
                        + tr(K^T A^T Omega_T A K Cov(y_T)) + 2 tr(C^T K^T A^T F^T U_T) - d_obs ],
    where Cov(y_T) = C Pi_{T-1} C^T + S and the states of `IncrementState` follow
        Pi_T = A Pi_{T-1} A^T + A K S K^T A^T,   Omega_{T+1} = F^T Omega_T F + C^T S^-1 C,
        V_{T+1} = A V_T F + G_T S^-1 C,          U_{T+1} = F^T U_T A^T + Omega_T A K G_T^T.
    They follow from expanding S_y(T) = 1/2 sum_t [tr(S^-1 E_t) - d_obs], with E_t the
    backward innovation covariance, into sums over pairs of times and keeping the terms
    that involve y_T. O(T d_state^3) time, no T d_obs by T d_obs matrix.

    Every state converges geometrically when rho(A) < 1 and rho(F) < 1. With
    `stop_at_convergence` the loop stops once all states change by at most
    1e-14 (1 - rho) relative per step, with rho = max(rho(A), rho(F)), at three checks
    in a row (one every `CHECK_INTERVAL` steps), and continues the curve with the last
    increment. Otherwise, or when the states never settle, it runs all T.
    """
    n_steps = check_n_steps(n_steps)
    require_zero_start(model, "entropy_production_curve")
    increments, _ = run_increments(model, n_steps, stop_at_convergence=stop_at_convergence)
    curve = np.cumsum(increments)
    if len(curve) < n_steps:
        remaining = np.arange(1, n_steps - len(curve) + 1)
        curve = np.concatenate([curve, curve[-1] + increments[-1] * remaining])
    return curve


def run_increments(
    model: LinearGaussianModel, n_steps: int, *, stop_at_convergence: bool
) -> tuple[np.ndarray, bool]:
    """Compute Delta_1, Delta_2, ... up to n_steps or until convergence; return them and whether they converged."""
    A, C, S = model.A, model.C, model.S
    AK = model.predictor_gain
    F = model.closed_loop
    d_state, d_obs = model.d_state, model.d_obs

    S_inv = np.linalg.inv(S)
    S_inv_C = S_inv @ C
    W = C.T @ S_inv_C
    AKC = AK @ C
    AKS = AK @ S
    state_noise = AKS @ AK.T
    CtKtAtFt = AKC.T @ F.T

    radius = max(spectral_radius(A), spectral_radius(F))
    tolerance = 1e-14 * (1.0 - radius) if radius < 1.0 else 0.0
    settled_checks = 0

    zeros = np.zeros((d_state, d_state))
    state = IncrementState(Pi=zeros, Omega=zeros, V=zeros, U=zeros)
    increments = np.empty(n_steps)
    for T in range(1, n_steps + 1):
        # Moments of step T from Pi_{T-1}.
        cov_y = C @ state.Pi @ C.T + S
        G = A @ state.Pi @ C.T + AKS

        increments[T - 1] = 0.5 * (
            np.sum(S_inv * cov_y)
            - 2.0 * np.trace(state.V @ AKC)
            + np.sum((AK.T @ state.Omega @ AK) * cov_y)
            + 2.0 * np.trace(CtKtAtFt @ state.U)
            - d_obs
        )

        # Advance every state from T to T + 1.
        next_state = IncrementState(
            Pi=symmetrize(A @ state.Pi @ A.T + state_noise),
            Omega=symmetrize(F.T @ state.Omega @ F + W),
            V=A @ state.V @ F + G @ S_inv_C,
            U=F.T @ state.U @ A.T + state.Omega @ AK @ G.T,
        )
        # Checking every CHECK_INTERVAL steps keeps the check's cost small next to the step.
        if stop_at_convergence and tolerance > 0.0 and T % CHECK_INTERVAL == 0:
            if states_settled(state, next_state, tolerance):
                settled_checks += 1
                if settled_checks >= 3:
                    logger.info("increments of S_y converged after T = %d steps", T)
                    return increments[:T], True
            else:
                settled_checks = 0
        state = next_state
    return increments, False


def states_settled(old: IncrementState, new: IncrementState, tolerance: float) -> bool:
    """Check whether every state changed by at most `tolerance` relative to its size."""
    for name in ("Pi", "Omega", "V", "U"):
        before, after = getattr(old, name), getattr(new, name)
        scale = max(float(np.max(np.abs(after))), np.finfo(np.float64).tiny)
        if float(np.max(np.abs(after - before))) > tolerance * scale:
            return False
    return True


# ----- stationary rate and saturation ----------------------------------------------


def solve_discrete_sylvester(left: np.ndarray, right: np.ndarray, constant: np.ndarray) -> np.ndarray:
    """Solve X = left X right + constant through the Kronecker form (size d^2 linear system)."""
    d_rows, d_cols = constant.shape
    # Row-major vec: vec(L X R) = (L kron R^T) vec(X).
    system = np.eye(d_rows * d_cols) - np.kron(left, right.T)
    return np.linalg.solve(system, constant.reshape(-1)).reshape(d_rows, d_cols)


def require_stable(model: LinearGaussianModel, quantity: str) -> None:
    radius_A = spectral_radius(model.A)
    radius_F = spectral_radius(model.closed_loop)
    if radius_A >= 1.0 or radius_F >= 1.0:
        raise InvalidInputError(
            f"{quantity} needs rho(A) < 1 and rho(A (I - K C)) < 1, got rho(A) = {radius_A:.6g} and "
            f"rho(A (I - K C)) = {radius_F:.6g}; S_y(T) for finite T is still available"
        )


def stationary_rate(model: LinearGaussianModel) -> float:
    """Compute lim_{T -> inf} S_y(T) / T in nats per step from the fixed points of the recursion.

    The increment Delta_T of `entropy_production_curve` tends to the same expression
    with every state at its fixed point: Pi and Omega from discrete Lyapunov
    equations, V and U from discrete Sylvester equations. The rate does not depend on
    the start h_0. Needs rho(A) < 1 and rho(A (I - K C)) < 1.
    """
    require_stable(model, "the stationary rate")
    A, C, S = model.A, model.C, model.S
    AK, F = model.predictor_gain, model.closed_loop
    S_inv = np.linalg.inv(S)
    AKC = AK @ C

    Pi = symmetrize(scipy.linalg.solve_discrete_lyapunov(A, AK @ S @ AK.T))
    Omega = symmetrize(scipy.linalg.solve_discrete_lyapunov(F.T, C.T @ S_inv @ C))
    cov_y = C @ Pi @ C.T + S
    G = A @ Pi @ C.T + AK @ S
    V = solve_discrete_sylvester(A, F, G @ S_inv @ C)
    U = solve_discrete_sylvester(F.T, A.T, Omega @ AK @ G.T)
    return 0.5 * float(
        np.sum(S_inv * cov_y)
        - 2.0 * np.trace(V @ AKC)
        + np.sum((AK.T @ Omega @ AK) * cov_y)
        + 2.0 * np.trace(AKC.T @ F.T @ U)
        - model.d_obs
    )


def spectral_density(model: LinearGaussianModel, frequencies: np.ndarray) -> np.ndarray:
    """Evaluate Phi(omega) = H(e^{i omega}) S H(e^{i omega})^*, H(z) = I + C (z I - A)^-1 A K; shape (n_freq, d_obs, d_obs)."""
    identity = np.eye(model.d_state)
    z = np.exp(1j * np.asarray(frequencies))[:, None, None]
    resolvent_gain = np.linalg.solve(z * identity - model.A, model.predictor_gain)
    transfer = np.eye(model.d_obs) + model.C @ resolvent_gain
    return transfer @ model.S @ np.conj(np.swapaxes(transfer, -1, -2))


def stationary_rate_spectral(model: LinearGaussianModel, n_frequencies: int = 4096) -> float:
    """Compute lim S_y(T) / T from the spectral density, as an independent check of `stationary_rate`.

    The time-reversed stationary process has spectral density Phi(omega)^T, so the KL
    rate between the process and its reversal is
        (1 / 4 pi) int_{-pi}^{pi} [ tr(Phi(omega)^-T Phi(omega)) - d_obs ] d omega
    (the log-determinants cancel). The trapezoid rule on `n_frequencies` equally
    spaced points converges geometrically for this smooth periodic integrand.
    """
    require_stable(model, "the stationary rate")
    frequencies = 2.0 * np.pi * np.arange(n_frequencies) / n_frequencies
    density = spectral_density(model, frequencies)
    ratio = np.linalg.solve(np.swapaxes(density, -1, -2), density)
    integrand = np.real(np.trace(ratio, axis1=-2, axis2=-1)) - model.d_obs
    return 0.5 * float(np.mean(integrand))


def saturation_entropy_production(
    model: LinearGaussianModel, *, max_steps: int = 1_000_000, rate_tolerance: float = 1e-10
) -> float:
    """Compute lim_{T -> inf} S_y(T) in nats for a model whose stationary rate is zero.

    A zero rate means the stationary process is time-reversible (all scalar stationary
    Gaussian processes are), so S_y(T) comes only from the start h_0 = 0 and saturates.
    Runs the exact recursion until its states converge. Raises `InvalidInputError`
    when |rate| > `rate_tolerance`, because S_y(T) then grows without bound.
    """
    require_zero_start(model, "saturation_entropy_production")
    rate = stationary_rate(model)
    if abs(rate) > rate_tolerance:
        raise InvalidInputError(
            f"S_y(T) does not saturate: the stationary rate is {rate:.6g} nats per step "
            f"(above {rate_tolerance:g}); the process is not time-reversible"
        )
    increments, converged = run_increments(model, max_steps, stop_at_convergence=True)
    if not converged:
        raise InvalidInputError(
            f"the recursion for S_y did not converge within {max_steps} steps "
            f"(spectral radii close to 1); raise max_steps"
        )
    return float(np.sum(increments))
