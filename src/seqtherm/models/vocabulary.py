"""Character vocabularies of the models that seqtherm trains itself.

Token id v < n_symbols stands for `symbols[v]`. The id n_symbols is the start symbol:
it is fed as the first input so that h_0 = Phi(start) is the same initial summary for
a sequence and its reversal, and it is never emitted (the output layer has n_symbols
rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqtherm.errors import InvalidInputError

SENTENCE_END = (".", "!", "?")


class CharacterVocabulary:
    """A fixed list of distinct characters; `encode` rejects characters outside it."""

    kind = "characters"

    def __init__(self, symbols: Sequence[str]) -> None:
        symbols = list(symbols)
        if not symbols:
            raise InvalidInputError("a vocabulary needs at least one character, got none")
        bad = [s for s in symbols if not isinstance(s, str) or len(s) != 1]
        if bad:
            raise InvalidInputError(f"vocabulary entries must be single characters, got {bad[:5]!r}")
        if len(set(symbols)) != len(symbols):
            duplicates = sorted({s for s in symbols if symbols.count(s) > 1})
            raise InvalidInputError(f"vocabulary lists characters more than once: {duplicates!r}")
        self.symbols = symbols
        self._ids = {s: i for i, s in enumerate(symbols)}

    @classmethod
    def from_text(cls, text: str) -> CharacterVocabulary:
        """Build the vocabulary of every character in `text`, sorted by code point."""
        return cls(sorted(set(text)))

    @classmethod
    def from_dict(cls, payload: dict) -> CharacterVocabulary:
        """Read the form written by `to_dict`."""
        if payload.get("kind") != cls.kind or not isinstance(payload.get("symbols"), list):
            raise InvalidInputError(
                f"vocabulary entry must be {{'kind': 'characters', 'symbols': [...]}}, got {str(payload)[:80]}"
            )
        return cls(payload["symbols"])

    def to_dict(self) -> dict:
        """Return a JSON-ready description that `from_dict` reads back."""
        return {"kind": self.kind, "symbols": list(self.symbols)}

    @property
    def n_symbols(self) -> int:
        """Number of characters the model can emit."""
        return len(self.symbols)

    @property
    def start_id(self) -> int:
        """Input id of the start symbol, fed before the first character."""
        return len(self.symbols)

    def encode(self, text: str) -> np.ndarray:
        """Map each character to its id; shape (n_tokens,), int64."""
        unknown = sorted(set(text) - self._ids.keys())
        if unknown:
            raise InvalidInputError(
                f"text contains {len(unknown)} character(s) outside the model's vocabulary: "
                f"{''.join(unknown)[:40]!r}; remove or replace them, or train a model on a corpus "
                "that contains them"
            )
        return np.fromiter((self._ids[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, token_ids: Sequence[int]) -> str:
        """Join the characters of the given ids."""
        return "".join(self.symbols[int(i)] for i in token_ids)

    def sentence_end_mask(self) -> np.ndarray:
        """Boolean mask over ids: the character is '.', '!' or '?'."""
        return np.array([s in SENTENCE_END for s in self.symbols], dtype=bool)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharacterVocabulary) and self.symbols == other.symbols

    def __repr__(self) -> str:
        return f"CharacterVocabulary({''.join(self.symbols)!r})"
