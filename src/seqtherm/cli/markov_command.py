"""`seqtherm markov`: exact entropy production of a Markov chain or n-gram model from a JSON file."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Optional

import typer

from seqtherm.cli.common import configure_logging, print_json, reports_errors


def register(app: typer.Typer) -> None:
    app.command(name="markov")(markov)


@reports_errors
def markov(
    model_file: Path = typer.Argument(..., help="JSON model: a 'transition' matrix, an n-gram 'table' or 'sequences' to fit."),
    n_steps: int = typer.Option(..., "-T", "--steps", help="Path length T in symbols; S_y is reported for 1..T."),
    block_length: Optional[int] = typer.Option(
        None, "--block-length", "-l", help="Also reverse fixed-length blocks of this many symbols."
    ),
    n_samples: int = typer.Option(
        2000, "--samples", help="Sampled paths for L_t and D_t when T is too long to enumerate."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampled paths."),
    json_output: bool = typer.Option(False, "--json", help="Print the results as JSON to stdout."),
    out_dir: Optional[Path] = typer.Option(
        None, "--out", help="Folder for results.json, CSV tables, figures/ and metadata.json."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    """Compute S_y(T), the stationary rate and D_t = L_t + M_t exactly for a finite-state model."""
    from seqtherm.analytic.finite_state_analysis import analyze_finite_state
    from seqtherm.errors import InvalidInputError
    from seqtherm.models.finite_state_io import load_finite_state_model

    configure_logging(verbose)
    started = time.perf_counter()
    if n_steps < 1:
        raise InvalidInputError(f"-T must be at least 1 symbol, got {n_steps}")
    model = load_finite_state_model(model_file)
    analysis = analyze_finite_state(model, n_steps, block_length=block_length, n_samples=n_samples, seed=seed)
    wall_time = time.perf_counter() - started

    if out_dir is not None:
        from seqtherm.reporting.finite_state import write_figures, write_tables

        write_tables(analysis, out_dir)
        write_figures(analysis, out_dir / "figures")
        arguments = {
            "model_file": str(model_file), "n_steps": n_steps, "block_length": block_length,
            "n_samples": n_samples, "seed": seed,
        }
        _write_metadata(out_dir, arguments, model_file, wall_time)

    if json_output:
        print_json(analysis.to_dict())
    else:
        _print_summary(analysis)


def _write_metadata(out_dir: Path, arguments: dict, model_file: Path, wall_time: float) -> None:
    packages = {}
    for name in ["seqtherm", "numpy", "scipy", "pandas", "matplotlib", "typer"]:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    record = {
        "command": "seqtherm markov",
        "arguments": arguments,
        "model_sha256": hashlib.sha256(model_file.read_bytes()).hexdigest(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": packages,
        "wall_time_s": wall_time,
    }
    (out_dir / "metadata.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def _print_summary(analysis) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    parts = analysis.decomposition
    console.print(f"S_y(T={analysis.n_steps}) = {analysis.entropy_production[-1]:.6g} nats")
    if analysis.stationary_rate is not None:
        console.print(f"stationary rate = {analysis.stationary_rate:.6g} nats per step")
    else:
        console.print(f"stationary rate: not available ({analysis.stationary_rate_note})")
    console.print(f"refined second-law bound sum_t L_t = {parts.refined_second_law_bound:.6g} nats")
    if analysis.block_entropy_production:
        last = max(analysis.block_entropy_production)
        console.print(
            f"block reversal, blocks of {analysis.block_length}: "
            f"S_block(T={last}) = {analysis.block_entropy_production[last]:.6g} nats"
        )

    shown_steps = range(min(analysis.n_steps, 20))
    table = Table("t", "D_t", "L_t", "M_t", title=f"decomposition ({parts.method}), first {len(shown_steps)} steps")
    for t in shown_steps:
        table.add_row(
            str(t + 1), _fixed(parts.per_step_entropy_production[t]),
            _fixed(parts.compression_loss[t]), _fixed(parts.model_mismatch[t]),
        )
    console.print(table)


def _fixed(value: float) -> str:
    # Six decimals; rounding noise such as -1e-17 prints as 0.000000, not -0.000000.
    text = f"{value:.6f}"
    return text[1:] if text == "-0.000000" else text
