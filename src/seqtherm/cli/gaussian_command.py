"""`seqtherm gaussian`: exact entropy production of a linear Gaussian model, with an optional Monte Carlo check."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

import typer

from seqtherm.cli.common import configure_logging, print_json, reports_errors


def register(app: typer.Typer) -> None:
    app.command(name="gaussian")(gaussian)


@reports_errors
def gaussian(
    model_file: Optional[Path] = typer.Argument(
        None,
        help="JSON file with matrices A, C, Q, R (state-space form) or A, C, K, S (innovation form), "
        "as nested lists; scalars are allowed for 1-by-1 matrices.",
        show_default=False,
    ),
    a_matrix: Optional[str] = typer.Option(None, "--A", help="Transition matrix A: a number or a JSON list."),
    c_matrix: Optional[str] = typer.Option(None, "--C", help="Observation matrix C: a number or a JSON list."),
    q_matrix: Optional[str] = typer.Option(None, "--Q", help="State noise covariance Q."),
    r_matrix: Optional[str] = typer.Option(None, "--R", help="Observation noise covariance R."),
    k_matrix: Optional[str] = typer.Option(None, "--K", help="Filter gain K (innovation form, with --S)."),
    s_matrix: Optional[str] = typer.Option(None, "--S", help="Innovation covariance S (innovation form, with --K)."),
    n_steps: int = typer.Option(50, "-T", "--steps", help="Maximum sequence length T; the curve covers 1..T."),
    n_samples: int = typer.Option(0, "--mc", help="Samples per length for the Monte Carlo check; 0 skips it."),
    seed: int = typer.Option(0, "--seed", help="Seed of the Monte Carlo samples."),
    stationary_start: bool = typer.Option(
        False, "--stationary-start", help="Start from the stationary state law instead of h_0 = 0 (dense method)."
    ),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for the CSV and JSON tables, figures and metadata."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    """Compute the exact entropy production S_y(T) of a linear Gaussian model for every T up to -T.

    Reports the curve, its stationary rate, the per-step decomposition into compression
    loss and model mismatch, and with --mc the Monte Carlo mean and standard error.
    All values are in nats.
    """
    started = time.perf_counter()
    configure_logging(verbose)

    from seqtherm.analytic.gaussian import check_n_steps
    from seqtherm.experiments.gaussian import analyze_gaussian_model

    check_n_steps(n_steps)
    inline = {"A": a_matrix, "C": c_matrix, "Q": q_matrix, "R": r_matrix, "K": k_matrix, "S": s_matrix}
    model = build_model(model_file, inline, stationary_start)
    analysis = analyze_gaussian_model(model, n_steps, n_samples=n_samples, seed=seed)
    wall_time = time.perf_counter() - started

    if out_dir is not None:
        from seqtherm.reporting.gaussian import write_gaussian_outputs

        arguments = {
            "model_file": None if model_file is None else str(model_file),
            **{key: value for key, value in inline.items() if value is not None},
            "n_steps": n_steps,
            "n_samples": n_samples,
            "seed": seed,
            "stationary_start": stationary_start,
            "out_dir": str(out_dir),
        }
        write_gaussian_outputs(
            analysis, out_dir, arguments=arguments, wall_time_seconds=wall_time, model_file=model_file
        )

    if as_json:
        print_json(analysis.to_dict())
    else:
        print_summary(analysis, out_dir)


def build_model(model_file: Optional[Path], inline: dict[str, Optional[str]], stationary_start: bool):
    """Build the model from the file or from the inline options, never from both."""
    from seqtherm.errors import InvalidInputError
    from seqtherm.models.gaussian import LinearGaussianModel
    from seqtherm.models.gaussian_inputs import parse_matrix_option, read_model_file, select_model_keys

    inline_given = {key: value for key, value in inline.items() if value is not None}
    if model_file is not None and inline_given:
        raise InvalidInputError(
            f"give the model either as a file ({model_file}) or as options "
            f"({', '.join('--' + key for key in inline_given)}), not both"
        )
    if model_file is not None:
        content: dict[str, Any] = read_model_file(model_file)
        source = f"model file {str(model_file)!r}"
    elif inline_given:
        content = {key: parse_matrix_option(key, text) for key, text in inline_given.items()}
        source = "the options"
    else:
        raise InvalidInputError(
            "no model given: pass a JSON file, or options such as --A 0.9 --C 1 --Q 1 --R 1"
        )

    form, matrices = select_model_keys(content, source)
    if form == "state_space":
        return LinearGaussianModel.from_state_space(**matrices, stationary_start=stationary_start)
    return LinearGaussianModel(**matrices, stationary_start=stationary_start)


def print_summary(analysis, out_dir: Optional[Path]) -> None:
    """Print the main numbers as tables on stdout."""
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    console = Console()
    model = analysis.model
    console.print(f"innovation covariance S = {np.array2string(model.S, precision=6)}")
    console.print(f"filter gain K = {np.array2string(model.K, precision=6)}")
    if model.riccati_solution is not None:
        console.print(f"Riccati solution P = {np.array2string(model.riccati_solution, precision=6)}")
    rate = "undefined (unstable A or A (I - K C))" if analysis.stationary_rate is None else f"{analysis.stationary_rate:.7g}"
    console.print(f"stationary rate lim S_y(T)/T = {rate} nats per step")
    if analysis.saturation is not None:
        console.print(f"saturation value lim S_y(T) = {analysis.saturation:.7g} nats (reversible process)")

    table = Table("T", "S_y(T) [nats]", "Monte Carlo mean", "standard error")
    curve = analysis.to_pandas()
    printed_steps = {1, 2, 5, 10, 20, 50, 100, 1000, analysis.n_steps} & set(range(1, analysis.n_steps + 1))
    printed_steps |= {estimate.n_steps for estimate in analysis.monte_carlo}
    for T in sorted(printed_steps):
        row = curve.iloc[T - 1]
        sampled = not np.isnan(row["monte_carlo_mean"])
        table.add_row(
            str(T),
            f"{row['entropy_production']:.7g}",
            f"{row['monte_carlo_mean']:.5g}" if sampled else "",
            f"{row['monte_carlo_standard_error']:.2g}" if sampled else "",
        )
    console.print(table)

    if analysis.decomposition is not None:
        decomposition = analysis.decomposition
        console.print(
            f"T = {decomposition.n_steps}: sum of D_t = {decomposition.entropy_production:.7g}, "
            f"compression loss {decomposition.compression_loss.sum():.7g}, "
            f"model mismatch {decomposition.model_mismatch.sum():.7g}, "
            f"second-law bound {decomposition.second_law_bound:.7g} nats"
        )
    if out_dir is not None:
        console.print(f"tables, figures and metadata written to {out_dir}")
