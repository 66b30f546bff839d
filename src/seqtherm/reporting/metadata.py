"""Run metadata of a results folder: arguments, seed, model file and hash, versions, wall time."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

RECORDED_PACKAGES = ("seqtherm", "numpy", "scipy", "pandas", "torch", "transformers", "gguf", "matplotlib")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that determine a result (None when absent)."""
    versions: dict[str, str | None] = {}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def utc_now() -> str:
    """Current UTC time in ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_metadata(
    command: str, arguments: dict[str, Any], *, started: str, wall_time_s: float, model: dict | None = None
) -> dict[str, Any]:
    """Collect the metadata of one run for `metadata.json`."""
    return {
        "command": command,
        "arguments": arguments,
        "model": model,
        "started": started,
        "finished": utc_now(),
        "wall_time_s": round(wall_time_s, 3),
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }


def _json_ready(value: Any) -> Any:
    # JSON has no NaN or infinity; write them as null so every JSON reader accepts the file.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _json_ready(value.item())
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: Path, payload: Any) -> None:
    """Write JSON atomically (temporary file, then rename), NaN and infinity as null."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(_json_ready(payload), indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
