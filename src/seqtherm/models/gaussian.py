"""Linear Gaussian models in Kalman innovation form, behind the model protocol.

The steady-state Kalman predictor of x_{t+1} = A x_t + w, y_t = C x_t + v is itself an
autoregressive model whose summary h_t is the one-step state prediction (Sagawa 2026,
"Stochastic Thermodynamics for Autoregressive Generative Models: A Non-Markovian
Perspective", arXiv:2604.07867):

    y_{t+1} = C h_t + e_{t+1},   e ~ N(0, S) i.i.d.
    h_{t+1} = A h_t + A K e_{t+1}

With h_0 = 0 (the default) the path log-density is the sum of ln N(e_t; 0, S) over the
innovations e_t = y_t - C h_{t-1}, where the filter h_t = F h_{t-1} + A K y_t with
F = A (I - K C) reads the observations. Running the same filter on the reversed
sequence gives the backward innovations e_B and the trajectory entropy production

    sigma = 1/2 sum_s e_B,s^T S^-1 e_B,s - 1/2 sum_t e_t^T S^-1 e_t     (nats).

With `stationary_start=True` the initial summary is drawn from its stationary law
h_0 ~ N(0, Pi), Pi = A Pi A^T + A K S K^T A^T. The path density is then the marginal of
the stationary process, scored exactly by a time-varying Kalman filter on the
innovation model, whose gain converges to A K.

Sequences have shape (time, d_obs); log-densities are float64 nats.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg

from seqtherm.errors import InvalidInputError
from seqtherm.models.gaussian_inputs import validate_innovation_form
from seqtherm.models.protocol import SampleBatch

logger = logging.getLogger(__name__)

LOG_2PI = float(np.log(2.0 * np.pi))


def spectral_radius(matrix: np.ndarray) -> float:
    """Return the largest absolute eigenvalue of a square matrix."""
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


@dataclass(frozen=True)
class LinearGaussianModel:
    """Innovation-form model (A, C, K, S); see the module docstring for the equations.

    Shapes: A (d_state, d_state), C (d_obs, d_state), K (d_state, d_obs),
    S (d_obs, d_obs) symmetric positive definite. `riccati_solution` is the predicted
    state covariance P when the model was built from a state-space model, else None.
    """

    A: np.ndarray
    C: np.ndarray
    K: np.ndarray
    S: np.ndarray
    stationary_start: bool = False
    riccati_solution: np.ndarray | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        A, C, K, S = validate_innovation_form(self.A, self.C, self.K, self.S)
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "C", C)
        object.__setattr__(self, "K", K)
        object.__setattr__(self, "S", S)
        if self.stationary_start and spectral_radius(A) >= 1.0:
            raise InvalidInputError(
                f"a stationary start needs a stable A, but the spectral radius of A is "
                f"{spectral_radius(A):.6g} >= 1; use the default start h_0 = 0"
            )

    @classmethod
    def from_state_space(
        cls, A: Any, C: Any, Q: Any, R: Any, *, stationary_start: bool = False
    ) -> LinearGaussianModel:
        """Build the steady-state Kalman predictor of the state-space model (A, C, Q, R)."""
        from seqtherm.analytic.gaussian import solve_steady_state

        steady = solve_steady_state(A, C, Q, R)
        return cls(
            A=steady.A,
            C=steady.C,
            K=steady.K,
            S=steady.S,
            stationary_start=stationary_start,
            riccati_solution=steady.P,
        )

    @property
    def d_state(self) -> int:
        return self.A.shape[0]

    @property
    def d_obs(self) -> int:
        return self.C.shape[0]

    @property
    def predictor_gain(self) -> np.ndarray:
        """A K, shape (d_state, d_obs): the gain of the one-step predictor."""
        return self.A @ self.K

    @property
    def closed_loop(self) -> np.ndarray:
        """F = A (I - K C), shape (d_state, d_state): the filter's transition on its own state."""
        return self.A - self.predictor_gain @ self.C

    def stationary_state_covariance(self) -> np.ndarray:
        """Pi solving Pi = A Pi A^T + A K S K^T A^T, the stationary Cov(h_t); needs rho(A) < 1."""
        if spectral_radius(self.A) >= 1.0:
            raise InvalidInputError(
                f"the state has no stationary law: spectral radius of A is "
                f"{spectral_radius(self.A):.6g} >= 1"
            )
        AK = self.predictor_gain
        return symmetrize(scipy.linalg.solve_discrete_lyapunov(self.A, AK @ self.S @ AK.T))

    def initial_state_covariance(self) -> np.ndarray:
        """Cov(h_0): zero for the default start, the stationary covariance otherwise."""
        if self.stationary_start:
            return self.stationary_state_covariance()
        return np.zeros((self.d_state, self.d_state))

    # ----- sampling -------------------------------------------------------------

    def sample_array(self, n_samples: int, n_steps: int, *, seed: int) -> np.ndarray:
        """Draw sequences as one array of shape (n_samples, n_steps, d_obs)."""
        if n_samples < 1 or n_steps < 1:
            raise InvalidInputError(
                f"need n_samples >= 1 and n_steps >= 1, got n_samples={n_samples}, n_steps={n_steps}"
            )
        rng = np.random.default_rng(seed)
        innovation_factor = np.linalg.cholesky(self.S)
        AK = self.predictor_gain

        state = np.zeros((n_samples, self.d_state))
        if self.stationary_start:
            state_factor = cholesky_psd(self.stationary_state_covariance())
            state = rng.standard_normal((n_samples, self.d_state)) @ state_factor.T

        innovations = rng.standard_normal((n_samples, n_steps, self.d_obs)) @ innovation_factor.T
        sequences = np.empty((n_samples, n_steps, self.d_obs))
        for t in range(n_steps):
            sequences[:, t] = state @ self.C.T + innovations[:, t]
            state = state @ self.A.T + innovations[:, t] @ AK.T
        return sequences

    def sample(self, n_samples: int, n_steps: int, *, seed: int) -> SampleBatch:
        """Draw `n_samples` sequences of shape (n_steps, d_obs) with their step log-densities."""
        sequences = self.sample_array(n_samples, n_steps, seed=seed)
        log_probs = self.step_log_probs_array(sequences)
        return SampleBatch(sequences=list(sequences), step_log_probs=list(log_probs))

    # ----- scoring --------------------------------------------------------------

    def filter_innovations(self, sequences: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run the predictor on y; return innovations and their covariances.

        `sequences` has shape (batch, time, d_obs). Returns the innovations
        y_t - C h_{t-1}, shape (batch, time, d_obs), and their covariances, shape
        (time, d_obs, d_obs). For h_0 = 0 every covariance is S and the filter is
        h_t = F h_{t-1} + A K y_t; for a stationary start the gain varies with t.
        """
        sequences = self.check_sequences(sequences)
        n_batch, n_steps, _ = sequences.shape
        gains, covariances = self.filter_gains(n_steps)

        state = np.zeros((n_batch, self.d_state))
        innovations = np.empty_like(sequences)
        for t in range(n_steps):
            innovations[:, t] = sequences[:, t] - state @ self.C.T
            state = state @ self.A.T + innovations[:, t] @ gains[t].T
        return innovations, covariances

    def filter_gains(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Predictor gains (time, d_state, d_obs) and innovation covariances (time, d_obs, d_obs).

        Kalman recursion for the innovation model, whose process and observation noise
        are the same e: with P_t = Cov(h_t - E[h_t | y_1..y_t]),
        S_t = C P_{t-1} C^T + S, gain_t = (A P_{t-1} C^T + A K S) S_t^-1,
        P_t = A P_{t-1} A^T + A K S K^T A^T - gain_t S_t gain_t^T.
        """
        AK = self.predictor_gain
        gains = np.empty((n_steps, self.d_state, self.d_obs))
        covariances = np.empty((n_steps, self.d_obs, self.d_obs))
        if not self.stationary_start:
            gains[:] = AK
            covariances[:] = self.S
            return gains, covariances

        P = self.initial_state_covariance()
        noise = AK @ self.S @ AK.T
        for t in range(n_steps):
            S_t = symmetrize(self.C @ P @ self.C.T + self.S)
            cross = self.A @ P @ self.C.T + AK @ self.S
            gain = np.linalg.solve(S_t, cross.T).T
            gains[t] = gain
            covariances[t] = S_t
            P = symmetrize(self.A @ P @ self.A.T + noise - gain @ S_t @ gain.T)
        return gains, covariances

    def step_log_probs_array(self, sequences: np.ndarray) -> np.ndarray:
        """Compute ln p(y_t | h_{t-1}) for a batch of shape (batch, time, d_obs); returns (batch, time)."""
        innovations, covariances = self.filter_innovations(sequences)
        factors = np.linalg.cholesky(covariances)
        # Whitened innovations L_t^-1 nu_t give the quadratic form nu^T S_t^-1 nu.
        whitened = np.linalg.solve(factors[None], innovations[..., None])[..., 0]
        log_dets = 2.0 * np.log(np.diagonal(factors, axis1=-2, axis2=-1)).sum(axis=-1)
        return -0.5 * (np.sum(whitened**2, axis=-1) + log_dets[None] + self.d_obs * LOG_2PI)

    def step_log_probs(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Compute ln p(y_t | h_{t-1}) in nats for each sequence of shape (time, d_obs).

        Sequences of equal length are scored together as one batch.
        """
        arrays = [self.check_sequences(np.asarray(y, dtype=np.float64)[None])[0] for y in sequences]
        results: list[np.ndarray | None] = [None] * len(arrays)
        lengths = sorted({len(y) for y in arrays})
        for length in lengths:
            indices = [i for i, y in enumerate(arrays) if len(y) == length]
            scores = self.step_log_probs_array(np.stack([arrays[i] for i in indices]))
            for row, i in enumerate(indices):
                results[i] = scores[row]
        return results  # type: ignore[return-value]

    def path_log_probs_array(self, sequences: np.ndarray) -> np.ndarray:
        """Compute ln P_fwd(y_1..y_T) for a batch (batch, time, d_obs); returns (batch,)."""
        return self.step_log_probs_array(sequences).sum(axis=1)

    def sigma(self, sequences: np.ndarray) -> np.ndarray:
        """Trajectory entropy production ln P_fwd(y) - ln P_fwd(reverse(y)); (batch, time, d_obs) -> (batch,)."""
        sequences = self.check_sequences(sequences)
        return self.path_log_probs_array(sequences) - self.path_log_probs_array(sequences[:, ::-1])

    def check_sequences(self, sequences: np.ndarray) -> np.ndarray:
        """Raise unless `sequences` has shape (batch, time >= 1, d_obs) with finite entries."""
        sequences = np.asarray(sequences, dtype=np.float64)
        if sequences.ndim != 3 or sequences.shape[2] != self.d_obs or sequences.shape[1] < 1:
            raise InvalidInputError(
                f"sequences must have shape (batch, time, {self.d_obs}) with time >= 1, "
                f"got {sequences.shape}"
            )
        if not np.all(np.isfinite(sequences)):
            raise InvalidInputError("sequences contain NaN or infinite values")
        return sequences


def symmetrize(matrix: np.ndarray) -> np.ndarray:
    """Return (M + M^T) / 2, removing the round-off asymmetry of covariance updates."""
    return 0.5 * (matrix + matrix.T)


def cholesky_psd(covariance: np.ndarray) -> np.ndarray:
    """Return a factor L with L L^T = covariance, for a positive semi-definite covariance.

    Uses the eigendecomposition, so singular covariances (an unreachable state
    direction) are fine; eigenvalues below zero from round-off are clipped.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(symmetrize(covariance))
    return eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
