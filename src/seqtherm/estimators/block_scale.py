"""Block-scale sweep: entropy production per token as the reversal gets coarser.

Block reversal keeps the order inside blocks and reverses the order of the blocks, so
larger blocks leave more of a sequence's local structure intact. Two families of blocks
are swept on the same samples (Sagawa 2026, arXiv:2604.07867):

- k sentences per block, on samples cut after their last sentence delimiter (length T'),
  with sentences found by the delimiter rule on token ids;
- fixed blocks of l tokens on the full samples (length T); the last block keeps the
  remainder when l does not divide T, and l = 1 is token reversal.

Both segmentations are bijections on sequences, so each scale has its own fluctuation
theorem and its own KL meaning. Values are sigma / T (or sigma / T') averaged over samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from seqtherm.errors import InvalidInputError
from seqtherm.reversal import fixed_length_blocks, merge_blocks
from seqtherm.segmentation import delimiter_block_lengths

DEFAULT_SENTENCES_PER_BLOCK = (1, 2, 3)
DEFAULT_BLOCK_TOKENS = (1, 2, 5, 10, 20, 30, 60)


@dataclass(frozen=True)
class BlockScales:
    """The block sizes of the sweep.

    Attributes:
        sentences_per_block: values of k (sentences per block, on cut samples).
        block_tokens: values of l (tokens per block, on full samples).
    """

    sentences_per_block: tuple[int, ...] = DEFAULT_SENTENCES_PER_BLOCK
    block_tokens: tuple[int, ...] = DEFAULT_BLOCK_TOKENS

    def __post_init__(self) -> None:
        for name in ("sentences_per_block", "block_tokens"):
            values = tuple(int(v) for v in getattr(self, name))
            if any(v < 1 for v in values):
                raise InvalidInputError(f"{name} must be positive integers, got {list(values)}")
            object.__setattr__(self, name, tuple(sorted(set(values))))


def sentence_block_lengths(cut_tokens: np.ndarray, sentence_end_mask: np.ndarray, sentences_per_block: int) -> np.ndarray:
    """Block lengths of k sentences each for a sequence that ends on a delimiter."""
    return merge_blocks(delimiter_block_lengths(cut_tokens, sentence_end_mask), sentences_per_block)


def token_block_lengths(n_tokens: int, block_tokens: int) -> np.ndarray:
    """Block lengths of l tokens each; the last block keeps the remainder."""
    return fixed_length_blocks(n_tokens, block_tokens)


@dataclass(frozen=True)
class BlockScaleRow:
    """Mean sigma per token at one block size.

    Attributes:
        blocks: "sentences" (k sentences per block, cut samples) or "tokens" (l tokens).
        block_size: k or l.
        n_samples: samples that enter the mean.
        entropy_production_per_token: mean of sigma / T (T' for cut samples), nats.
        standard_error: its standard error.
        mean_n_blocks: mean number of blocks per sample.
    """

    blocks: str
    block_size: int
    n_samples: int
    entropy_production_per_token: float
    standard_error: float
    mean_n_blocks: float


@dataclass(frozen=True)
class BlockScaleTable:
    """The block-scale sweep, one row per (blocks, block_size)."""

    rows: tuple[BlockScaleRow, ...]

    def to_pandas(self) -> pd.DataFrame:
        """Return one row per block size with the fields of `BlockScaleRow`."""
        return pd.DataFrame([asdict(row) for row in self.rows], columns=list(BlockScaleRow.__dataclass_fields__))

    def to_dict(self) -> dict:
        """Return the rows as a JSON-ready list."""
        return {"rows": [asdict(row) for row in self.rows]}


def _row(blocks: str, block_size: int, sigma: Sequence[float], n_tokens: Sequence[int], n_blocks: Sequence[int]) -> BlockScaleRow:
    per_token = np.asarray(sigma, dtype=np.float64) / np.asarray(n_tokens, dtype=np.float64)
    n_samples = len(per_token)
    return BlockScaleRow(
        blocks=blocks,
        block_size=block_size,
        n_samples=n_samples,
        entropy_production_per_token=float(per_token.mean()) if n_samples else float("nan"),
        standard_error=float(per_token.std(ddof=1) / np.sqrt(n_samples)) if n_samples > 1 else float("nan"),
        mean_n_blocks=float(np.mean(n_blocks)) if n_samples else float("nan"),
    )


def block_scale_table(scores: Sequence, scales: BlockScales) -> BlockScaleTable:
    """Average sigma per token at every block size of `scales` over the scored samples.

    `scores` are `seqtherm.estimators.samples.SampleScore` records; samples without a
    sentence delimiter are left out of the sentence rows.
    """
    rows = []
    cut = [s for s in scores if s.n_tokens_cut > 0]
    for k in scales.sentences_per_block:
        rows.append(
            _row(
                "sentences",
                k,
                [s.sigma_sentence_blocks[k] for s in cut],
                [s.n_tokens_cut for s in cut],
                [-(-s.n_sentences // k) for s in cut],
            )
        )
    for length in scales.block_tokens:
        rows.append(
            _row(
                "tokens",
                length,
                [s.sigma_token_blocks[length] for s in scores],
                [s.n_tokens for s in scores],
                [-(-s.n_tokens // length) for s in scores],
            )
        )
    return BlockScaleTable(rows=tuple(rows))
