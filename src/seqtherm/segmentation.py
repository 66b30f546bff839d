"""Sentence segmentation of token sequences, always on token ids.

Two policies give the blocks that sentence-level reversal permutes:

- `delimiter` (the published rule, Sagawa 2026, arXiv:2604.07867): a block ends at every
  token whose decoded string, right-stripped, ends with '.', '!' or '?'. It works on the
  text's own tokenisation, so it applies to model samples as well as to given texts.
  The reversed sequence then starts with the last sentence's first token, which carries
  a leading space, and glues the old first sentence to its neighbour without a space.
- `sentences`: split the text into sentences with pysbd, then tokenise every sentence
  with a leading space (the first sentence included) and concatenate. Every order of
  these blocks reads as naturally written text, so no seam is added by reversal.

Both are bijections: the blocks concatenate back to the sequence, and reversing the
block order twice gives the original.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from seqtherm.errors import InvalidInputError

SEGMENTERS = ("delimiter", "sentences")


def delimiter_block_lengths(token_ids: np.ndarray, sentence_end_mask: np.ndarray) -> np.ndarray:
    """Block lengths under the delimiter rule; tokens after the last delimiter form a final block.

    `sentence_end_mask[v]` is True when token v ends a sentence. A sequence with no
    delimiter is a single block, whose reversal is the identity (sigma_block = 0).
    """
    token_ids = np.asarray(token_ids)
    if len(token_ids) == 0:
        raise InvalidInputError("cannot segment an empty token sequence")
    block_ends = np.flatnonzero(sentence_end_mask[token_ids]) + 1
    if len(block_ends) == 0 or block_ends[-1] != len(token_ids):
        block_ends = np.append(block_ends, len(token_ids))
    return np.diff(np.concatenate([[0], block_ends])).astype(np.int64)


def cut_after_last_delimiter(token_ids: np.ndarray, sentence_end_mask: np.ndarray) -> np.ndarray | None:
    """Cut a sampled sequence after its last delimiter token (length T'); None if it has none."""
    token_ids = np.asarray(token_ids)
    ends = np.flatnonzero(sentence_end_mask[token_ids])
    if len(ends) == 0:
        return None
    return token_ids[: ends[-1] + 1]


def split_sentences(text: str) -> list[str]:
    """Split a text into sentences with pysbd's English rules, stripped, empty ones dropped."""
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return [sentence.strip() for sentence in segmenter.segment(text) if sentence.strip()]


def sentence_token_blocks(text: str, encode: Callable[[str], np.ndarray]) -> list[np.ndarray]:
    """Tokenise each sentence of `text` as ' ' + sentence, so that any block order reads naturally."""
    sentences = split_sentences(text)
    if not sentences:
        raise InvalidInputError(f"text {text[:60]!r} contains no sentence to tokenise")
    return [np.asarray(encode(" " + sentence), dtype=np.int64) for sentence in sentences]
