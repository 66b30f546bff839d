"""`seqtherm models`: list the named models and where each resolves on this machine."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command(name="models")(models)


def models() -> None:
    """List the named language models and the file each name resolves to here."""
    from rich.table import Table

    from seqtherm.cli.common import stderr_console
    from seqtherm.models.registry import describe_named_models

    table = Table("name", "description", "license", "resolves to")
    for row in describe_named_models():
        table.add_row(row["name"], row["description"], row["license"], row["location"])
    stderr_console.print(table)
