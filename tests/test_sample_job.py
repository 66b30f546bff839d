"""The sampling job: results folder, resume after an interruption, input checks, CLI."""

import json
import math

import pytest
from typer.testing import CliRunner

from sample_doubles import tiny_gpt2
from seqtherm.errors import InvalidInputError, ResumeMismatchError
from seqtherm.experiments.sample_job import SampleJobSettings, read_samples, run_sample_job

N_TOKENS = 6


def _settings(**changes) -> SampleJobSettings:
    values = dict(
        model="tiny-gpt2", n_steps=N_TOKENS, temperature=1.5, seed=3, prompt=None, dtype="float64",
        context_token=None, sentences_per_block=(1, 2), block_tokens=(1, 2, 3),
    )
    values.update(changes)
    return SampleJobSettings(**values)


@pytest.fixture(scope="module")
def model():
    return tiny_gpt2(temperature=1.5)


@pytest.fixture(scope="module")
def uninterrupted(model, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("uninterrupted")
    result = run_sample_job(model, 40, out_dir, _settings(), chunk_size=8, figures=False)
    return out_dir, result


class Interrupt(Exception):
    pass


def _interrupt_after(n_reports: int):
    calls = []

    def on_progress(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) > n_reports:
            raise Interrupt

    return on_progress


def _lines(out_dir):
    return sorted((json.loads(line) for line in (out_dir / "samples.jsonl").read_text().splitlines()), key=lambda r: r["index"])


def _summary(out_dir):
    return json.loads((out_dir / "summary.json").read_text())


def test_folder_contents(uninterrupted):
    out_dir, result = uninterrupted
    assert {p.name for p in out_dir.iterdir()} >= {"samples.jsonl", "summary.json", "run_config.json", "metadata.json", "figures"}
    summary = _summary(out_dir)
    for level in ("token", "block"):
        entry = summary["fluctuation_theorem"][level]
        assert set(entry) >= {"mean_exp_neg_sigma", "standard_error", "effective_sample_size"}
    assert summary["token"]["mean"] == pytest.approx(result.token.mean)
    assert len(_lines(out_dir)) == 40
    assert json.loads((out_dir / "metadata.json").read_text())["command"] == "sample"


def test_resume_after_interruption_gives_same_result(model, uninterrupted, tmp_path):
    reference_dir, reference = uninterrupted
    with pytest.raises(Interrupt):
        run_sample_job(model, 40, tmp_path, _settings(), chunk_size=8, on_progress=_interrupt_after(2), figures=False)
    assert len(read_samples(tmp_path / "samples.jsonl")) == 16
    assert not (tmp_path / "summary.json").exists()

    progress = []
    result = run_sample_job(
        model, 40, tmp_path, _settings(), chunk_size=8, resume=True,
        on_progress=lambda done, total: progress.append(done), figures=False,
    )
    assert progress[0] == 16
    assert _lines(tmp_path) == _lines(reference_dir)
    assert _summary(tmp_path) == _summary(reference_dir)
    assert result.token.mean == reference.token.mean


def test_resume_with_more_samples_extends_run(model, uninterrupted, tmp_path):
    reference_dir, _ = uninterrupted
    run_sample_job(model, 20, tmp_path, _settings(), chunk_size=8, figures=False)
    run_sample_job(model, 40, tmp_path, _settings(), chunk_size=8, resume=True, figures=False)
    assert _lines(tmp_path) == _lines(reference_dir)
    assert _summary(tmp_path) == _summary(reference_dir)


def test_resume_drops_partial_last_line(model, uninterrupted, tmp_path):
    reference_dir, _ = uninterrupted
    with pytest.raises(Interrupt):
        run_sample_job(model, 40, tmp_path, _settings(), chunk_size=8, on_progress=_interrupt_after(1), figures=False)
    with open(tmp_path / "samples.jsonl", "a") as handle:
        handle.write('{"index": 8, "token_ids": [1, 2')
    run_sample_job(model, 40, tmp_path, _settings(), chunk_size=8, resume=True, figures=False)
    assert _lines(tmp_path) == _lines(reference_dir)


def test_resume_with_other_settings_rejected(model, tmp_path):
    run_sample_job(model, 4, tmp_path, _settings(), chunk_size=8, figures=False)
    with pytest.raises(ResumeMismatchError, match="temperature"):
        run_sample_job(model, 8, tmp_path, _settings(temperature=2.0), chunk_size=8, resume=True, figures=False)
    with pytest.raises(ResumeMismatchError, match="seed"):
        run_sample_job(model, 8, tmp_path, _settings(seed=4), chunk_size=8, resume=True, figures=False)


def test_existing_results_need_resume(model, tmp_path):
    run_sample_job(model, 4, tmp_path, _settings(), chunk_size=8, figures=False)
    with pytest.raises(InvalidInputError, match="--resume"):
        run_sample_job(model, 4, tmp_path, _settings(), chunk_size=8, figures=False)


@pytest.mark.parametrize(
    "n_samples, changes, message",
    [
        (1, {}, "number of samples N"),
        (4, {"n_steps": 1}, "number of tokens T"),
        (4, {"temperature": 0.0}, "temperature"),
        (4, {"temperature": -1.0}, "temperature"),
        (4, {"temperature": math.nan}, "temperature"),
        (4, {"temperature": math.inf}, "temperature"),
        (4, {"prompt": "xyz"}, "tokenises to no tokens"),
        (4, {"prompt": ""}, "tokenises to no tokens"),
        (4, {"n_steps": 16}, "context window"),
        (4, {"n_steps": 11, "prompt": "ab.ab"}, "prompt of 5 tokens"),
    ],
)
def test_invalid_input_rejected(model, tmp_path, n_samples, changes, message):
    with pytest.raises(InvalidInputError, match=message):
        run_sample_job(model, n_samples, tmp_path, _settings(**changes), figures=False)
    assert not (tmp_path / "samples.jsonl").exists()


def test_prompt_conditions_samples(model, tmp_path):
    plain = run_sample_job(model, 8, tmp_path / "plain", _settings(), figures=False)
    prompted = run_sample_job(model, 8, tmp_path / "prompted", _settings(prompt="ab. "), figures=False)
    assert [s.path_log_prob for s in plain.scores] != [s.path_log_prob for s in prompted.scores]
    assert all(s.n_tokens == N_TOKENS for s in prompted.scores)


@pytest.fixture
def cli(monkeypatch):
    from seqtherm.cli.main import app
    from seqtherm.models import registry

    def load(spec, *, temperature, dtype, batch_size, context_token=None):
        if spec != "tiny-gpt2":
            raise InvalidInputError(f"model path {spec} not found; check the path or use a named model")
        return tiny_gpt2(temperature=temperature)

    monkeypatch.setattr(registry, "load_language_model", load)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["sample", "--model", "tiny-gpt2", *args])


