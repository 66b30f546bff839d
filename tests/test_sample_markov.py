"""The sampling estimators on a first-order Markov chain wrapped as a language model.

For the 3-state ring with forward probability a and backward probability b started
from its stationary (uniform) law, the mean sigma per step is the Schnakenberg entropy
production rate (a - b) ln(a / b) (Sagawa 2026, arXiv:2604.07867); with a = b the chain
is reversible and every sigma is exactly 0.
"""

import numpy as np
import pytest

from sample_doubles import MarkovChainModel, ring_kernel
from seqtherm.estimators.block_scale import BlockScales
from seqtherm.estimators.samples import estimate_sample_entropy_production

UNIFORM = np.full(3, 1.0 / 3.0)
SCALES = BlockScales(sentences_per_block=(1, 2), block_tokens=(1, 5))


def test_ring_reproduces_schnakenberg_rate():
    a, b = 0.6, 0.2
    n_tokens = 25
    chain = MarkovChainModel(ring_kernel(a, b), UNIFORM, sentence_ends=(2,))
    estimate = estimate_sample_entropy_production(chain, 1500, n_tokens, seed=5, scales=SCALES)

    rate = (a - b) * np.log(a / b)
    per_step = estimate.token.mean_sigma / (n_tokens - 1)
    per_step_error = estimate.token.mean_sigma_standard_error / (n_tokens - 1)
    assert abs(per_step - rate) < 4 * per_step_error
    assert per_step_error < 0.05 * rate


def test_reversible_ring_has_zero_sigma():
    chain = MarkovChainModel(ring_kernel(0.3, 0.3), UNIFORM, sentence_ends=(2,))
    estimate = estimate_sample_entropy_production(chain, 50, 12, seed=1, scales=SCALES)
    sigmas = [s.sigma_token for s in estimate.scores] + [s.sigma_token_cut for s in estimate.scores if s.n_tokens_cut]
    np.testing.assert_allclose(sigmas, 0.0, atol=1e-12)
    check = estimate.fluctuation_theorem["token"]
    assert check.mean_exp_neg_sigma == pytest.approx(1.0, abs=1e-12)
    assert check.effective_sample_size == pytest.approx(50)


def test_ring_fluctuation_theorem_within_errors():
    # Short paths keep exp(-sigma) light-tailed enough for a tight check.
    chain = MarkovChainModel(ring_kernel(0.5, 0.3), UNIFORM, sentence_ends=(2,))
    estimate = estimate_sample_entropy_production(chain, 2000, 4, seed=2, scales=SCALES)
    check = estimate.fluctuation_theorem["token"]
    assert abs(check.mean_exp_neg_sigma - 1.0) < 4 * check.standard_error
    assert estimate.token.mean > 0


def test_temperature_is_used_for_sampling_and_scoring():
    # A hotter ring is less biased, so it produces less entropy per step.
    chain = MarkovChainModel(ring_kernel(0.6, 0.2), UNIFORM)
    cold = estimate_sample_entropy_production(chain, 300, 10, seed=3, scales=SCALES)
    hot = estimate_sample_entropy_production(chain.with_temperature(4.0), 300, 10, seed=3, scales=SCALES)
    hot_kernel = chain.with_temperature(4.0).kernel
    a, b = hot_kernel[0, 1], hot_kernel[0, 2]
    assert hot.token.mean < cold.token.mean
    hot_rate = (a - b) * np.log(a / b)
    assert abs(hot.token.mean_sigma / 9 - hot_rate) < 4 * hot.token.mean_sigma_standard_error / 9
