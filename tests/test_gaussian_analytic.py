"""Exact S_y(T) of linear Gaussian models: published values, dense reference, rate.

Published values: Sagawa, "Stochastic Thermodynamics for Autoregressive Generative
Models: A Non-Markovian Perspective", arXiv:2604.07867 (2026), quoted to 7 or 5 digits,
so they are compared to half a unit in the last quoted digit.
"""

import numpy as np
import pytest

from seqtherm.analytic.gaussian import (
    entropy_production_curve,
    entropy_production_dense,
    saturation_entropy_production,
    solve_steady_state,
    stationary_rate,
    stationary_rate_spectral,
)
from seqtherm.errors import InvalidInputError
from seqtherm.models.gaussian import LinearGaussianModel, spectral_radius

TWO_D = dict(A=[[0.8, 0.3], [0.0, 0.5]], C=[[1.0, 0.5], [0.0, 1.0]], Q=np.eye(2), R=np.eye(2))


def scalar_model():
    return LinearGaussianModel.from_state_space(0.9, 1, 1, 1)


def random_stable_model(rng, d_state, d_obs, radius=0.9):
    A = rng.standard_normal((d_state, d_state))
    A *= radius / spectral_radius(A)
    C = rng.standard_normal((d_obs, d_state))
    root_q = rng.standard_normal((d_state, d_state))
    root_r = rng.standard_normal((d_obs, d_obs))
    Q = root_q @ root_q.T + 0.1 * np.eye(d_state)
    R = root_r @ root_r.T + 0.1 * np.eye(d_obs)
    return LinearGaussianModel.from_state_space(A, C, Q, R)


def test_scalar_steady_state_published():
    steady = solve_steady_state(0.9, 1, 1, 1)
    assert steady.P[0, 0] == pytest.approx(1.48390, abs=5e-6)
    assert steady.S[0, 0] == pytest.approx(2.48390, abs=5e-6)
    assert steady.K[0, 0] == pytest.approx(0.59741, abs=5e-6)
    assert steady.closed_loop_radius < 1.0


def test_scalar_curve_published():
    curve = entropy_production_curve(scalar_model(), 50)
    assert curve[1] == pytest.approx(0.0417852, abs=5e-8)
    assert curve[9] == pytest.approx(0.4509848, abs=5e-8)
    assert curve[49] == pytest.approx(0.5574200, abs=5e-8)


def test_two_d_curve_published():
    model = LinearGaussianModel.from_state_space(**TWO_D)
    curve = entropy_production_curve(model, 50)
    assert curve[1] == pytest.approx(0.06865, abs=5e-6)
    assert curve[9] == pytest.approx(0.75829, abs=5e-6)
    assert curve[49] == pytest.approx(3.38174, abs=5e-6)
    assert stationary_rate(model) == pytest.approx(0.0654, abs=5e-5)


def test_riccati_solution_satisfies_equation():
    steady = solve_steady_state(**TWO_D)
    A, C, P = steady.A, steady.C, steady.P
    gain_term = A @ P @ C.T @ np.linalg.solve(C @ P @ C.T + np.eye(2), C @ P @ A.T)
    np.testing.assert_allclose(A @ P @ A.T - gain_term + np.eye(2), P, atol=1e-12)
    np.testing.assert_allclose(steady.K, P @ C.T @ np.linalg.inv(steady.S), atol=1e-12)


def test_fast_curve_matches_dense_random_systems():
    # Both are float64 computations of the same quantity; 1e-9 relative leaves room
    # for the round-off of the O((T d_obs)^3) dense solve at T = 200.
    rng = np.random.default_rng(20260407)
    checked_steps = [2, 3, 7, 31, 100, 200]
    for d_state, d_obs in [(1, 1), (2, 1), (2, 2), (3, 2), (1, 3)]:
        model = random_stable_model(rng, d_state, d_obs)
        for stop_at_convergence in (True, False):
            curve = entropy_production_curve(model, 200, stop_at_convergence=stop_at_convergence)
            for T in checked_steps:
                dense = entropy_production_dense(model, T)
                assert curve[T - 1] == pytest.approx(dense, rel=1e-9, abs=1e-13), (d_state, d_obs, T)


def test_curve_at_one_step_is_zero():
    curve = entropy_production_curve(scalar_model(), 1)
    assert curve.shape == (1,)
    assert abs(curve[0]) < 1e-14


