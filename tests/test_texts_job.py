"""The texts job: results folder, incremental rows, resume after an interruption."""

import json

import pandas as pd
import pytest

from seqtherm.errors import InvalidInputError, ResumeMismatchError
from seqtherm.estimators.texts import TextInput
from seqtherm.experiments.texts_job import TextsJobSettings, run_texts_job

CAUSAL = ["the rain fell . the river rose .", "the cat sat . it slept .", "the dog ran ! it slept .", "a cat ran . the dog sat ."]
FACTS = ["the mat . a river .", "the dog . the cat ?", "rain fell . a mat .", "it rose . the rain fell ."]


def items():
    return [TextInput("causal", i, t) for i, t in enumerate(CAUSAL)] + [TextInput("facts", i, t) for i, t in enumerate(FACTS)]


def settings(**changes):
    base = dict(
        model="tiny-llama", levels=("token", "sentence"), segmenter="delimiter", sentences_per_block=1,
        block_tokens=None, dtype="float64", temperature=1.0, context_token="<|endoftext|>", seed=0,
    )
    return TextsJobSettings(**{**base, **changes})


class Interrupt(Exception):
    pass


def test_job_writes_results_folder(tiny_adapter, tmp_path):
    summary = run_texts_job(tiny_adapter, items(), tmp_path / "out", settings(), chunk_size=3)
    out = tmp_path / "out"
    table = pd.read_csv(out / "per_text.csv")
    assert len(table) == 8
    for column in ["group", "index", "n_tokens", "n_blocks", "path_log_prob", "path_log_prob_token_reversed",
                   "path_log_prob_block_reversed", "sigma_token", "sigma_block", "sigma_token_per_token",
                   "sigma_block_per_token", "seam_cost", "no_delimiter", "text"]:
        assert column in table.columns, column
    assert set(summary["groups"]) == {"causal", "facts"}
    assert summary["groups"]["causal"]["sigma_block_per_token"]["n"] == 4
    assert {c["level"] for c in summary["comparisons"]} == {"token", "sentence"}
    comparison = summary["comparisons"][0]
    for key in ["U", "p_value", "rank_biserial", "median_difference_ci_low", "median_difference_ci_high"]:
        assert key in comparison
    saved = json.loads((out / "summary.json").read_text())
    assert saved["n_texts"] == 8
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["packages"]["torch"]
    assert metadata["wall_time_s"] >= 0
    for name in ["sigma_token_per_token_by_group.png", "sigma_block_per_token_by_group.png", "example_log_probs.png"]:
        assert (out / "figures" / name).stat().st_size > 1000


def test_resume_after_interruption_matches_full_run(tiny_adapter, tmp_path):
    reference = run_texts_job(tiny_adapter, items(), tmp_path / "full", settings(), chunk_size=3)

    calls = []

    def interrupt_after_first_chunk(done, total):
        calls.append(done)
        if done >= 3:
            raise Interrupt()

    with pytest.raises(Interrupt):
        run_texts_job(tiny_adapter, items(), tmp_path / "cut", settings(), chunk_size=3, on_progress=interrupt_after_first_chunk)
    assert len(pd.read_csv(tmp_path / "cut" / "per_text.csv")) == 3

    progress = []
    resumed = run_texts_job(
        tiny_adapter, items(), tmp_path / "cut", settings(), chunk_size=3, resume=True,
        on_progress=lambda done, total: progress.append(done),
    )
    assert progress[0] == 3
    full = pd.read_csv(tmp_path / "full" / "per_text.csv")
    cut = pd.read_csv(tmp_path / "cut" / "per_text.csv")
    assert len(cut) == 8
    pd.testing.assert_frame_equal(full, cut)
    assert resumed["comparisons"] == reference["comparisons"]


def test_resume_drops_partial_last_line(tiny_adapter, tmp_path):
    out = tmp_path / "out"
    run_texts_job(tiny_adapter, items()[:2], out, settings())
    table = out / "per_text.csv"
    complete = table.read_text()
    lines = complete.splitlines(keepends=True)
    table.write_text(lines[0] + lines[1] + lines[2][:10])
    # The same input, resumed: row 1 is rescored, row 0 kept.
    run_texts_job(tiny_adapter, items()[:2], out, settings(), resume=True)
    assert table.read_text() == complete


def test_existing_results_need_resume(tiny_adapter, tmp_path):
    run_texts_job(tiny_adapter, items()[:2], tmp_path, settings())
    with pytest.raises(InvalidInputError, match="pass --resume"):
        run_texts_job(tiny_adapter, items()[:2], tmp_path, settings())


def test_resume_with_other_settings_is_rejected(tiny_adapter, tmp_path):
    run_texts_job(tiny_adapter, items()[:2], tmp_path, settings())
    with pytest.raises(ResumeMismatchError, match="segmenter"):
        run_texts_job(tiny_adapter, items()[:2], tmp_path, settings(segmenter="sentences"), resume=True)
    with pytest.raises(ResumeMismatchError, match="inputs_sha256"):
        run_texts_job(tiny_adapter, items()[:3], tmp_path, settings(), resume=True)


def test_bad_text_fails_before_anything_is_written(tiny_adapter, tmp_path):
    bad = items() + [TextInput("facts", 9, "   ")]
    with pytest.raises(InvalidInputError, match="empty"):
        run_texts_job(tiny_adapter, bad, tmp_path / "out", settings())
    assert not (tmp_path / "out" / "per_text.csv").exists()
