"""Monte Carlo S_y of model samples against exact enumeration on a tiny random GPT-2.

With 5 tokens and T = 4 there are 625 sequences, so S_y, the fluctuation theorem and
the sentence-level mean are exact sums. Monte Carlo estimates must agree within 4
standard errors (fixed seeds); the model runs in float64 so enumeration is exact to
rounding.
"""

import itertools

import numpy as np
import pytest

from sample_doubles import tiny_gpt2
from seqtherm.estimators.block_scale import BlockScales
from seqtherm.estimators.monte_carlo import check_fluctuation_theorem, describe_sigma, running_mean_curve
from seqtherm.estimators.samples import estimate_sample_entropy_production
from seqtherm.reversal import reverse_blocks
from seqtherm.segmentation import cut_after_last_delimiter, delimiter_block_lengths

N_TOKENS = 4
TEMPERATURE = 2.0
SCALES = BlockScales(sentences_per_block=(1, 2), block_tokens=(1, 2, 3))


def _path_log_probs(model, sequences):
    return np.array([steps.sum() for steps in model.step_log_probs(sequences)])


@pytest.fixture(scope="module")
def model():
    return tiny_gpt2(temperature=TEMPERATURE, batch_size=1024)


@pytest.fixture(scope="module")
def enumeration(model):
    """Exact expectations over all 5^4 sequences."""
    sequences = [np.array(s, dtype=np.int64) for s in itertools.product(range(5), repeat=N_TOKENS)]
    forward = _path_log_probs(model, sequences)
    reversed_ = _path_log_probs(model, [s[::-1].copy() for s in sequences])
    probability = np.exp(forward)
    sigma = forward - reversed_

    mask = model.sentence_end_mask
    cut_index, cuts = [], []
    for i, sequence in enumerate(sequences):
        cut = cut_after_last_delimiter(sequence, mask)
        if cut is not None:
            cut_index.append(i)
            cuts.append(cut)
    cut_forward = _path_log_probs(model, cuts)
    cut_reversed = _path_log_probs(model, [reverse_blocks(c, delimiter_block_lengths(c, mask))[0] for c in cuts])
    cut_probability = probability[cut_index]
    block_per_token = (cut_forward - cut_reversed) / np.array([len(c) for c in cuts])
    return {
        "total_probability": probability.sum(),
        "entropy_production": float(probability @ sigma),
        "mean_exp_neg_sigma": float(probability @ np.exp(-sigma)),
        "block_per_token": float(cut_probability @ block_per_token / cut_probability.sum()),
        "probability_no_delimiter": 1.0 - cut_probability.sum(),
    }


@pytest.fixture(scope="module")
def estimate(model):
    return estimate_sample_entropy_production(model, 3000, N_TOKENS, seed=7, scales=SCALES, chunk_size=1500)


def test_enumeration_fluctuation_theorem_exact(enumeration):
    assert enumeration["total_probability"] == pytest.approx(1.0, abs=1e-12)
    assert enumeration["mean_exp_neg_sigma"] == pytest.approx(1.0, abs=1e-12)
    assert enumeration["entropy_production"] > 0.1


def test_token_level_matches_enumeration(estimate, enumeration):
    exact = enumeration["entropy_production"]
    assert abs(estimate.token.mean_sigma - exact) < 4 * estimate.token.mean_sigma_standard_error
    assert estimate.token.mean == pytest.approx(estimate.token.mean_sigma / N_TOKENS)
    assert estimate.token.ci_low < estimate.token.mean < estimate.token.ci_high


def test_fluctuation_theorem_within_errors(estimate):
    check = estimate.fluctuation_theorem["token"]
    assert abs(check.mean_exp_neg_sigma - 1.0) < 4 * check.standard_error
    assert 1 < check.effective_sample_size <= check.n_samples


def test_block_level_matches_enumeration(estimate, enumeration):
    exact = enumeration["block_per_token"]
    assert abs(estimate.block.mean - exact) < 4 * estimate.block.standard_error
    no_delimiter_fraction = estimate.n_no_delimiter / estimate.n_samples
    p = enumeration["probability_no_delimiter"]
    assert abs(no_delimiter_fraction - p) < 4 * np.sqrt(p * (1 - p) / estimate.n_samples)


