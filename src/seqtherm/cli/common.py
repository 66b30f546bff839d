"""Helpers shared by the commands: error reporting, logging set-up, JSON output."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from seqtherm.errors import SeqthermError

# Rich falls back to 80 columns when stderr is not a terminal (a log file, CI);
# 120 keeps the summary tables readable there.
stderr_console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn a `SeqthermError` raised by a command into a message on stderr and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SeqthermError as error:
            # soft_wrap: long messages stay on one line, so paths and values are not split.
            stderr_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from error

    return wrapper  # type: ignore[return-value]


def configure_logging(verbose: bool) -> None:
    """Send the library's log records to stderr through rich; INFO with --verbose, else WARNING."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=stderr_console, show_path=False)],
        force=True,
    )


def print_json(payload: Any) -> None:
    """Print a JSON document to stdout, with no rich markup, for piping into other tools."""
    typer.echo(json.dumps(payload, indent=2, allow_nan=True))


def quiet_transformers(verbose: bool) -> None:
    """Hide transformers' own progress bars and warnings unless --verbose; the CLI shows its own progress."""
    if verbose:
        return
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
