"""Exact per-step decomposition of S_y(T) for linear Gaussian models (retrodiction).

Peeling the KL chain rule from the far end (Sagawa 2026, arXiv:2604.07867) gives

    S_y(T) = sum_{t=1}^T D_t,  D_t = E KL( P_fwd(y_t | y_{t+1..T}) || p(y_t | g_{t+1}) ),
    D_t = L_t + M_t,
    L_t = I(y_t ; y_{t+1..T} | g_{t+1})                       compression loss
    M_t = E KL( P_fwd(y_t | g_{t+1}) || p(y_t | g_{t+1}) )    model mismatch

where g_{t+1} is the backward summary, the forward filter run on y_T, ..., y_{t+1}, and
p(y_t | g) = N(C g, S) is the forward kernel driven by it. Summing L_t gives the
refined second law S_y >= sum_t [ I(y_t ; h_{t-1}) - I(y_t ; g_{t+1}) ] >= 0.

For Gaussians every term is a log-determinant or a trace. With E_t = Cov(y_t - C g_{t+1})
(the backward innovation covariance), Sigma_fut = Cov(y_t | y_{t+1..T}) and
Sigma_g = Cov(y_t | g_{t+1}):

    D_t = 1/2 [ tr(S^-1 E_t) - d_obs + ln det S - ln det Sigma_fut ]
    M_t = 1/2 [ tr(S^-1 E_t) - d_obs + ln det S - ln det Sigma_g ]
    L_t = 1/2 [ ln det Sigma_g - ln det Sigma_fut ]

All quantities are in nats and need the start h_0 = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqtherm.analytic.gaussian import check_n_steps, require_zero_start
from seqtherm.models.gaussian import LinearGaussianModel, symmetrize

# Eigenvalues of Cov(g_{t+1}) below this fraction of the largest one are treated as
# exact zeros. g lies in a subspace when T - t is small or A K does not reach every
# state direction, and conditioning on such a g must ignore the empty directions.
# NOTE: a direction whose true variance is below this fraction is dropped as well, so
# M_t and L_t of a nearly uncontrollable model can be off by about that fraction.
PSEUDO_INVERSE_RTOL = 1e-12


@dataclass(frozen=True)
class GaussianMoments:
    """Second moments of the forward and the backward process for one T, indexed by t = 1..T.

    Shapes (T, ., .): `observation_covariance` Cov(y_t) (d_obs, d_obs);
    `state_covariance` Cov(h_t) (d_state, d_state); `state_observation` G_t = E[h_t y_t^T]
    (d_state, d_obs); `backward_observation` X_t = E[g_{t+1} y_t^T] (d_state, d_obs);
    `backward_covariance` Y_t = Cov(g_{t+1}) (d_state, d_state); `backward_innovation`
    E_t = Cov(y_t - C g_{t+1}) (d_obs, d_obs); `future_information` Lambda_{t+1}, the
    information that y_{t+1..T} carries about h_t (d_state, d_state).
    """

    observation_covariance: np.ndarray
    state_covariance: np.ndarray
    state_observation: np.ndarray
    backward_observation: np.ndarray
    backward_covariance: np.ndarray
    backward_innovation: np.ndarray
    future_information: np.ndarray


def gaussian_moments(model: LinearGaussianModel, n_steps: int) -> GaussianMoments:
    """Run the forward and backward moment recursions for sequences of length T.

    Forward, with Pi_0 = 0:
        Pi_t = A Pi_{t-1} A^T + A K S K^T A^T,  Cov(y_t) = C Pi_{t-1} C^T + S,
        G_t = A Pi_{t-1} C^T + A K S.
    Backward, from N_T = 0, Y_T = 0 and Lambda_{T+1} = 0:
        N_t = A K C + F N_{t+1} A,  X_t = N_t G_t,
        Y_t = F Y_{t+1} F^T + F X_{t+1} K^T A^T + A K X_{t+1}^T F^T + A K Cov(y_{t+1}) K^T A^T,
        E_t = Cov(y_t) - C X_t - X_t^T C^T + C Y_t C^T,
        Lambda_t = C^T S^-1 C + F^T Lambda_{t+1} F.
    O(T d_state^3) time.
    """
    n_steps = check_n_steps(n_steps)
    require_zero_start(model, "the Gaussian decomposition")
    A, C, S = model.A, model.C, model.S
    AK, F = model.predictor_gain, model.closed_loop
    d_state, d_obs = model.d_state, model.d_obs
    W = C.T @ np.linalg.solve(S, C)

    # Forward moments. Index t - 1 stores step t.
    cov_y = np.empty((n_steps, d_obs, d_obs))
    cov_h = np.empty((n_steps, d_state, d_state))
    G = np.empty((n_steps, d_state, d_obs))
    Pi = np.zeros((d_state, d_state))
    for t in range(n_steps):
        cov_y[t] = symmetrize(C @ Pi @ C.T + S)
        G[t] = A @ Pi @ C.T + AK @ S
        Pi = symmetrize(A @ Pi @ A.T + AK @ S @ AK.T)
        cov_h[t] = Pi

    # Backward moments, from t = T down to t = 1.
    X = np.empty((n_steps, d_state, d_obs))
    Y = np.empty((n_steps, d_state, d_state))
    E = np.empty((n_steps, d_obs, d_obs))
    Lambda = np.empty((n_steps, d_state, d_state))
    N = np.zeros((d_state, d_state))
    Y_next = np.zeros((d_state, d_state))
    Lambda_next = np.zeros((d_state, d_state))
    for t in range(n_steps - 1, -1, -1):
        if t < n_steps - 1:
            N = AK @ C + F @ N @ A
            Y_next = symmetrize(
                F @ Y_next @ F.T
                + F @ X[t + 1] @ AK.T
                + AK @ X[t + 1].T @ F.T
                + AK @ cov_y[t + 1] @ AK.T
            )
        X[t] = N @ G[t]
        Y[t] = Y_next
        E[t] = symmetrize(cov_y[t] - C @ X[t] - X[t].T @ C.T + C @ Y[t] @ C.T)
        Lambda[t] = Lambda_next
        Lambda_next = symmetrize(W + F.T @ Lambda_next @ F)

    return GaussianMoments(
        observation_covariance=cov_y,
        state_covariance=cov_h,
        state_observation=G,
        backward_observation=X,
        backward_covariance=Y,
        backward_innovation=E,
        future_information=Lambda,
    )


def conditional_covariance_given_future(moments: GaussianMoments) -> np.ndarray:
    """Cov(y_t | y_{t+1..T}) for every t; shape (T, d_obs, d_obs).

    The future depends on (h_{t-1}, y_t) only through h_t, and carries information
    Lambda_{t+1} about it, so by the matrix inversion lemma (no inverse of Cov(h_t),
    which is singular at small t):
        Cov(y_t | future) = Cov(y_t) - G_t^T (I + Lambda_{t+1} Pi_t)^-1 Lambda_{t+1} G_t.
    """
    n_steps, d_state = moments.state_covariance.shape[:2]
    identity = np.eye(d_state)
    result = np.empty_like(moments.observation_covariance)
    for t in range(n_steps):
        Lambda, Pi, G = moments.future_information[t], moments.state_covariance[t], moments.state_observation[t]
        reduction = G.T @ np.linalg.solve(identity + Lambda @ Pi, Lambda @ G)
        result[t] = symmetrize(moments.observation_covariance[t] - reduction)
    return result


def conditional_covariance_given_backward_state(moments: GaussianMoments) -> np.ndarray:
    """Cov(y_t | g_{t+1}) = Cov(y_t) - X_t^T Y_t^+ X_t for every t; shape (T, d_obs, d_obs).

    Y_t = Cov(g_{t+1}) can be singular (Y_T = 0 because g_{T+1} = 0), so the inverse is
    a pseudo-inverse that drops eigenvalues below `PSEUDO_INVERSE_RTOL` times the largest.
    """
    result = np.empty_like(moments.observation_covariance)
    for t in range(len(result)):
        X, Y = moments.backward_observation[t], moments.backward_covariance[t]
        eigenvalues, eigenvectors = np.linalg.eigh(Y)
        largest = float(np.max(eigenvalues, initial=0.0))
        keep = eigenvalues > PSEUDO_INVERSE_RTOL * largest if largest > 0.0 else np.zeros(len(eigenvalues), bool)
        projected = eigenvectors[:, keep].T @ X
        reduction = projected.T @ (projected / eigenvalues[keep][:, None])
        result[t] = symmetrize(moments.observation_covariance[t] - reduction)
    return result


def log_det(matrices: np.ndarray) -> np.ndarray:
    """ln det of each symmetric positive definite matrix in a stack, through Cholesky."""
    factors = np.linalg.cholesky(matrices)
    return 2.0 * np.log(np.diagonal(factors, axis1=-2, axis2=-1)).sum(axis=-1)


@dataclass(frozen=True)
class GaussianDecomposition:
    """Per-step terms of S_y(T) in nats, each of shape (T,) indexed by t = 1..T.

    `per_step_entropy_production` is D_t, `compression_loss` L_t and `model_mismatch`
    M_t, with D_t = L_t + M_t. `information_past` is I(y_t ; h_{t-1}) and
    `information_backward_state` is I(y_t ; g_{t+1}); their difference summed over t is
    `second_law_bound`, which equals sum_t L_t and is at most `entropy_production`.
    """

    n_steps: int
    per_step_entropy_production: np.ndarray
    compression_loss: np.ndarray
    model_mismatch: np.ndarray
    information_past: np.ndarray
    information_backward_state: np.ndarray

    @property
    def entropy_production(self) -> float:
        """S_y(T) = sum_t D_t in nats."""
        return float(np.sum(self.per_step_entropy_production))

    @property
    def second_law_bound(self) -> float:
        """sum_t [ I(y_t ; h_{t-1}) - I(y_t ; g_{t+1}) ] in nats."""
        return float(np.sum(self.information_past - self.information_backward_state))

    def to_pandas(self) -> pd.DataFrame:
        """Return one row per step t with every per-step term."""
        return pd.DataFrame(
            {
                "t": np.arange(1, self.n_steps + 1),
                "per_step_entropy_production": self.per_step_entropy_production,
                "compression_loss": self.compression_loss,
                "model_mismatch": self.model_mismatch,
                "information_past": self.information_past,
                "information_backward_state": self.information_backward_state,
            }
        )

    def to_dict(self) -> dict:
        """JSON-ready dict: the per-step lists and the two sums."""
        return {
            "n_steps": self.n_steps,
            "entropy_production": self.entropy_production,
            "second_law_bound": self.second_law_bound,
            "per_step_entropy_production": self.per_step_entropy_production.tolist(),
            "compression_loss": self.compression_loss.tolist(),
            "model_mismatch": self.model_mismatch.tolist(),
            "information_past": self.information_past.tolist(),
            "information_backward_state": self.information_backward_state.tolist(),
        }


def decompose_entropy_production(model: LinearGaussianModel, n_steps: int) -> GaussianDecomposition:
    """Compute D_t, L_t, M_t and the mutual informations for t = 1..T; see the module docstring."""
    moments = gaussian_moments(model, n_steps)
    S = model.S
    d_obs = model.d_obs

    trace_term = np.einsum("ij,tji->t", np.linalg.inv(S), moments.backward_innovation)
    log_det_S = float(log_det(S[None])[0])
    log_det_future = log_det(conditional_covariance_given_future(moments))
    log_det_backward = log_det(conditional_covariance_given_backward_state(moments))
    log_det_marginal = log_det(moments.observation_covariance)

    mismatch_base = 0.5 * (trace_term - d_obs + log_det_S)
    return GaussianDecomposition(
        n_steps=n_steps,
        per_step_entropy_production=mismatch_base - 0.5 * log_det_future,
        compression_loss=0.5 * (log_det_backward - log_det_future),
        model_mismatch=mismatch_base - 0.5 * log_det_backward,
        # Cov(y_t | h_{t-1}) = S because h_{t-1} is the forward summary.
        information_past=0.5 * (log_det_marginal - log_det_S),
        information_backward_state=0.5 * (log_det_marginal - log_det_backward),
    )
