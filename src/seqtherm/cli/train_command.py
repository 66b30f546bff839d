"""`seqtherm train`: fit a small character-level recurrent or linear SSM language model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from seqtherm.cli.common import configure_logging, print_json, reports_errors, stderr_console


def register(app: typer.Typer) -> None:
    app.command(name="train")(train)


@reports_errors
def train(
    out: Annotated[Path, typer.Option(help="Checkpoint folder to write; load it later with --model PATH.")],
    corpus: Annotated[str, typer.Option(help="UTF-8 text file, or 'austen' for the shipped Pride and Prejudice.")] = "austen",
    architecture: Annotated[str, typer.Option(help="elman, gru, lstm or linear_ssm.")] = "gru",
    d_state: Annotated[int, typer.Option(help="Size of the summary h_t per layer (hidden size or SSM state).")] = 128,
    d_embed: Annotated[int, typer.Option(help="Input embedding size (recurrent networks).")] = 32,
    n_layers: Annotated[int, typer.Option(help="Stacked recurrent layers (the linear SSM has 1).")] = 1,
    sequence_length: Annotated[int, typer.Option(help="Characters per training window.")] = 128,
    batch_size: Annotated[int, typer.Option(help="Windows per optimisation step.")] = 32,
    steps: Annotated[int, typer.Option(help="Number of Adam steps.")] = 300,
    learning_rate: Annotated[float, typer.Option(help="Adam step size.")] = 3e-3,
    max_seconds: Annotated[Optional[float], typer.Option(help="Stop training after this many seconds.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the initial weights and window positions.")] = 0,
    json_output: Annotated[bool, typer.Option("--json", help="Print the training record as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log validation losses to stderr.")] = False,
) -> None:
    """Train a character-level language model on a corpus and save a checkpoint folder."""
    configure_logging(verbose)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from seqtherm.experiments.training import TrainingSettings, load_corpus, train_and_save

    settings = TrainingSettings(
        architecture=architecture, d_state=d_state, d_embed=d_embed, n_layers=n_layers,
        sequence_length=sequence_length, batch_size=batch_size, n_steps=steps,
        learning_rate=learning_rate, max_seconds=max_seconds, seed=seed,
    )
    text = load_corpus(corpus)
    progress = Progress(
        TextColumn("training"), BarColumn(), MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.3f}"),
        TimeRemainingColumn(), console=stderr_console,
    )
    with progress:
        task = progress.add_task("train", total=steps, loss=float("nan"))
        result = train_and_save(
            text, settings, out, corpus_name=corpus,
            on_step=lambda step, loss: progress.update(task, completed=step, loss=loss),
        )
    if json_output:
        print_json(result.record())
    else:
        stderr_console.print(
            f"{architecture}: {result.n_parameters} parameters, {result.steps_done} steps in "
            f"{result.wall_time_s:.1f} s; validation loss {result.initial_validation_loss:.3f} -> "
            f"{result.final_validation_loss:.3f} nats/character. Checkpoint in {out}"
        )
