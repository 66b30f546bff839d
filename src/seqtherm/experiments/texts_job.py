"""The main job: entropy production of sets of texts, written to a results folder.

Folder layout:

    per_text.csv     one row per text, appended as each chunk of texts finishes
    run_config.json  the settings that determine the numbers; `resume` checks them
    summary.json     per-group statistics and pairwise group comparisons
    figures/         box and strip plots per level, one example's per-token log-probabilities
    metadata.json    arguments, model file and hash, package versions, wall time

An interrupted run resumed with `resume=True` scores only the texts that have no row
in `per_text.csv` yet.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seqtherm.estimators.statistics import compare_groups, describe
from seqtherm.estimators.texts import (
    PER_TEXT_COLUMNS,
    BlockOptions,
    TextInput,
    check_lengths,
    prepare_text,
    score_prepared,
)
from seqtherm.experiments.results_folder import append_text, open_results_folder
from seqtherm.reporting.metadata import run_metadata, utc_now, write_json

logger = logging.getLogger(__name__)

SIGMA_COLUMNS = (
    "sigma_token",
    "sigma_block",
    "sigma_token_per_token",
    "sigma_block_per_token",
    "sigma_block_delimiter",
    "sigma_block_sentences",
    "seam_cost",
)
# The statistic compared between groups at each level: sigma / T, as published.
COMPARED_COLUMN = {"token": "sigma_token_per_token", "sentence": "sigma_block_per_token"}


@dataclass(frozen=True)
class TextsJobSettings:
    """Settings that change the numbers of a run, recorded in `run_config.json`."""

    model: str
    levels: tuple[str, ...]
    segmenter: str
    sentences_per_block: int
    block_tokens: int | None
    dtype: str
    temperature: float
    context_token: str | None
    seed: int


def inputs_fingerprint(items: Sequence[TextInput]) -> str:
    """SHA-256 over the groups, indices and texts, so a resumed run can tell its input."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(json.dumps([item.group, item.index, item.text]).encode("utf-8"))
    return digest.hexdigest()


def _prepare_folder(out_dir: Path, config: dict, resume: bool) -> set[tuple[str, int]]:
    """Create or check the results folder; return the (group, index) keys already scored."""
    open_results_folder(out_dir, "per_text.csv", config, resume)
    table = out_dir / "per_text.csv"
    if not resume or not table.exists():
        return set()
    done = pd.read_csv(table, usecols=["group", "index"], dtype={"group": str})
    return set(zip(done["group"], done["index"].astype(int)))


def _append_rows(table: Path, rows: pd.DataFrame) -> None:
    header = not table.exists() or table.stat().st_size == 0
    append_text(table, rows.to_csv(index=False, header=header, columns=PER_TEXT_COLUMNS))


def summarize(per_text: pd.DataFrame, levels: Sequence[str], *, seed: int) -> dict:
    """Per-group statistics of every sigma column and the pairwise comparisons per level."""
    groups = {}
    for name, rows in per_text.groupby("group", sort=False):
        groups[name] = {"n_texts": len(rows), "n_no_delimiter": int(rows["no_delimiter"].sum())}
        for column in SIGMA_COLUMNS:
            groups[name][column] = describe(rows[column].to_numpy())
    comparisons = []
    for level in levels:
        column = COMPARED_COLUMN[level]
        values = {name: rows[column].to_numpy() for name, rows in per_text.groupby("group", sort=False)}
        for comparison in compare_groups(values, seed=seed, label=f"{level}-level {column} values"):
            comparisons.append({"level": level, "statistic": column, **comparison})
    return {"groups": groups, "comparisons": comparisons}


def run_texts_job(
    model,
    items: Sequence[TextInput],
    out_dir: Path,
    settings: TextsJobSettings,
    *,
    resume: bool = False,
    chunk_size: int = 32,
    on_progress: Callable[[int, int], None] | None = None,
    arguments: dict | None = None,
) -> dict:
    """Score every text, write the results folder and return the summary.

    Every text is tokenised and checked against the context window before the first
    row is written, so bad input fails without leaving a partial table.
    `on_progress(n_done, n_total)` is called after each chunk.
    """
    started, start_time = utc_now(), time.perf_counter()
    out_dir = Path(out_dir)
    options = BlockOptions(settings.segmenter, settings.sentences_per_block, settings.block_tokens)
    prepared = [prepare_text(model, item, options, settings.levels) for item in items]
    for text in prepared:
        check_lengths(model, text)

    config = {**asdict(settings), "levels": list(settings.levels), "inputs_sha256": inputs_fingerprint(items)}
    done = _prepare_folder(out_dir, config, resume)
    remaining = [p for p in prepared if (p.item.group, p.item.index) not in done]
    if done:
        logger.info("resuming: %d texts already scored, %d to go", len(prepared) - len(remaining), len(remaining))
    table = out_dir / "per_text.csv"
    n_done = len(prepared) - len(remaining)
    if on_progress is not None:
        on_progress(n_done, len(prepared))
    for start in range(0, len(remaining), chunk_size):
        chunk = score_prepared(model, remaining[start : start + chunk_size], options)
        _append_rows(table, pd.DataFrame([asdict(s) for s in chunk]))
        n_done += len(chunk)
        if on_progress is not None:
            on_progress(n_done, len(prepared))

    per_text = pd.read_csv(table, dtype={"group": str}, keep_default_na=False, na_values=[""])
    order = {(p.item.group, p.item.index): i for i, p in enumerate(prepared)}
    per_text = per_text.iloc[np.argsort([order[(g, int(i))] for g, i in zip(per_text["group"], per_text["index"])])]
    summary = {
        "model": model.name,
        "levels": list(settings.levels),
        "segmenter": settings.segmenter,
        "n_texts": len(per_text),
        **summarize(per_text, settings.levels, seed=settings.seed),
    }
    write_json(out_dir / "summary.json", summary)

    from seqtherm.reporting.texts_figures import write_texts_figures

    write_texts_figures(model, per_text, prepared[0], settings.levels, out_dir / "figures")
    write_json(
        out_dir / "metadata.json",
        run_metadata(
            "texts",
            arguments or config,
            started=started,
            wall_time_s=time.perf_counter() - start_time,
            model={"name": model.name, **getattr(model, "source", {})},
        ),
    )
    return summary
