"""`seqtherm texts` and `seqtherm models` through the command line, on a tiny saved model."""

import json

import huggingface_hub.constants
import pytest
from typer.testing import CliRunner

from seqtherm.cli.main import app

from conftest import WORDS, make_tiny_llama

runner = CliRunner()


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory, word_tokenizer):
    folder = tmp_path_factory.mktemp("tiny-model")
    make_tiny_llama(len(WORDS)).to("cpu").float().save_pretrained(folder)
    word_tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture()
def text_file(tmp_path):
    path = tmp_path / "sets.json"
    path.write_text(json.dumps({
        "causal": ["the rain fell . the river rose .", "the cat sat . it slept .", "the dog ran ! it slept ."],
        "facts": ["the mat . a river .", "the dog . the cat ?", "rain fell . a mat ."],
    }))
    return path


def test_texts_json_summary(model_folder, text_file, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["texts", str(text_file), "--model", str(model_folder), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary["groups"]) == {"causal", "facts"}
    assert len(summary["comparisons"]) == 2
    assert (out / "per_text.csv").exists()
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["arguments"]["model"] == str(model_folder)
    assert metadata["model"]["context_token"] == "<|endoftext|>"


def test_texts_resume_completes_nothing_twice(model_folder, text_file, tmp_path):
    out = tmp_path / "out"
    first = runner.invoke(app, ["texts", str(text_file), "--model", str(model_folder), "--out", str(out)])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["texts", str(text_file), "--model", str(model_folder), "--out", str(out)])
    assert again.exit_code == 2
    assert "pass --resume" in again.output
    resumed = runner.invoke(app, ["texts", str(text_file), "--model", str(model_folder), "--out", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert len((out / "per_text.csv").read_text().splitlines()) == 7


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--levels", "paragraph"], "--levels"),
        (["--segmenter", "words"], "segmenter"),
        (["--temperature", "0"], "temperature"),
        (["--resume"], "--resume needs the --out"),
        (["--model", "./no/such/model"], "not found"),
        (["--model", "missing.gguf"], "GGUF file missing.gguf not found"),
    ],
)
def test_texts_bad_options(text_file, arguments, message):
    result = runner.invoke(app, ["texts", str(text_file), *arguments])
    assert result.exit_code == 2
    assert message in result.output


def test_texts_missing_file(model_folder, tmp_path):
    result = runner.invoke(app, ["texts", str(tmp_path / "none.txt"), "--model", str(model_folder)])
    assert result.exit_code == 2
    assert "not found" in result.output


def test_hub_id_offline_names_default(monkeypatch, text_file):
    # Offline mode makes the loader fail from the local cache, without any network request.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    result = runner.invoke(app, ["texts", str(text_file), "--model", "some-org/some-model"])
    assert result.exit_code == 2
    assert "smollm2-135m" in result.output
    assert "--model PATH" in result.output


def test_models_lists_named_models():
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    assert "smollm2-135m" in result.output
    assert "gemma3-270m" in result.output


def test_corrupt_gguf_file(tmp_path, text_file, monkeypatch):
    monkeypatch.setenv("SEQTHERM_CACHE_DIR", str(tmp_path / "cache"))
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    result = runner.invoke(app, ["texts", str(text_file), "--model", str(bad)])
    assert result.exit_code == 2
    assert "failed to load the GGUF file" in result.output


def test_unknown_model_name_lists_named_models(monkeypatch, text_file):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    result = runner.invoke(app, ["texts", str(text_file), "--model", "smollm"])
    assert result.exit_code == 2
    assert "neither a named model (smollm2-135m, gemma3-270m)" in result.output


def test_gguf_cache_round_trip(tmp_path, monkeypatch, word_tokenizer):
    """A GGUF-loaded model is cached as safetensors and reloads to the same log-probabilities."""
    import numpy as np

    from seqtherm.models import registry

    monkeypatch.setenv("SEQTHERM_CACHE_DIR", str(tmp_path / "cache"))
    gguf = tmp_path / "fake.gguf"
    gguf.write_bytes(b"not really gguf")
    model = make_tiny_llama(len(WORDS)).float()
    calls = []

    def fake_from_gguf(path):
        # Stands in for transformers' GGUF loader, which needs a real file.
        calls.append(path)
        return model, word_tokenizer

    monkeypatch.setattr(registry, "_dequantize_gguf", fake_from_gguf)
    first = registry.load_language_model(str(gguf))
    second = registry.load_language_model(str(gguf))
    assert len(calls) == 1
    assert (tmp_path / "cache" / "dequantized").exists()
    assert not list((tmp_path / "cache" / "dequantized").glob(".staging-*"))
    sequence = np.array([2, 3, 4, 16])
    np.testing.assert_array_equal(first.step_log_probs([sequence])[0], second.step_log_probs([sequence])[0])
    assert first.source["sha256"] == second.source["sha256"]


def test_unreachable_hub_fails_after_one_request(monkeypatch, text_file):
    # The Hub is simulated: model_info raises as it does when no connection can be made.
    import huggingface_hub

    requests = []

    def unreachable(self, repo_id, **kwargs):
        requests.append((repo_id, kwargs.get("timeout")))
        raise ConnectionError("no route to host")

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", unreachable)
    result = runner.invoke(app, ["texts", str(text_file), "--model", "some-org/some-model"])
    assert result.exit_code == 2
    assert requests == [("some-org/some-model", 10.0)]
    assert "did not return it within 10 s (ConnectionError: no route to host)" in result.output
    assert "--model smollm2-135m" in result.output


def test_existing_out_rejected_before_model_load(text_file, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "per_text.csv").write_text("group,index\n")
    # The model path does not exist: the folder check must fail first.
    result = runner.invoke(app, ["texts", str(text_file), "--model", str(tmp_path / "no-model"), "--out", str(out)])
    assert result.exit_code == 2
    assert "already contains results (per_text.csv); pass --resume" in result.output


def test_resume_without_earlier_run_warns(model_folder, text_file, tmp_path):
    out = tmp_path / "fresh"
    result = runner.invoke(app, ["texts", str(text_file), "--model", str(model_folder), "--out", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    # The log handler wraps long lines; compare with whitespace collapsed.
    assert "contains no per_text.csv, so a new run starts there" in " ".join(result.output.split())
