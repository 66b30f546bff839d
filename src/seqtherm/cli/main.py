"""Entry point of the `seqtherm` command; each subcommand lives in its own module.

Heavy imports (torch, transformers) happen inside the commands so that `--help` is fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="seqtherm",
    help="Measure the entropy production (irreversibility) of autoregressive generative models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    # Each module adds its commands to `app`; one line per module keeps merges simple.
    from seqtherm.cli import models_command, sample_command, texts_command

    models_command.register(app)
    texts_command.register(app)
    sample_command.register(app)


_register_commands()

if __name__ == "__main__":
    app()
