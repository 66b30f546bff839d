"""`seqtherm sample`: entropy production of a language model's own generated process."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from seqtherm.cli.common import configure_logging, print_json, quiet_transformers, reports_errors, stderr_console


def register(app: typer.Typer) -> None:
    app.command(name="sample")(sample)


def _default_out() -> Path:
    return Path("results") / datetime.now().strftime("sample-%Y%m%d-%H%M%S")


def _parse_sizes(text: str, option: str) -> tuple[int, ...]:
    from seqtherm.errors import InvalidInputError

    if text.strip().lower() in ("", "none"):
        return ()
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise InvalidInputError(f"{option} must be comma-separated integers such as 1,2,3 (or 'none'), got {text!r}") from error


@reports_errors
def sample(
    model: Annotated[str, typer.Option(help="Named model, .gguf file, model folder or hub id.")] = "smollm2-135m",
    n_samples: Annotated[int, typer.Option("-n", "--n-samples", help="Number of samples N (at least 2).")] = 200,
    n_steps: Annotated[int, typer.Option("-T", "--n-tokens", help="Tokens per sample T (at least 2).")] = 120,
    temperature: Annotated[float, typer.Option(help="Temperature tau of sampling and scoring, softmax(z / tau).")] = 1.0,
    prompt: Annotated[Optional[str], typer.Option(help="Text placed after the context token before every sample "
                                                  "and every reversed sequence; not part of the scored tokens.")] = None,
    sentence_blocks: Annotated[str, typer.Option(help="Sentences per block k of the block-scale sweep, comma-separated, or 'none'.")] = "1,2,3",
    token_blocks: Annotated[str, typer.Option(help="Tokens per block l of the block-scale sweep, comma-separated, or 'none'.")] = "1,2,5,10,20,30,60",
    top_k: Annotated[Optional[int], typer.Option(help="Rejected unless 0: truncated sampling breaks the reversal bijection.")] = None,
    top_p: Annotated[Optional[float], typer.Option(help="Rejected unless 1: truncated sampling breaks the reversal bijection.")] = None,
    batch_size: Annotated[int, typer.Option(help="Sequences per scoring pass; samples are drawn and written 32 at a time.")] = 16,
    dtype: Annotated[str, typer.Option(help="Weights and log-softmax precision: float32 or float64.")] = "float32",
    context_token: Annotated[Optional[str], typer.Option(help="Token placed before every sequence (default: the model's).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Results folder. Default: results/sample-<date>-<time>.")] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run in --out, drawing only missing samples.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of sampling (sample i depends on seed and i) and of the bootstrap.")] = 0,
    json_output: Annotated[bool, typer.Option("--json", help="Print summary.json to stdout.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details to stderr.")] = False,
) -> None:
    """Measure S_y of a model's own samples: token and sentence level, fluctuation theorem, block scales."""
    configure_logging(verbose)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from seqtherm.errors import InvalidInputError
    from seqtherm.estimators.block_scale import BlockScales
    from seqtherm.experiments.results_folder import check_results_folder
    from seqtherm.experiments.sample_job import SampleJobSettings, check_sample_settings, run_sample_job
    from seqtherm.models.registry import load_language_model

    # Validate everything that needs no model before torch is imported and the model loads.
    check_sample_settings(n_samples, n_steps, temperature, top_k=top_k, top_p=top_p)
    scales = BlockScales(_parse_sizes(sentence_blocks, "--sentence-blocks"), _parse_sizes(token_blocks, "--token-blocks"))
    if resume and out is None:
        raise InvalidInputError("--resume needs the --out folder of the run to continue")
    out_dir = out or _default_out()
    check_results_folder(out_dir, "samples.jsonl", resume)
    quiet_transformers(verbose)

    with stderr_console.status(f"loading {model} ..."):
        language_model = load_language_model(
            model, temperature=temperature, dtype=dtype, batch_size=batch_size, context_token=context_token
        )
    settings = SampleJobSettings(
        model=model,
        n_steps=n_steps,
        temperature=temperature,
        seed=seed,
        prompt=prompt,
        dtype=dtype,
        context_token=language_model.source.get("context_token"),
        sentences_per_block=scales.sentences_per_block,
        block_tokens=scales.block_tokens,
    )
    arguments = {
        "model": model,
        "n_samples": n_samples,
        "n_tokens": n_steps,
        "temperature": temperature,
        "prompt": prompt,
        "sentence_blocks": list(scales.sentences_per_block),
        "token_blocks": list(scales.block_tokens),
        "batch_size": batch_size,
        "dtype": dtype,
        "context_token": context_token,
        "out": str(out_dir),
        "resume": resume,
        "seed": seed,
    }

    progress = Progress(
        TextColumn("sampling"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(), console=stderr_console, transient=False,
    )
    with progress:
        task = progress.add_task("samples", total=n_samples, rate="-- samples/s")
        start: dict[str, float] = {}

        def on_progress(done: int, total: int) -> None:
            # The rate counts only samples drawn by this run, not those found on resume.
            now = time.perf_counter()
            if not start:
                start.update(time=now, done=done)
                progress.reset(task, total=total, completed=done, rate="-- samples/s")
                return
            rate = (done - start["done"]) / max(now - start["time"], 1e-9)
            progress.update(task, completed=done, total=total, rate=f"{rate:.2f} samples/s")

        result = run_sample_job(
            language_model, n_samples, out_dir, settings, resume=resume, on_progress=on_progress, arguments=arguments
        )

    if json_output:
        import json

        print_json(json.loads((out_dir / "summary.json").read_text(encoding="utf-8")))
    else:
        _print_summary(result, out_dir)


def _print_summary(result, out_dir: Path) -> None:
    from rich.table import Table

    levels = Table("level", "n", "S_y per token", "95% CI", "median", "mean exp(-sigma)", "ESS",
                   title=f"entropy production per token (nats), T = {result.n_steps}")
    for level, label in (("token", "token, T"), ("token_cut", "token, cut T'"), ("block", "sentence, T'")):
        stats = getattr(result, level)
        if stats is None:
            continue
        check = result.fluctuation_theorem.get(level)
        levels.add_row(
            label, str(stats.n_samples), f"{stats.mean:.4f} ± {stats.standard_error:.4f}",
            f"{stats.ci_low:.3f}..{stats.ci_high:.3f}", f"{stats.median:.4f}",
            "-" if check is None else f"{check.mean_exp_neg_sigma:.3g} ± {check.standard_error:.2g}",
            "-" if check is None else f"{check.effective_sample_size:.1f}",
        )
    stderr_console.print(levels)
    stderr_console.print(f"{result.n_no_delimiter} of {result.n_samples} samples have no sentence delimiter")

    sweep = Table("blocks", "size", "n", "S_y per token", "mean blocks", title="block-scale sweep")
    for row in result.block_scale.rows:
        sweep.add_row(row.blocks, str(row.block_size), str(row.n_samples),
                      f"{row.entropy_production_per_token:.4f} ± {row.standard_error:.4f}", f"{row.mean_n_blocks:.1f}")
    stderr_console.print(sweep)
    stderr_console.print(f"results in {out_dir}")
