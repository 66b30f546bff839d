"""The sampling job: entropy production of a model's own samples, written to a results folder.

Folder layout:

    samples.jsonl    one line per sample (token ids and every sigma), appended per chunk
    run_config.json  the settings that determine the numbers; `resume` checks them
    summary.json     statistics per level, fluctuation-theorem checks, convergence
                     curves and the block-scale sweep
    figures/         histograms, convergence curves, exp(-sigma), block-scale curve
    metadata.json    arguments, model file and hash, package versions, wall time

Sample i depends only on (seed, i), and chunks always cover the same index ranges, so
a run resumed with `resume=True` draws exactly the samples that the interrupted run
had not written, and the result equals that of an uninterrupted run. The number of
samples is not part of the checked settings: resuming with a larger N adds samples.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from seqtherm.errors import InvalidInputError
from seqtherm.estimators.block_scale import BlockScales
from seqtherm.estimators.samples import (
    SampleEntropyProduction,
    SampleScore,
    check_sample_counts,
    sample_and_score,
    summarize_sample_scores,
)
from seqtherm.experiments.results_folder import append_text, drop_partial_last_line, open_results_folder
from seqtherm.reporting.metadata import run_metadata, utc_now, write_json

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SampleJobSettings:
    """Settings that change the numbers of a run, recorded in `run_config.json`."""

    model: str
    n_steps: int
    temperature: float
    seed: int
    prompt: str | None
    dtype: str
    context_token: str | None
    sentences_per_block: tuple[int, ...]
    block_tokens: tuple[int, ...]


def reject_truncated_sampling(top_k: int | None, top_p: float | None) -> None:
    """Raise for top-k or top-p sampling, which S_y cannot use.

    Truncation gives probability 0 to tokens outside the kept set. A reversed sequence
    can then contain a token that the truncated kernel never emits at that position, so
    ln P of the reversal is -inf and reversal is no longer a bijection of the support.
    """
    if top_k not in (None, 0):
        raise InvalidInputError(
            f"top-k sampling (top_k={top_k}) is not supported: it changes the support of the "
            "kernel, so reversed sequences can have probability 0 and the reversal bijection "
            "behind S_y breaks. Sample from the full softmax; lower --temperature to sharpen it"
        )
    if top_p not in (None, 1.0):
        raise InvalidInputError(
            f"top-p sampling (top_p={top_p}) is not supported: it changes the support of the "
            "kernel, so reversed sequences can have probability 0 and the reversal bijection "
            "behind S_y breaks. Sample from the full softmax; lower --temperature to sharpen it"
        )


def check_sample_settings(
    n_samples: int, n_steps: int, temperature: float, *, top_k: int | None = None, top_p: float | None = None
) -> None:
    """Reject invalid N, T, tau and truncated sampling before any model is loaded."""
    check_sample_counts(n_samples, n_steps)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not math.isfinite(temperature) or temperature <= 0:
        raise InvalidInputError(
            f"temperature tau must be a finite number > 0, got {temperature!r}; tau = 1 samples the model as trained"
        )
    reject_truncated_sampling(top_k, top_p)


def prepare_model(model, settings: SampleJobSettings):
    """Check the settings against the model, and return it with the prompt applied."""
    check_sample_settings(2, settings.n_steps, settings.temperature)
    if model.temperature != settings.temperature:
        model = model.with_temperature(settings.temperature)

    n_prompt = 0
    if settings.prompt is not None:
        prompt_ids = model.encode(settings.prompt)
        if len(prompt_ids) == 0:
            raise InvalidInputError(
                f"prompt {settings.prompt!r} tokenises to no tokens; pass a non-empty --prompt or leave it out"
            )
        if not hasattr(model, "with_prompt"):
            raise InvalidInputError(f"model {model.name} does not support a prompt; leave --prompt out")
        n_prompt = len(prompt_ids)
        model = model.with_prompt(prompt_ids)

    if model.max_length is not None and settings.n_steps > model.max_length:
        raise InvalidInputError(
            f"T = {settings.n_steps} tokens after a prompt of {n_prompt} tokens does not fit in the "
            f"context window of {model.name} ({model.max_length + n_prompt} tokens after the "
            "context token); choose a smaller T or a shorter prompt"
        )
    return model


def _prepare_folder(out_dir: Path, config: dict, resume: bool) -> dict[int, SampleScore]:
    """Create or check the results folder; return the samples already written, by index."""
    open_results_folder(out_dir, "samples.jsonl", config, resume)
    return read_samples(out_dir / "samples.jsonl") if resume else {}


def read_samples(table: Path) -> dict[int, SampleScore]:
    """Read `samples.jsonl`, dropping a last line cut short by a killed run."""
    if not table.exists():
        return {}
    drop_partial_last_line(table)
    scores = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        if line.strip():
            score = SampleScore.from_dict(json.loads(line))
            scores[score.index] = score
    return scores


def _append_samples(table: Path, scores: list[SampleScore]) -> None:
    append_text(table, "".join(json.dumps(score.to_dict()) + "\n" for score in scores))


def run_sample_job(
    model,
    n_samples: int,
    out_dir: Path,
    settings: SampleJobSettings,
    *,
    resume: bool = False,
    chunk_size: int = 32,
    on_progress: Callable[[int, int], None] | None = None,
    arguments: dict | None = None,
    figures: bool = True,
) -> SampleEntropyProduction:
    """Draw and score `n_samples` samples, write the results folder and return the estimate.

    `on_progress(n_done, n_total)` is called once before the first chunk and after
    each chunk. Chunk c always contains the indices [c * chunk_size, (c + 1) * chunk_size),
    so batches, and with them the float rounding of batched passes, do not depend on
    where a run was interrupted.
    """
    started, start_time = utc_now(), time.perf_counter()
    check_sample_settings(n_samples, settings.n_steps, settings.temperature)
    scales = BlockScales(settings.sentences_per_block, settings.block_tokens)
    model = prepare_model(model, settings)
    out_dir = Path(out_dir)

    config = asdict(settings)
    config["sentences_per_block"] = list(scales.sentences_per_block)
    config["block_tokens"] = list(scales.block_tokens)
    config["chunk_size"] = chunk_size
    done = _prepare_folder(out_dir, config, resume)
    if done:
        logger.info("resuming: %d samples already scored", len(done))

    table = out_dir / "samples.jsonl"
    n_done = sum(1 for i in done if i < n_samples)
    if on_progress is not None:
        on_progress(n_done, n_samples)
    for start in range(0, n_samples, chunk_size):
        indices = [i for i in range(start, min(start + chunk_size, n_samples)) if i not in done]
        if not indices:
            continue
        chunk = sample_and_score(model, indices, settings.n_steps, seed=settings.seed, scales=scales)
        _append_samples(table, chunk)
        done.update((score.index, score) for score in chunk)
        n_done += len(chunk)
        if on_progress is not None:
            on_progress(n_done, n_samples)

    scores = [done[i] for i in range(n_samples)]
    result = summarize_sample_scores(scores, scales, seed=settings.seed)
    summary = {
        "model": model.name,
        "temperature": settings.temperature,
        "prompt": settings.prompt,
        "seed": settings.seed,
        **result.to_dict(),
    }
    write_json(out_dir / "summary.json", summary)

    if figures:
        from seqtherm.reporting.sample_figures import write_sample_figures

        write_sample_figures(result, out_dir / "figures")
    write_json(
        out_dir / "metadata.json",
        run_metadata(
            "sample",
            arguments or {**config, "n_samples": n_samples},
            started=started,
            wall_time_s=time.perf_counter() - start_time,
            model={"name": model.name, **getattr(model, "source", {})},
        ),
    )
    return result
