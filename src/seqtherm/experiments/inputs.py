"""Reading sets of texts from files, or the sets shipped with seqtherm.

Accepted formats, chosen by file extension:

- `.json`: an object whose list-of-strings values are groups, e.g.
  `{"causal_texts": [...], "noncausal_texts": [...]}`; a plain list of strings is one
  group named after the file.
- `.jsonl`: one object per line with a `text` field and an optional `group` field
  (default: the file name without extension).
- anything else: plain text, one text per line, blank lines skipped; the group is the
  file name without extension.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from importlib import resources
from pathlib import Path

from seqtherm.errors import InvalidInputError
from seqtherm.estimators.texts import TextInput

logger = logging.getLogger(__name__)

SHIPPED_SETS = "texts.json"


def _read_utf8(path: Path) -> str:
    if not path.exists():
        raise InvalidInputError(f"input file {path} not found")
    if not path.is_file():
        raise InvalidInputError(f"input {path} is not a file")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InvalidInputError(f"input file {path} cannot be read: {error.strerror}") from error
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvalidInputError(
            f"input file {path} is not valid UTF-8: byte {error.start} (line {line}) is "
            f"{raw[error.start:error.start + 1]!r}; re-save the file as UTF-8"
        ) from error


def _parse_json(text: str, path: Path, line_offset: int = 0):
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"input file {path} is not valid JSON: {error.msg} at line "
            f"{error.lineno + line_offset}, column {error.colno}"
        ) from error


def _check_text(value, path: Path, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{path}: {where} must be a string, got {type(value).__name__} {value!r:.60}")
    if not value.strip():
        raise InvalidInputError(f"{path}: {where} is an empty text; remove it or fill it in")
    return value


def _read_json(path: Path) -> dict[str, list[str]]:
    data = _parse_json(_read_utf8(path), path)
    if isinstance(data, list):
        return {path.stem: [_check_text(v, path, f"entry {i}") for i, v in enumerate(data)]}
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"{path}: expected a JSON object whose values are lists of texts, got {type(data).__name__}"
        )
    groups = {}
    for name, values in data.items():
        if isinstance(values, list):
            # Positions are 0-based, as in the `index` column of per_text.csv.
            groups[name] = [_check_text(v, path, f"text {i} of group {name!r}") for i, v in enumerate(values)]
        else:
            logger.warning("%s: key %r is not a list of texts and is ignored", path, name)
    if not groups:
        raise InvalidInputError(
            f"{path}: no value of the JSON object is a list of texts (keys: {list(data)[:10]}); "
            'write groups as {"group_name": ["text", ...]}'
        )
    return groups


def _read_jsonl(path: Path) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for number, line in enumerate(_read_utf8(path).splitlines(), start=1):
        if not line.strip():
            continue
        record = _parse_json(line, path, line_offset=number - 1)
        if not isinstance(record, dict) or "text" not in record:
            raise InvalidInputError(f"{path}: line {number} needs a JSON object with a 'text' field")
        group = str(record.get("group", path.stem))
        groups[group].append(_check_text(record["text"], path, f"the text on line {number}"))
    return dict(groups)


def _read_plain(path: Path) -> dict[str, list[str]]:
    texts = [line.strip() for line in _read_utf8(path).splitlines() if line.strip()]
    return {path.stem: texts}


def read_text_sets(paths: list[Path]) -> list[TextInput]:
    """Read texts from files; groups of the same name in several files are concatenated."""
    groups: dict[str, list[str]] = defaultdict(list)
    for path in map(Path, paths):
        suffix = path.suffix.lower()
        if suffix == ".json":
            reader = _read_json
        elif suffix == ".jsonl":
            reader = _read_jsonl
        else:
            reader = _read_plain
        for name, texts in reader(path).items():
            groups[name].extend(texts)
    return _to_inputs(groups, source=", ".join(map(str, paths)))


def shipped_text_sets() -> list[TextInput]:
    """Load the causal narratives and lists of independent facts shipped with seqtherm."""
    path = resources.files("seqtherm") / "data" / SHIPPED_SETS
    return _to_inputs(_read_json(Path(str(path))), source="the shipped text sets")


def _to_inputs(groups: dict[str, list[str]], source: str) -> list[TextInput]:
    items = [TextInput(group, index, text) for group, texts in groups.items() for index, text in enumerate(texts)]
    if not items:
        raise InvalidInputError(f"no texts found in {source}; each input needs at least one non-empty text")
    return items