def test_scalar_rate_zero_and_saturation():
    model = scalar_model()
    assert abs(stationary_rate(model)) < 1e-12
    assert abs(stationary_rate_spectral(model)) < 1e-12
    saturation = saturation_entropy_production(model)
    curve = entropy_production_curve(model, 400, stop_at_convergence=False)
    assert saturation == pytest.approx(curve[-1], rel=1e-12)
    assert curve[-1] / 400 < 2e-3


def test_random_scalar_processes_saturate():
    rng = np.random.default_rng(5)
    for _ in range(3):
        model = random_stable_model(rng, d_state=3, d_obs=1)
        assert abs(stationary_rate(model)) < 1e-10
        curve = entropy_production_curve(model, 300, stop_at_convergence=False)
        assert curve[-1] - curve[-2] < 1e-10


def test_reversible_multivariate_rate_zero():
    # y = C x + v with A symmetric, Q = I, C orthogonal and R = I has symmetric
    # lagged covariances C A^k Pi C^T, so the stationary process is time-reversible.
    A = np.array([[0.6, 0.2, 0.0], [0.2, 0.3, 0.1], [0.0, 0.1, -0.4]])
    C, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))
    model = LinearGaussianModel.from_state_space(A, C, np.eye(3), np.eye(3))
    assert abs(stationary_rate(model)) < 1e-12
    assert abs(stationary_rate_spectral(model)) < 1e-12
    assert saturation_entropy_production(model) > 0.0


def test_rate_matches_spectral_and_slope():
    rng = np.random.default_rng(11)
    for d_state, d_obs in [(2, 2), (3, 2), (4, 3)]:
        model = random_stable_model(rng, d_state, d_obs, radius=0.7)
        rate = stationary_rate(model)
        assert rate == pytest.approx(stationary_rate_spectral(model), rel=1e-9, abs=1e-14)
        curve = entropy_production_curve(model, 400, stop_at_convergence=False)
        assert curve[-1] - curve[-2] == pytest.approx(rate, rel=1e-9, abs=1e-14)


def test_saturation_rejects_irreversible():
    model = LinearGaussianModel.from_state_space(**TWO_D)
    with pytest.raises(InvalidInputError, match="does not saturate"):
        saturation_entropy_production(model)


def test_stationary_start_scalar_is_zero():
    # A stationary scalar Gaussian process is time-reversible, so with a stationary
    # start there is no boundary term either.
    model = LinearGaussianModel.from_state_space(0.9, 1, 1, 1, stationary_start=True)
    for T in (2, 10, 40):
        assert abs(entropy_production_dense(model, T)) < 1e-10


def test_stationary_start_grows_at_rate():
    model = LinearGaussianModel.from_state_space(**TWO_D, stationary_start=True)
    values = [entropy_production_dense(model, T) for T in (100, 101)]
    assert values[1] - values[0] == pytest.approx(stationary_rate(model), rel=1e-8)


def test_undetectable_pair_rejected():
    with pytest.raises(InvalidInputError, match=r"\(A, C\) has no stabilising Riccati solution"):
        solve_steady_state([[1.2, 0.0], [0.0, 0.5]], [[0.0, 1.0]], np.eye(2), 1.0)


def test_unstable_detectable_pair_accepted():
    # An unstable A has a stabilising solution when C observes the unstable mode.
    steady = solve_steady_state(1.5, 1.0, 1.0, 1.0)
    assert steady.closed_loop_radius < 1.0
    model = LinearGaussianModel.from_state_space(1.5, 1.0, 1.0, 1.0)
    with pytest.raises(InvalidInputError, match="rho\\(A\\)"):
        stationary_rate(model)
    assert np.all(np.isfinite(entropy_production_curve(model, 20)))


@pytest.mark.parametrize("n_steps", [0, -3, 2.5])
def test_invalid_length_rejected(n_steps):
    with pytest.raises(InvalidInputError, match="T must be an integer >= 1"):
        entropy_production_curve(scalar_model(), n_steps)


def test_fixed_point_fallback_matches_solver(monkeypatch):
    expected = solve_steady_state(**TWO_D)

    def failing_solver(*args, **kwargs):
        raise np.linalg.LinAlgError("forced failure")

    monkeypatch.setattr("scipy.linalg.solve_discrete_are", failing_solver)
    fallback = solve_steady_state(**TWO_D)
    assert fallback.method == "fixed_point_iteration"
    assert expected.method == "solve_discrete_are"
    np.testing.assert_allclose(fallback.P, expected.P, atol=1e-12)
