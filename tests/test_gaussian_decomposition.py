"""Per-step decomposition D_t = L_t + M_t, checked against dense joint-Gaussian conditioning."""

import numpy as np
import pytest

from seqtherm.analytic.gaussian import entropy_production_curve, entropy_production_dense, path_covariance
from seqtherm.analytic.gaussian_decomposition import decompose_entropy_production
from seqtherm.models.gaussian import LinearGaussianModel, spectral_radius

# Round-off of log-determinants and traces of O(1) covariances in float64.
ATOL = 1e-11


def gaussian_kl(mean_map, covariance, target_map, S, path_cov):
    """E_y KL( N(mean_map y, covariance) || N(target_map y, S) ) for y ~ N(0, path_cov)."""
    S_inv = np.linalg.inv(S)
    difference = mean_map - target_map
    return 0.5 * (
        np.trace(S_inv @ covariance)
        + np.trace(S_inv @ difference @ path_cov @ difference.T)
        - len(S)
        + np.linalg.slogdet(S)[1]
        - np.linalg.slogdet(covariance)[1]
    )


def dense_decomposition(model, n_steps):
    """D_t, L_t, M_t by conditioning the full (T d_obs)-dimensional Gaussian, one t at a time."""
    d = model.d_obs
    path_cov = path_covariance(model, n_steps)
    F, AK = model.closed_loop, model.predictor_gain
    rows = []
    for t in range(n_steps):
        current = slice(t * d, (t + 1) * d)
        future = slice((t + 1) * d, n_steps * d)
        select = np.zeros((d, n_steps * d))
        select[:, current] = np.eye(d)

        # g_{t+1} = sum_{s > t} F^(s-t-1) A K y_s as a matrix acting on the whole path.
        backward_map = np.zeros((model.d_state, n_steps * d))
        for s in range(t + 1, n_steps):
            backward_map[:, s * d : (s + 1) * d] = np.linalg.matrix_power(F, s - t - 1) @ AK
        target_map = model.C @ backward_map

        retrodiction_map = np.zeros((d, n_steps * d))
        if t < n_steps - 1:
            retrodiction_map[:, future] = path_cov[current, future] @ np.linalg.inv(path_cov[future, future])
        retrodiction_cov = path_cov[current, current] - retrodiction_map @ path_cov @ select.T

        g_cov = backward_map @ path_cov @ backward_map.T
        g_map = path_cov[current] @ backward_map.T @ np.linalg.pinv(g_cov, rcond=1e-12, hermitian=True) @ backward_map
        g_cond_cov = path_cov[current, current] - g_map @ path_cov @ select.T

        D = gaussian_kl(retrodiction_map, retrodiction_cov, target_map, model.S, path_cov)
        M = gaussian_kl(g_map, g_cond_cov, target_map, model.S, path_cov)
        L = 0.5 * (np.linalg.slogdet(g_cond_cov)[1] - np.linalg.slogdet(retrodiction_cov)[1])
        rows.append((D, L, M))
    return np.array(rows)


def models():
    rng = np.random.default_rng(7)
    result = [
        LinearGaussianModel.from_state_space(0.9, 1, 1, 1),
        LinearGaussianModel.from_state_space([[0.8, 0.3], [0, 0.5]], [[1, 0.5], [0, 1]], np.eye(2), np.eye(2)),
    ]
    for d_state, d_obs in [(3, 1), (2, 3)]:
        A = rng.standard_normal((d_state, d_state))
        A *= 0.85 / spectral_radius(A)
        C = rng.standard_normal((d_obs, d_state))
        result.append(LinearGaussianModel.from_state_space(A, C, np.eye(d_state), 0.5 * np.eye(d_obs)))
    return result


@pytest.mark.parametrize("model", models(), ids=["scalar", "two_d", "three_state_one_obs", "two_state_three_obs"])
def test_decomposition_matches_dense(model):
    n_steps = 10
    decomposition = decompose_entropy_production(model, n_steps)
    dense = dense_decomposition(model, n_steps)
    np.testing.assert_allclose(decomposition.per_step_entropy_production, dense[:, 0], atol=ATOL)
    np.testing.assert_allclose(decomposition.compression_loss, dense[:, 1], atol=ATOL)
    np.testing.assert_allclose(decomposition.model_mismatch, dense[:, 2], atol=ATOL)


@pytest.mark.parametrize("model", models(), ids=["scalar", "two_d", "three_state_one_obs", "two_state_three_obs"])
def test_decomposition_sums_and_signs(model):
    n_steps = 60
    decomposition = decompose_entropy_production(model, n_steps)
    curve = entropy_production_curve(model, n_steps)
    total = curve[-1]
    assert decomposition.entropy_production == pytest.approx(total, rel=1e-12, abs=1e-13)
    assert decomposition.entropy_production == pytest.approx(entropy_production_dense(model, n_steps), rel=1e-10)
    assert np.all(decomposition.compression_loss >= -ATOL)
    assert np.all(decomposition.model_mismatch >= -ATOL)
    np.testing.assert_allclose(
        decomposition.compression_loss + decomposition.model_mismatch,
        decomposition.per_step_entropy_production,
        atol=1e-13,
    )
    # Refined second law: S_y >= sum_t [I(y_t; h_{t-1}) - I(y_t; g_{t+1})] = sum_t L_t >= 0.
    bound = decomposition.second_law_bound
    assert bound == pytest.approx(decomposition.compression_loss.sum(), abs=1e-11)
    assert -ATOL <= bound <= total + ATOL


def test_last_step_has_no_compression_loss():
    # g_{T+1} = 0 and the future of y_T is empty, so L_T = 0 and D_T compares the
    # marginal of y_T with N(0, S).
    model = models()[1]
    decomposition = decompose_entropy_production(model, 8)
    assert abs(decomposition.compression_loss[-1]) < ATOL
    assert decomposition.model_mismatch[-1] > 0.0


def test_decomposition_table_columns():
    table = decompose_entropy_production(models()[0], 5).to_pandas()
    assert list(table["t"]) == [1, 2, 3, 4, 5]
    assert {"per_step_entropy_production", "compression_loss", "model_mismatch"} <= set(table.columns)
