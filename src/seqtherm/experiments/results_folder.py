"""Results folders that are written incrementally and can be resumed.

A job writes `run_config.json` (the settings that determine its numbers) before its
first row, then appends rows to one table as they finish. Resuming checks that the
settings are unchanged and drops a last line that a killed run left incomplete.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from seqtherm.errors import InvalidInputError, ResumeMismatchError
from seqtherm.reporting.metadata import write_json

logger = logging.getLogger(__name__)

CONFIG_FILE = "run_config.json"


def open_results_folder(out_dir: Path, table_name: str, config: dict, resume: bool) -> None:
    """Create `out_dir` and its `figures/` for a new run, or check it for a resumed one.

    Raises `InvalidInputError` when a new run would overwrite a table, and
    `ResumeMismatchError` when a resumed run's settings differ from the recorded ones.
    """
    table = out_dir / table_name
    config_path = out_dir / CONFIG_FILE
    if not resume and table.exists():
        raise InvalidInputError(
            f"{out_dir} already contains results ({table_name}); pass --resume to continue "
            "that run, or choose another --out folder"
        )
    if resume and config_path.exists():
        previous = json.loads(config_path.read_text(encoding="utf-8"))
        changed = sorted(k for k in set(config) | set(previous) if previous.get(k) != config.get(k))
        if changed:
            details = "; ".join(f"{k}: {previous.get(k)!r} then, {config.get(k)!r} now" for k in changed)
            raise ResumeMismatchError(
                f"cannot resume in {out_dir}: the settings differ from the interrupted run ({details}). "
                "Rerun with the same settings, or choose another --out folder"
            )
    elif resume and table.exists():
        raise ResumeMismatchError(f"{out_dir} has {table_name} but no {CONFIG_FILE}; start a new --out folder")

    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    if not config_path.exists() or not resume:
        write_json(config_path, config)
    if table.exists():
        drop_partial_last_line(table)


def check_results_folder(out_dir: Path, table_name: str, resume: bool) -> None:
    """Check an output folder before any work: reject overwriting, warn when there is nothing to resume."""
    table = Path(out_dir) / table_name
    if not resume and table.exists():
        raise InvalidInputError(
            f"{out_dir} already contains results ({table_name}); pass --resume to continue "
            "that run, or choose another --out folder"
        )
    if resume and not table.exists():
        logger.warning("--resume: %s contains no %s, so a new run starts there", out_dir, table_name)


def drop_partial_last_line(table: Path) -> None:
    """Remove a last line without its newline, which a run killed during a write leaves.

    NOTE: a CSV row whose quoted text contains a newline and is cut right after that
    newline is not detected here, so pandas then fails to parse the table on resume.
    """
    content = table.read_bytes()
    if content and not content.endswith(b"\n"):
        table.write_bytes(content[: content.rfind(b"\n") + 1])


def append_text(table: Path, text: str) -> None:
    """Append complete lines to a table and flush them to disk before returning."""
    with open(table, "a", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
