"""Integration tests on the real default model, SmolLM2-135M-Instruct from its GGUF package.

The first load dequantises the GGUF file (about 20 s on 2 cores) and caches the weights.
"""

import numpy as np
import pytest
import torch

from seqtherm.estimators.texts import score_texts
from seqtherm.experiments.inputs import shipped_text_sets
from seqtherm.models.registry import NAMED_MODELS, load_language_model, resolve_named_model
from seqtherm.segmentation import delimiter_block_lengths

pytestmark = pytest.mark.integration

TEXTS = [
    "The kettle boiled over onto the stove. The flame went out with a hiss. Mara opened every window.",
    "Owls can turn their heads very far. Copper conducts heat well. Iceland has many volcanoes.",
]


@pytest.fixture(scope="module")
def default_model():
    return load_language_model()


def test_default_model_is_smollm2(default_model):
    assert default_model.name == "smollm2-135m"
    assert default_model.context_ids == [0]
    assert default_model.tokenizer.convert_ids_to_tokens(0) == "<|endoftext|>"
    assert len(default_model.source["sha256"]) == 64
    assert resolve_named_model("smollm2-135m").suffix == ".gguf"
    assert NAMED_MODELS["smollm2-135m"].license == "Apache-2.0"


def test_path_log_prob_equals_labels_cross_entropy(default_model):
    for text in TEXTS:
        tokens = default_model.encode(text)
        path_log_prob = default_model.step_log_probs([tokens])[0].sum()
        input_ids = torch.tensor([[0, *tokens.tolist()]])
        with torch.no_grad():
            # The mean cross-entropy over the n_tokens predicted tokens (the label of the
            # context token itself is ignored by the shift inside the model).
            loss = default_model.model(input_ids=input_ids, labels=input_ids).loss.item()
        assert abs(path_log_prob - (-loss * len(tokens))) < 1e-4 * max(1.0, abs(path_log_prob))


def test_batched_scores_equal_single_scores(default_model):
    tokens = [default_model.encode(t) for t in TEXTS] + [default_model.encode("Short one.")]
    batched = default_model.step_log_probs(tokens)
    for sequence, row in zip(tokens, batched):
        single = default_model.step_log_probs([sequence])[0]
        # float32 matrix products of different shapes round differently, by ~1e-5 nats.
        np.testing.assert_allclose(row, single, atol=2e-4)


def test_shipped_texts_have_four_delimiter_blocks(default_model):
    for item in shipped_text_sets():
        tokens = default_model.encode(item.text)
        lengths = delimiter_block_lengths(tokens, default_model.sentence_end_mask)
        assert len(lengths) == 4, (item.group, item.index, item.text)


def test_seam_cost_is_positive_on_real_texts(default_model):
    scores = score_texts(default_model, TEXTS).scores
    for score in scores:
        assert score.n_blocks == 3
        assert np.isfinite(score.sigma_token)
        # Reversal on the text's own tokens glues two sentences without a space.
        assert score.seam_cost > 0.0


def test_sampling_log_probs_match_scoring(default_model):
    batch = default_model.with_temperature(1.5).sample(3, 12, seed=0)
    rescored = default_model.with_temperature(1.5).step_log_probs(batch.sequences)
    for recorded, scored in zip(batch.step_log_probs, rescored):
        # A key-value-cached pass and a full pass differ by float32 rounding only.
        np.testing.assert_allclose(recorded, scored, atol=2e-3)