def test_sweep_end_points_match_levels(estimate):
    table = estimate.block_scale.to_pandas().set_index(["blocks", "block_size"])
    assert table.loc[("tokens", 1), "entropy_production_per_token"] == pytest.approx(estimate.token.mean, rel=1e-12)
    assert table.loc[("sentences", 1), "entropy_production_per_token"] == pytest.approx(estimate.block.mean, rel=1e-12)
    assert table.loc[("sentences", 1), "n_samples"] == estimate.block.n_samples


def test_one_block_reversal_gives_zero(estimate):
    # T = 4 and l = 3 gives blocks (3, 1), never the identity; a sample with a single
    # sentence has k = 1 block reversal equal to itself, so exactly zero.
    for score in estimate.scores:
        if score.n_sentences == 1:
            assert score.sigma_block == 0.0
            assert score.sigma_sentence_blocks[2] == 0.0


def test_recorded_log_probs_match_scoring(model):
    batch = model.sample(50, 8, seed=3)
    rescored = model.step_log_probs(batch.sequences)
    for recorded, scored in zip(batch.step_log_probs, rescored):
        np.testing.assert_allclose(recorded, scored, rtol=0, atol=1e-10)


def test_recorded_log_probs_match_scoring_after_prompt(model):
    prompted = model.with_prompt([1, 3, 2])
    assert prompted.max_length == model.max_length - 3
    batch = prompted.sample(20, 6, seed=4)
    for recorded, scored in zip(batch.step_log_probs, prompted.step_log_probs(batch.sequences)):
        np.testing.assert_allclose(recorded, scored, rtol=0, atol=1e-10)
    # The prompt conditions the samples: the same seed gives other log-probabilities.
    plain = model.sample(20, 6, seed=4)
    assert not all(np.allclose(a, b) for a, b in zip(plain.step_log_probs, batch.step_log_probs))


def test_sample_depends_only_on_seed_and_index(model):
    together = model.sample(10, 5, seed=11)
    alone = model.sample_indices([7, 3], 5, seed=11)
    assert np.array_equal(alone.sequences[0], together.sequences[7])
    assert np.array_equal(alone.sequences[1], together.sequences[3])
    np.testing.assert_allclose(alone.step_log_probs[0], together.step_log_probs[7], rtol=0, atol=1e-12)


def test_fluctuation_check_formulas():
    sigma = np.array([0.5, -0.2, 1.5, 0.0])
    weights = np.exp(-sigma)
    check = check_fluctuation_theorem(sigma)
    assert check.mean_exp_neg_sigma == pytest.approx(weights.mean())
    assert check.standard_error == pytest.approx(weights.std(ddof=1) / 2)
    assert check.effective_sample_size == pytest.approx(weights.sum() ** 2 / (weights**2).sum())
    assert check_fluctuation_theorem(np.zeros(9)).effective_sample_size == pytest.approx(9)


def test_fluctuation_check_survives_overflow():
    check = check_fluctuation_theorem(np.array([-800.0, 0.0, 1.0]))
    assert check.mean_exp_neg_sigma == np.inf
    assert check.effective_sample_size == pytest.approx(1.0)


def test_running_mean_curve_matches_direct():
    values = np.random.default_rng(0).normal(size=50)
    curve = running_mean_curve(values, max_points=50)
    assert np.array_equal(curve.n_samples, np.arange(1, 51))
    for n in (2, 10, 50):
        mean = values[:n].mean()
        half_width = 1.959963984540054 * values[:n].std(ddof=1) / np.sqrt(n)
        assert curve.running_mean[n - 1] == pytest.approx(mean)
        assert curve.ci_high[n - 1] == pytest.approx(mean + half_width)
        assert curve.ci_low[n - 1] == pytest.approx(mean - half_width)
    assert np.isnan(curve.ci_low[0])
    assert len(running_mean_curve(np.ones(1000), max_points=100).n_samples) == 100


def test_describe_sigma_divides_each_sample_by_its_length():
    statistics = describe_sigma(np.array([2.0, 6.0, 3.0]), np.array([2, 3, 1]), n_resamples=99)
    assert statistics.mean == pytest.approx((1.0 + 2.0 + 3.0) / 3)
    assert statistics.median == pytest.approx(2.0)
    assert statistics.mean_sigma == pytest.approx(11.0 / 3)
    assert statistics.mean_n_tokens == pytest.approx(2.0)
