"""The sampling estimators on the real default model (SmolLM2-135M), a few samples only."""

import numpy as np
import pytest

from seqtherm.estimators.block_scale import BlockScales
from seqtherm.estimators.samples import estimate_sample_entropy_production

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def model():
    from seqtherm.models.registry import load_language_model

    return load_language_model("smollm2-135m", temperature=1.0, batch_size=16)


def test_recorded_log_probs_match_scoring(model):
    # float32 weights: the cached and the full pass differ by rounding, about 1e-5 nats.
    batch = model.sample(4, 24, seed=0)
    for recorded, scored in zip(batch.step_log_probs, model.step_log_probs(batch.sequences)):
        np.testing.assert_allclose(recorded, scored, rtol=0, atol=2e-3)


def test_estimate_on_default_model(model):
    scales = BlockScales(sentences_per_block=(1, 2), block_tokens=(1, 4))
    result = estimate_sample_entropy_production(model.with_temperature(1.5), 6, 24, seed=1, scales=scales)
    assert result.n_samples == 6
    assert all(np.isfinite(s.sigma_token) for s in result.scores)
    # Token reversal of 24 sampled tokens is far less likely than the sample itself.
    assert result.token.mean > 0.5
    for score in result.scores:
        assert len(score.token_ids) == 24
        if score.n_tokens_cut:
            assert model.sentence_end_mask[score.token_ids[score.n_tokens_cut - 1]]
            assert not model.sentence_end_mask[score.token_ids[score.n_tokens_cut :]].any()


def test_prompt_is_context_not_sample(model):
    prompt_ids = model.encode("Once upon a time")
    prompted = model.with_prompt(prompt_ids)
    assert prompted.max_length == model.max_length - len(prompt_ids)
    batch = prompted.sample(2, 8, seed=2)
    assert all(len(s) == 8 for s in batch.sequences)
    for recorded, scored in zip(batch.step_log_probs, prompted.step_log_probs(batch.sequences)):
        np.testing.assert_allclose(recorded, scored, rtol=0, atol=2e-3)
