"""`seqtherm models`: list the named models and where each resolves on this machine."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command(name="models")(models)


def models() -> None:
    """List the named language models and the file each name resolves to here."""
    from rich.console import Console
    from rich.table import Table
    from seqtherm.models.registry import describe_named_models

    from rich.markup import escape

    table = Table("name", "description", "license", "resolves to")
    table.columns[3].overflow = "fold"
    for row in describe_named_models():
        # Escaped: install hints such as '.[gemma]' would otherwise be read as markup.
        table.add_row(*(escape(row[key]) for key in ("name", "description", "license", "location")))
    Console().print(table)
