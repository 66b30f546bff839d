"""The innovation-form model: sampling, exact path densities, sigma, Monte Carlo agreement."""

import numpy as np
import pytest
import scipy.stats

from seqtherm.analytic.gaussian import entropy_production_curve, entropy_production_dense, path_covariance
from seqtherm.errors import InvalidInputError
from seqtherm.estimators.monte_carlo import estimate_entropy_production
from seqtherm.models.gaussian import LinearGaussianModel
from seqtherm.models.protocol import AutoregressiveModel

TWO_D = dict(A=[[0.8, 0.3], [0.0, 0.5]], C=[[1.0, 0.5], [0.0, 1.0]], Q=np.eye(2), R=np.eye(2))


def two_d_model(**options):
    return LinearGaussianModel.from_state_space(**TWO_D, **options)


def test_model_implements_protocol():
    assert isinstance(two_d_model(), AutoregressiveModel)


@pytest.mark.parametrize("stationary_start", [False, True])
def test_path_density_matches_joint_gaussian(stationary_start):
    # The filter's path log-density must equal the density of y_1..y_T under its
    # joint covariance; agreement to 1e-9 rules out any missing term.
    model = two_d_model(stationary_start=stationary_start)
    n_steps = 6
    sequences = model.sample_array(5, n_steps, seed=3)
    covariance = path_covariance(model, n_steps)
    joint = scipy.stats.multivariate_normal(np.zeros(len(covariance)), covariance)
    expected = joint.logpdf(sequences.reshape(5, -1))
    np.testing.assert_allclose(model.path_log_probs_array(sequences), expected, rtol=0, atol=1e-9)
    reversed_expected = joint.logpdf(sequences[:, ::-1].reshape(5, -1))
    np.testing.assert_allclose(model.sigma(sequences), expected - reversed_expected, atol=1e-9)


def test_sample_log_probs_match_scoring():
    model = two_d_model()
    batch = model.sample(4, 7, seed=1)
    scored = model.step_log_probs(batch.sequences)
    for sampled, rescored in zip(batch.step_log_probs, scored):
        np.testing.assert_allclose(sampled, rescored, atol=1e-12)
    assert batch.sequences[0].shape == (7, 2)


def test_step_log_probs_mixed_lengths():
    model = two_d_model()
    short, long = model.sample_array(1, 3, seed=0)[0], model.sample_array(1, 8, seed=1)[0]
    result = model.step_log_probs([long, short, long[:3]])
    assert [len(r) for r in result] == [8, 3, 3]
    # A prefix has the same step densities as the start of the full sequence.
    np.testing.assert_allclose(result[2], result[0][:3], atol=1e-12)


def test_sigma_equals_innovation_formula():
    model = two_d_model()
    sequences = model.sample_array(50, 12, seed=7)
    S_inv = np.linalg.inv(model.S)
    forward, _ = model.filter_innovations(sequences)
    backward, _ = model.filter_innovations(sequences[:, ::-1])
    quadratic_forward = np.einsum("bti,ij,btj->b", forward, S_inv, forward)
    quadratic_backward = np.einsum("bti,ij,btj->b", backward, S_inv, backward)
    expected = 0.5 * quadratic_backward - 0.5 * quadratic_forward
    np.testing.assert_allclose(model.sigma(sequences), expected, atol=1e-10)


def test_innovations_are_white_with_covariance_s():
    model = two_d_model()
    sequences = model.sample_array(20_000, 4, seed=2)
    innovations, _ = model.filter_innovations(sequences)
    flat = innovations.reshape(-1, 2)
    # 80,000 draws: the sample covariance has a standard error of about 0.5 % of S.
    np.testing.assert_allclose(np.cov(flat.T), model.S, rtol=0.03, atol=0.03)
    lag_one = np.mean(innovations[:, 1:, 0] * innovations[:, :-1, 0])
    assert abs(lag_one) < 0.05


@pytest.mark.parametrize(
    "name, options",
    [
        ("scalar", dict(A=0.9, C=1, Q=1, R=1)),
        ("two_d", TWO_D),
    ],
)
def test_monte_carlo_within_four_standard_errors(name, options):
    model = LinearGaussianModel.from_state_space(**options)
    curve = entropy_production_curve(model, 50)
    for index, T in enumerate([2, 10, 50]):
        estimate = estimate_entropy_production(model, 20_000, T, seed=100 + index)
        deviation = abs(estimate.entropy_production - curve[T - 1])
        assert deviation < 4 * estimate.standard_error, (name, T, estimate.entropy_production, curve[T - 1])
        # Integral fluctuation theorem E[exp(-sigma)] = 1, checked at 5 standard errors
        # because exp(-sigma) is heavy-tailed at T = 50.
        assert abs(estimate.mean_exp_neg_sigma - 1.0) < 5 * estimate.exp_neg_sigma_standard_error


def test_monte_carlo_stationary_start():
    model = two_d_model(stationary_start=True)
    estimate = estimate_entropy_production(model, 20_000, 20, seed=9)
    exact = entropy_production_dense(model, 20)
    assert abs(estimate.entropy_production - exact) < 4 * estimate.standard_error


def test_sampling_is_reproducible():
    model = two_d_model()
    first = model.sample_array(3, 5, seed=42)
    second = model.sample_array(3, 5, seed=42)
    assert np.array_equal(first, second)
    assert not np.array_equal(first, model.sample_array(3, 5, seed=43))


def test_bad_sequences_rejected():
    model = two_d_model()
    with pytest.raises(InvalidInputError, match=r"shape \(batch, time, 2\)"):
        model.sigma(np.zeros((3, 4, 3)))
    with pytest.raises(InvalidInputError, match="NaN or infinite"):
        model.sigma(np.full((1, 2, 2), np.nan))


def test_stationary_start_needs_stable_a():
    with pytest.raises(InvalidInputError, match="spectral radius of A is 1.5"):
        LinearGaussianModel.from_state_space(1.5, 1, 1, 1, stationary_start=True)
