"""Training, checkpoint round trips, corrupt checkpoints and the train command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seqtherm.cli.main import app
from seqtherm.errors import InvalidInputError, ModelLoadError
from seqtherm.experiments.training import TrainingSettings, load_corpus, train_and_save, train_model
from seqtherm.models.checkpoints import CHECKPOINT_FILE, WEIGHTS_FILE, load_checkpoint
from seqtherm.models.registry import load_language_model

SENTENCES = ["The cat sat.", "A dog ran far!", "Is it late?", "We sat and ran.", "The dog is a cat."]


def small_corpus(n_sentences: int = 400, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(rng.choice(SENTENCES, size=n_sentences))


SETTINGS = TrainingSettings(architecture="gru", d_state=16, d_embed=8, sequence_length=32, batch_size=16, n_steps=30)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gru")
    result = train_and_save(small_corpus(), SETTINGS, folder, corpus_name="generated")
    return folder, result


@pytest.mark.parametrize("architecture", ["elman", "lstm", "linear_ssm"])
def test_training_reduces_loss(architecture):
    settings = TrainingSettings(architecture=architecture, d_state=16, d_embed=8, sequence_length=32, batch_size=16, n_steps=30)
    result = train_model(small_corpus(), settings)
    assert result.final_validation_loss < result.initial_validation_loss - 0.3
    assert result.steps_done == 30


def test_checkpoint_reloads_identically(checkpoint):
    folder, result = checkpoint
    assert result.final_validation_loss < result.initial_validation_loss - 0.3
    model = load_language_model(str(folder))
    sequences = [model.encode(s) for s in SENTENCES]
    direct = load_checkpoint(folder)
    reloaded = load_checkpoint(folder)
    for a, b in zip(direct.step_log_probs(sequences), reloaded.step_log_probs(sequences)):
        np.testing.assert_array_equal(a, b)
    # The in-memory network that training returned scores the same as the saved one.
    from seqtherm.models.stateful import StatefulLanguageModel

    trained = StatefulLanguageModel(result.network, result.vocabulary, name="trained")
    for a, b in zip(trained.step_log_probs(sequences), model.step_log_probs(sequences)):
        np.testing.assert_array_equal(a, b)
    manifest = json.loads((folder / CHECKPOINT_FILE).read_text())
    assert manifest["architecture"] == "gru"
    assert manifest["training"]["steps_done"] == 30


def _copy(folder, tmp_path):
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def test_corrupt_manifest_raises(checkpoint, tmp_path):
    broken = _copy(checkpoint[0], tmp_path)
    (broken / CHECKPOINT_FILE).write_text("{not json")
    with pytest.raises(ModelLoadError, match="not valid JSON"):
        load_checkpoint(broken)


def test_unknown_architecture_raises(checkpoint, tmp_path):
    broken = _copy(checkpoint[0], tmp_path)
    manifest = json.loads((broken / CHECKPOINT_FILE).read_text())
    manifest["architecture"] = "transformer"
    (broken / CHECKPOINT_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match="unknown architecture 'transformer'"):
        load_checkpoint(broken)


def test_changed_weights_raise(checkpoint, tmp_path):
    broken = _copy(checkpoint[0], tmp_path)
    data = (broken / WEIGHTS_FILE).read_bytes()
    (broken / WEIGHTS_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="SHA-256"):
        load_checkpoint(broken)


def test_mismatched_shapes_raise(checkpoint, tmp_path):
    broken = _copy(checkpoint[0], tmp_path)
    manifest = json.loads((broken / CHECKPOINT_FILE).read_text())
    manifest["hyperparameters"]["d_state"] = 17
    (broken / CHECKPOINT_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match="do not match the gru network"):
        load_checkpoint(broken)


def test_missing_weights_raise(checkpoint, tmp_path):
    broken = _copy(checkpoint[0], tmp_path)
    (broken / WEIGHTS_FILE).unlink()
    with pytest.raises(ModelLoadError, match="weights file weights.safetensors not found"):
        load_checkpoint(broken)


def test_vocabulary_mismatch_names_characters(checkpoint):
    model = load_checkpoint(checkpoint[0])
    with pytest.raises(InvalidInputError, match="outside the model's vocabulary: 'Zx'"):
        model.encode("The cat sat. Zx")


def test_corpus_too_small_raises():
    with pytest.raises(InvalidInputError, match="too few for windows of 32"):
        train_model("The cat sat. " * 20, SETTINGS)


def test_shipped_corpus_loads():
    text = load_corpus("austen")
    assert text.startswith("PRIDE AND PREJUDICE By Jane Austen Chapter 1 It is a truth universally acknowledged")
    assert len(text) > 600_000
    assert "\n" not in text


def test_train_then_texts_command(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(small_corpus())
    out = tmp_path / "model"
    runner = CliRunner()
    trained = runner.invoke(
        app,
        ["train", "--corpus", str(corpus), "--out", str(out), "--architecture", "lstm", "--d-state", "8",
         "--d-embed", "4", "--sequence-length", "32", "--steps", "5", "--json"],
    )
    assert trained.exit_code == 0, trained.output
    texts = tmp_path / "texts.txt"
    texts.write_text("The cat sat. A dog ran far!\nIs it late? We sat and ran.\n")
    scored = runner.invoke(app, ["texts", str(texts), "--model", str(out), "--out", str(tmp_path / "results"), "--json"])
    assert scored.exit_code == 0, scored.output
    summary = json.loads(scored.stdout[scored.stdout.index("{"):])
    assert summary["groups"]["texts"]["n_texts"] == 2


def test_train_command_rejects_tiny_corpus(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("Too short.")
    result = CliRunner().invoke(app, ["train", "--corpus", str(corpus), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "too few for windows" in result.output
