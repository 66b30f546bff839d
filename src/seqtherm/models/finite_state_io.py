"""Read finite-state models from JSON files.

Three layouts are accepted; the key that selects one is `transition`, `table` or
`sequences`, and exactly one of them must be present.

First-order Markov chain (`symbols` is optional and defaults to "0", "1", ...):

    {"symbols": ["A", "B", "C"],
     "transition": [[0.3, 0.5, 0.2], [0.2, 0.3, 0.5], [0.5, 0.2, 0.3]],
     "initial": "stationary"}

`initial` is a probability vector or "stationary" (the default when it is missing).

Order-k n-gram table: one probability row per context of 0..k symbols, oldest symbol
first, written as the symbols joined by single spaces ("" is the start of a path). Every
context reachable from the start needs a row:

    {"symbols": ["a", "b"], "order": 2,
     "table": {"": [0.5, 0.5], "a": [0.9, 0.1], "b": [0.4, 0.6],
               "a a": [0.2, 0.8], "a b": [0.7, 0.3], "b a": [0.5, 0.5], "b b": [0.1, 0.9]}}

N-gram fitted from token sequences with additive smoothing (default 1.0):

    {"symbols": ["a", "b"], "order": 2, "smoothing": 0.5,
     "sequences": [["a", "b", "b"], ["b", "a"]]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from seqtherm.errors import InvalidInputError
from seqtherm.models.finite_state import FiniteStateModel, fit_ngram, markov_chain, ngram_model

LAYOUT_KEYS = ("transition", "table", "sequences")
ALLOWED_KEYS = {
    "transition": {"transition", "initial", "symbols"},
    "table": {"table", "order", "symbols"},
    "sequences": {"sequences", "order", "symbols", "smoothing"},
}


def load_finite_state_model(path: str | Path) -> FiniteStateModel:
    """Read a finite-state model from a JSON file in one of the layouts of this module."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(f"cannot read model file {str(path)!r}: {error.strerror}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"model file {str(path)!r} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from error
    return parse_finite_state_model(document, source=str(path))


def parse_finite_state_model(document: Any, source: str = "model") -> FiniteStateModel:
    """Build a model from a parsed JSON document; `source` names it in error messages."""
    if not isinstance(document, dict):
        raise InvalidInputError(f"{source}: the top level must be a JSON object, got {type(document).__name__}")
    layouts = [key for key in LAYOUT_KEYS if key in document]
    if len(layouts) != 1:
        raise InvalidInputError(
            f"{source}: expected exactly one of the keys {list(LAYOUT_KEYS)}, found {layouts or 'none'}"
        )
    layout = layouts[0]
    unknown = sorted(set(document) - ALLOWED_KEYS[layout])
    if unknown:
        raise InvalidInputError(
            f"{source}: unknown keys {unknown} for a model with '{layout}'; allowed: {sorted(ALLOWED_KEYS[layout])}"
        )

    if layout == "transition":
        return _parse_markov(document, source)
    symbols = _symbols(document, source, required=True)
    order = document.get("order")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise InvalidInputError(f"{source}: 'order' must be an integer >= 1, got {order!r}")
    if layout == "table":
        return _parse_ngram_table(document["table"], order, symbols, source)
    return _parse_fitted_ngram(document, order, symbols, source)


def _symbols(document: dict, source: str, *, required: bool) -> list[str] | None:
    symbols = document.get("symbols")
    if symbols is None and not required:
        return None
    if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) and s for s in symbols):
        raise InvalidInputError(f"{source}: 'symbols' must be a non-empty list of non-empty strings, got {symbols!r}")
    if any(" " in s for s in symbols):
        raise InvalidInputError(f"{source}: symbols may not contain spaces, because contexts join them with spaces: {symbols}")
    if len(set(symbols)) != len(symbols):
        raise InvalidInputError(f"{source}: symbols must be distinct, got {symbols}")
    return symbols


def _number_array(value: Any, name: str, source: str, ndim: int) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"{source}: '{name}' must be a {ndim}-D array of numbers, got {value!r}") from error
    if array.ndim != ndim:
        raise InvalidInputError(f"{source}: '{name}' must be a {ndim}-D array of numbers, got shape {array.shape}")
    return array


def _parse_markov(document: dict, source: str) -> FiniteStateModel:
    transition = _number_array(document["transition"], "transition", source, 2)
    initial = document.get("initial", "stationary")
    if not isinstance(initial, str):
        initial = _number_array(initial, "initial", source, 1)
    return markov_chain(transition, initial, _symbols(document, source, required=False))


def _parse_ngram_table(table: Any, order: int, symbols: list[str], source: str) -> FiniteStateModel:
    if not isinstance(table, dict):
        raise InvalidInputError(f"{source}: 'table' must be an object from contexts to probability rows")
    ids = {symbol: index for index, symbol in enumerate(symbols)}
    contexts = {}
    for key, row in table.items():
        names = key.split(" ") if key else []
        missing = [name for name in names if name not in ids]
        if missing:
            raise InvalidInputError(
                f"{source}: context '{key}' uses symbol '{missing[0]}', which is not in symbols {symbols}"
            )
        contexts[tuple(ids[name] for name in names)] = _number_array(row, f"table['{key}']", source, 1)
    return ngram_model(order, contexts, symbols)


def _parse_fitted_ngram(document: dict, order: int, symbols: list[str], source: str) -> FiniteStateModel:
    sequences = document["sequences"]
    if not isinstance(sequences, list) or not all(isinstance(s, list) for s in sequences):
        raise InvalidInputError(f"{source}: 'sequences' must be a list of lists of symbols")
    ids = {symbol: index for index, symbol in enumerate(symbols)}
    encoded = []
    for number, sequence in enumerate(sequences):
        missing = [s for s in sequence if s not in ids]
        if missing:
            raise InvalidInputError(
                f"{source}: sequence {number} contains {missing[0]!r}, which is not in symbols {symbols}"
            )
        encoded.append([ids[s] for s in sequence])
    smoothing = document.get("smoothing", 1.0)
    if not isinstance(smoothing, (int, float)) or isinstance(smoothing, bool):
        raise InvalidInputError(f"{source}: 'smoothing' must be a number > 0, got {smoothing!r}")
    return fit_ngram(encoded, order, len(symbols), smoothing=float(smoothing), symbols=symbols)
