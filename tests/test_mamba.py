"""Mamba through transformers: loading, recurrent versus parallel paths, float64 reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqtherm.estimators.monte_carlo import estimate_entropy_production
from seqtherm.models.mamba import MambaAdapter
from seqtherm.models.protocol import path_log_probs
from seqtherm.models.registry import load_language_model
from tiny_models import save_tiny_mamba


@pytest.fixture(scope="module")
def mamba_folder(tmp_path_factory):
    return save_tiny_mamba(tmp_path_factory.mktemp("mamba"))


def _sequences(model, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [rng.integers(1, model.vocab_size, size=n) for n in (3, 11, 7, 16)]


def test_mamba_folder_loads_as_mamba_adapter(mamba_folder):
    model = load_language_model(str(mamba_folder))
    assert isinstance(model, MambaAdapter)
    assert model.max_length is None
    assert model.scoring == "recurrent"
    assert model.decode(model.encode("ab. c!")) == "ab. c!"
    assert isinstance(model.with_temperature(2.0), MambaAdapter)


def test_recurrent_and_parallel_paths_agree(mamba_folder):
    model = load_language_model(str(mamba_folder), batch_size=3)
    sequences = _sequences(model)
    # float32 over at most 16 tokens: 1e-4 nats covers rounding of the two scan orders.
    assert model.path_disagreement(sequences) < 1e-4
    model64 = load_language_model(str(mamba_folder), batch_size=3, dtype="float64")
    # transformers computes parts of the Mamba scan in float32 even for float64 weights.
    assert model64.path_disagreement(sequences) < 1e-6


def test_path_log_prob_matches_prefix_recomputation(mamba_folder):
    model = load_language_model(str(mamba_folder), dtype="float64", batch_size=2)
    sequences = _sequences(model, seed=1)
    expected = []
    with torch.no_grad():
        for sequence in sequences:
            # Recompute every prefix from scratch, with no cache and no batching.
            ids = [*model.context_ids, *sequence.tolist()]
            total = 0.0
            for t in range(len(sequence)):
                logits = model.model(input_ids=torch.tensor([ids[: len(model.context_ids) + t]])).logits[0, -1]
                total += float(torch.log_softmax(logits.double(), dim=-1)[ids[len(model.context_ids) + t]])
            expected.append(total)
    for scoring in ("recurrent", "parallel"):
        np.testing.assert_allclose(path_log_probs(model.with_scoring(scoring), sequences), expected, atol=1e-6, rtol=0)


def test_mamba_sampling_matches_scoring(mamba_folder):
    model = load_language_model(str(mamba_folder), temperature=1.5, batch_size=4)
    batch = model.sample(5, 12, seed=2)
    for drawn, scored in zip(batch.step_log_probs, model.step_log_probs(batch.sequences)):
        np.testing.assert_allclose(drawn, scored, atol=1e-5, rtol=0)
    estimate = estimate_entropy_production(model, 20, 6, seed=0)
    assert np.isfinite(estimate.entropy_production)


def test_invalid_scoring_path_raises(mamba_folder):
    model = load_language_model(str(mamba_folder))
    with pytest.raises(ValueError, match="scoring must be one of"):
        model.with_scoring("chunked")


def test_texts_command_scores_with_mamba(mamba_folder, tmp_path):
    import json

    from typer.testing import CliRunner

    from seqtherm.cli.main import app

    texts = tmp_path / "texts.txt"
    texts.write_text("ab. cd! ef?\nhg fe. dc ba.\n")
    result = CliRunner().invoke(app, ["texts", str(texts), "--model", str(mamba_folder), "--out", str(tmp_path / "r"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{"):])
    assert summary["groups"]["texts"]["n_texts"] == 2
