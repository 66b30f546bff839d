"""`seqtherm architectures`: train several architectures on one corpus and compare S_y."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from seqtherm.cli.common import configure_logging, reports_errors, stderr_console


def register(app: typer.Typer) -> None:
    app.command(name="architectures")(architectures)


@reports_errors
def architectures(
    corpus: Annotated[str, typer.Option(help="UTF-8 text file, or 'austen' for the shipped Pride and Prejudice.")] = "austen",
    models: Annotated[str, typer.Option(help="Comma-separated ARCHITECTURE:D_STATE pairs (default: about 41k-50k parameters each, plus a 64-state linear SSM).")] = "elman:150,gru:88,lstm:76,linear_ssm:64,linear_ssm:160",
    steps: Annotated[int, typer.Option(help="Adam steps per model.")] = 1500,
    max_seconds: Annotated[Optional[float], typer.Option(help="Training time limit per model, in seconds.")] = None,
    samples: Annotated[int, typer.Option(help="Samples N per model and level.")] = 300,
    tokens: Annotated[int, typer.Option(help="Characters T per sample.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of training and sampling.")] = 0,
    out: Annotated[Optional[Path], typer.Option(help="Results folder. Default: results/architectures-<date>-<time>.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log training progress to stderr.")] = False,
) -> None:
    """Train each architecture on the corpus, then tabulate S_y per token at token and sentence level."""
    configure_logging(verbose)
    from rich.table import Table

    from seqtherm.errors import InvalidInputError
    from seqtherm.experiments.architectures import compare_architectures
    from seqtherm.experiments.training import TrainingSettings, load_corpus

    pairs = []
    for item in models.split(","):
        name, _, size = item.strip().partition(":")
        if not size.isdigit():
            raise InvalidInputError(f"--models entries must look like gru:88, got {item.strip()!r}")
        pairs.append((name, int(size)))
    out_dir = out or Path("results") / datetime.now().strftime("architectures-%Y%m%d-%H%M%S")
    base = TrainingSettings(n_steps=steps, max_seconds=max_seconds, seed=seed)
    for name, size in pairs:  # validate every entry before training the first
        TrainingSettings(architecture=name, d_state=size)
    text = load_corpus(corpus)
    with stderr_console.status("training") as status:
        table = compare_architectures(
            text, out_dir, models=pairs, base_settings=base, n_samples=samples, n_steps=tokens, seed=seed,
            corpus_name=corpus, on_model=lambda label: status.update(f"training and sampling {label}"),
        )
    rich_table = Table("model", "parameters", "train s", "val. loss", "S_y/T token", "S_y/T' sentence")
    for row in table.itertuples():
        rich_table.add_row(
            row.model, str(row.n_parameters), f"{row.train_seconds:.0f}", f"{row.validation_loss:.3f}",
            f"{row.sigma_token_per_token:.3f} ± {row.sigma_token_per_token_se:.3f}",
            f"{row.sigma_block_per_token:.4f} ± {row.sigma_block_per_token_se:.4f}",
        )
    stderr_console.print(rich_table)
    stderr_console.print(f"results in {out_dir}")
