"""`seqtherm texts`: token- and sentence-level entropy production of sets of texts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from seqtherm.cli.common import configure_logging, print_json, quiet_transformers, reports_errors, stderr_console


def register(app: typer.Typer) -> None:
    app.command(name="texts")(texts)


def _default_out() -> Path:
    return Path("results") / datetime.now().strftime("texts-%Y%m%d-%H%M%S")


@reports_errors
def texts(
    files: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Text files (.json groups, .jsonl with text/group, or one text per line). "
                       "Default: the shipped causal and non-causal sets."),
    ] = None,
    model: Annotated[str, typer.Option(help="Named model, .gguf file, model folder or hub id.")] = "smollm2-135m",
    levels: Annotated[str, typer.Option(help="Comma-separated levels: token, sentence.")] = "token,sentence",
    segmenter: Annotated[str, typer.Option(help="Sentence blocks: 'delimiter' (token rule) or 'sentences' (pysbd).")] = "delimiter",
    sentences_per_block: Annotated[int, typer.Option(help="Merge every k sentences into one block.")] = 1,
    block_tokens: Annotated[Optional[int], typer.Option(help="Use fixed blocks of this many tokens instead of sentences.")] = None,
    batch_size: Annotated[int, typer.Option(help="Sequences per forward pass.")] = 16,
    dtype: Annotated[str, typer.Option(help="Precision of the weights and the log-softmax: float32 or float64.")] = "float32",
    temperature: Annotated[float, typer.Option(help="Temperature tau of the scoring kernel softmax(z / tau).")] = 1.0,
    context_token: Annotated[Optional[str], typer.Option(help="Token scored before every text (default: the model's).")] = None,
    device: Annotated[str, typer.Option(help="Torch device for the forward passes: cpu, cuda, cuda:1, ...")] = "cpu",
    out: Annotated[Optional[Path], typer.Option(help="Results folder. Default: results/texts-<date>-<time>.")] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run in --out, scoring only missing texts.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap confidence intervals.")] = 0,
    json_output: Annotated[bool, typer.Option("--json", help="Print summary.json to stdout.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details to stderr.")] = False,
) -> None:
    """Measure how irreversible texts are: sigma at token and sentence level, by group."""
    configure_logging(verbose)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from seqtherm.errors import InvalidInputError
    from seqtherm.estimators.texts import LEVELS, BlockOptions
    from seqtherm.experiments.inputs import read_text_sets, shipped_text_sets
    from seqtherm.experiments.results_folder import check_results_folder
    from seqtherm.experiments.texts_job import TextsJobSettings, run_texts_job
    from seqtherm.models.hf import check_temperature
    from seqtherm.models.registry import load_language_model

    level_list = tuple(level.strip() for level in levels.split(",") if level.strip())
    if not level_list or any(level not in LEVELS for level in level_list):
        raise InvalidInputError(f"--levels must list some of {', '.join(LEVELS)}, got {levels!r}")
    BlockOptions(segmenter, sentences_per_block, block_tokens)  # validates before the model loads
    check_temperature(temperature)
    if resume and out is None:
        raise InvalidInputError("--resume needs the --out folder of the run to continue")
    out_dir = out or _default_out()

    items = read_text_sets(files) if files else shipped_text_sets()
    check_results_folder(out_dir, "per_text.csv", resume)
    quiet_transformers(verbose)
    with stderr_console.status(f"loading {model} (a GGUF file is dequantised once, about 20 s, then cached) ..."):
        language_model = load_language_model(
            model, temperature=temperature, dtype=dtype, batch_size=batch_size, context_token=context_token,
            device=device,
        )

    settings = TextsJobSettings(
        model=model,
        levels=level_list,
        segmenter=segmenter,
        sentences_per_block=sentences_per_block,
        block_tokens=block_tokens,
        dtype=dtype,
        temperature=temperature,
        context_token=language_model.source.get("context_token"),
        seed=seed,
    )
    arguments = {
        "files": [str(f) for f in files or []],
        "model": model,
        "levels": list(level_list),
        "segmenter": segmenter,
        "sentences_per_block": sentences_per_block,
        "block_tokens": block_tokens,
        "batch_size": batch_size,
        "dtype": dtype,
        "temperature": temperature,
        "context_token": context_token,
        "device": device,
        "out": str(out_dir),
        "resume": resume,
        "seed": seed,
    }
    progress = Progress(
        TextColumn("scoring texts"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=stderr_console, transient=False,
    )
    with progress:
        task = progress.add_task("texts", total=len(items))
        summary = run_texts_job(
            language_model,
            items,
            out_dir,
            settings,
            resume=resume,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            arguments=arguments,
        )

    if json_output:
        print_json(summary)
    else:
        _print_summary(summary, out_dir)


def _print_summary(summary: dict, out_dir: Path) -> None:
    from rich.table import Table

    table = Table(
        "group", "n", "sigma_token / T median", "sigma_block / T median", "seam cost median (nats per text)",
        title="per group",
    )
    for name, group in summary["groups"].items():
        table.add_row(
            name,
            str(group["n_texts"]),
            _number(group["sigma_token_per_token"].get("median")),
            _number(group["sigma_block_per_token"].get("median")),
            _number(group["seam_cost"].get("median")),
        )
    stderr_console.print(table)
    if summary["comparisons"]:
        comparisons = Table("level", "group a", "group b", "U", "p", "rank-biserial r", "median a - b [95% CI]", title="Mann-Whitney U")
        for c in summary["comparisons"]:
            comparisons.add_row(
                c["level"], c["group_a"], c["group_b"], f"{c['U']:.0f}", f"{c['p_value']:.3g}",
                f"{c['rank_biserial']:.3f}",
                f"{c['median_difference']:.3f} [{c['median_difference_ci_low']:.3f}, {c['median_difference_ci_high']:.3f}]",
            )
        stderr_console.print(comparisons)
    stderr_console.print(f"results in {out_dir}")


def _number(value) -> str:
    return "-" if value is None else f"{value:.3f}"