def test_cli_writes_results_and_json(cli, tmp_path):
    result = cli("-n", "6", "-T", "5", "--temperature", "2", "--sentence-blocks", "1,2",
                 "--token-blocks", "1,5", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{"):])
    assert summary["n_samples"] == 6
    assert summary["temperature"] == 2.0
    assert {p.name for p in (tmp_path / "figures").iterdir()} == {
        "sigma_histograms.png", "convergence.png", "exp_neg_sigma.png", "block_scale.png"
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["-n", "1"], "number of samples N"),
        (["-T", "1"], "number of tokens T"),
        (["--temperature", "0"], "temperature"),
        (["--top-k", "40"], "top-k sampling"),
        (["--top-p", "0.9"], "top-p sampling"),
        (["--token-blocks", "1,x"], "--token-blocks"),
        (["--model", "./no/such/model"], "not found"),
        (["--resume"], "--resume needs"),
    ],
)
def test_cli_rejects_bad_input(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_figures_with_one_delimited_sample(uninterrupted, tmp_path):
    # With fewer than 2 samples that contain a delimiter there is no sentence-level summary.
    import dataclasses

    from seqtherm.estimators.block_scale import BlockScales
    from seqtherm.estimators.samples import summarize_sample_scores
    from seqtherm.reporting.sample_figures import write_sample_figures

    _, result = uninterrupted
    delimited = [s for s in result.scores if s.n_tokens_cut > 0]
    assert delimited
    keep = delimited[0].index
    scores = [
        s if s.index == keep or s.n_tokens_cut == 0
        else dataclasses.replace(s, n_tokens_cut=0, path_log_prob_cut=None, sigma_token_cut=None, sigma_block=None, sigma_sentence_blocks={})
        for s in result.scores
    ]
    summary = summarize_sample_scores(scores, BlockScales((1, 2), (1, 2, 3)), seed=3)
    assert summary.block is None
    write_sample_figures(summary, tmp_path)
    for name in ["sigma_histograms.png", "convergence.png", "exp_neg_sigma.png", "block_scale.png"]:
        assert (tmp_path / name).exists(), name
