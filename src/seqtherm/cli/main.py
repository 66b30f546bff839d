"""Entry point of the `seqtherm` command; each subcommand lives in its own module.

Heavy imports (torch, transformers) happen inside the commands so that `--help` is fast.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="seqtherm",
    help="Measure the entropy production (irreversibility) of autoregressive generative models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# Modules under seqtherm.cli that each add their commands to `app` in `register(app)`.
COMMAND_MODULES = (
    "models_command",
    "texts_command",
    "sample_command",
    "markov_command",
    "gaussian_command",
    "train_command",
    "architectures_command",
)


def _register_commands() -> None:
    for module_name in COMMAND_MODULES:
        importlib.import_module(f"seqtherm.cli.{module_name}").register(app)


_register_commands()

if __name__ == "__main__":
    app()
