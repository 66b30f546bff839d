"""Token- and sentence-level entropy production of given texts under a language model.

For a text tokenised as y = (y_1..y_T), scored after the model's fixed context token:

    sigma_token(y) = ln P_fwd(y) - ln P_fwd(reverse(y))
    sigma_block(y) = ln P_fwd(y) - ln P_fwd(block_reverse(y))

(Sagawa 2026, arXiv:2604.07867). On given texts, as opposed to model samples, sigma is a
per-text statistic and can be negative. Only its mean over the model's own samples is
a KL divergence. Values are in nats per text; the `_per_token` columns divide by T.

The sentence level is computed under both segmentation policies (see
`seqtherm.segmentation`). `seam_cost` is sigma_block(delimiter) - sigma_block(sentences),
the part of the delimiter policy's value that comes from the missing space at the seam.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from seqtherm.errors import InvalidInputError
from seqtherm.reversal import fixed_length_blocks, merge_blocks, reverse_blocks, reverse_tokens
from seqtherm.segmentation import SEGMENTERS, delimiter_block_lengths, sentence_token_blocks

LEVELS = ("token", "sentence")


@dataclass(frozen=True)
class TextInput:
    """One text to score, with the group it belongs to and its position in that group."""

    group: str
    index: int
    text: str


@dataclass
class TextScore:
    """Entropy production of one text; every log-probability and sigma in nats."""

    group: str
    index: int
    n_tokens: int
    n_blocks: int
    no_delimiter: bool
    path_log_prob: float
    path_log_prob_token_reversed: float
    path_log_prob_block_reversed: float
    sigma_token: float
    sigma_block: float
    sigma_token_per_token: float
    sigma_block_per_token: float
    sigma_block_delimiter: float
    sigma_block_sentences: float
    seam_cost: float
    text: str


PER_TEXT_COLUMNS = [name for name in TextScore.__dataclass_fields__]


@dataclass(frozen=True)
class BlockOptions:
    """Segmentation settings of the sentence level.

    Attributes:
        segmenter: "delimiter" or "sentences" (see `seqtherm.segmentation`).
        sentences_per_block: k, merge every k consecutive sentences into one block.
        block_tokens: if set, blocks of this many tokens replace sentences altogether.
    """

    segmenter: str = "delimiter"
    sentences_per_block: int = 1
    block_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.segmenter not in SEGMENTERS:
            raise InvalidInputError(f"segmenter must be one of {SEGMENTERS}, got {self.segmenter!r}")
        if self.sentences_per_block < 1:
            raise InvalidInputError(f"sentences per block must be at least 1, got {self.sentences_per_block}")
        if self.block_tokens is not None and self.block_tokens < 1:
            raise InvalidInputError(f"block length must be at least 1 token, got {self.block_tokens}")


@dataclass
class _PreparedText:
    """The token sequences of one text and the reversals the requested levels need."""

    item: TextInput
    own_tokens: np.ndarray
    own_lengths: np.ndarray
    sentence_tokens: np.ndarray
    sentence_lengths: np.ndarray
    has_delimiter: bool
    sequences: dict[str, np.ndarray] = field(default_factory=dict)


def prepare_text(model, item: TextInput, options: BlockOptions, levels: Sequence[str]) -> _PreparedText:
    """Tokenise a text under both policies and build the sequences to score."""
    if not item.text.strip():
        raise InvalidInputError(f"text {item.index} of group {item.group!r} is empty; remove it or fill it in")
    own_tokens = model.encode(item.text)
    if len(own_tokens) == 0:
        raise InvalidInputError(f"text {item.index} of group {item.group!r} tokenises to no tokens")
    blocks = sentence_token_blocks(item.text, model.encode)
    sentence_tokens = np.concatenate(blocks)
    sentence_lengths = np.array([len(b) for b in blocks], dtype=np.int64)
    own_lengths = delimiter_block_lengths(own_tokens, model.sentence_end_mask)
    has_delimiter = bool(model.sentence_end_mask[own_tokens].any())

    if options.block_tokens is not None:
        own_lengths = fixed_length_blocks(len(own_tokens), options.block_tokens)
        sentence_lengths = fixed_length_blocks(len(sentence_tokens), options.block_tokens)
    elif options.sentences_per_block > 1:
        own_lengths = merge_blocks(own_lengths, options.sentences_per_block)
        sentence_lengths = merge_blocks(sentence_lengths, options.sentences_per_block)

    prepared = _PreparedText(item, own_tokens, own_lengths, sentence_tokens, sentence_lengths, has_delimiter)
    main = own_tokens if options.segmenter == "delimiter" else sentence_tokens
    prepared.sequences["forward"] = main
    if "token" in levels:
        prepared.sequences["token_reversed"] = reverse_tokens(main)
    if "sentence" in levels:
        prepared.sequences["own_forward"] = own_tokens
        prepared.sequences["own_block_reversed"] = reverse_blocks(own_tokens, own_lengths)[0]
        prepared.sequences["sentence_forward"] = sentence_tokens
        prepared.sequences["sentence_block_reversed"] = reverse_blocks(sentence_tokens, sentence_lengths)[0]
    return prepared


def check_lengths(model, prepared: _PreparedText) -> None:
    """Reject a text longer than the model's context window, naming both lengths."""
    if model.max_length is None:
        return
    longest = max(len(s) for s in prepared.sequences.values())
    if longest > model.max_length:
        item = prepared.item
        raise InvalidInputError(
            f"text {item.index} of group {item.group!r} has {longest} tokens, more than the "
            f"{model.max_length} tokens that fit in the context window of {model.name}; "
            "split or shorten it (seqtherm does not truncate texts)"
        )


def score_prepared(model, prepared: Sequence[_PreparedText], options: BlockOptions) -> list[TextScore]:
    """Score the sequences of several prepared texts in shared batches."""
    # Identical sequences (a forward sequence under both policies, or a one-block
    # reversal) are scored once.
    unique: dict[bytes, int] = {}
    flat: list[np.ndarray] = []
    for text in prepared:
        for sequence in text.sequences.values():
            key = sequence.tobytes()
            if key not in unique:
                unique[key] = len(flat)
                flat.append(sequence)
    totals = np.array([steps.sum() for steps in model.step_log_probs(flat)])

    scores = []
    for text in prepared:
        log_prob = {name: float(totals[unique[seq.tobytes()]]) for name, seq in text.sequences.items()}
        scores.append(_score_row(text, log_prob, options))
    return scores


def _score_row(text: _PreparedText, log_prob: dict[str, float], options: BlockOptions) -> TextScore:
    nan = float("nan")
    forward = log_prob["forward"]
    n_tokens = len(text.sequences["forward"])
    token_reversed = log_prob.get("token_reversed", nan)
    sigma_token = forward - token_reversed

    if "own_forward" in log_prob:
        sigma_delimiter = log_prob["own_forward"] - log_prob["own_block_reversed"]
        sigma_sentences = log_prob["sentence_forward"] - log_prob["sentence_block_reversed"]
    else:
        sigma_delimiter = sigma_sentences = nan
    if options.segmenter == "delimiter":
        sigma_block, n_blocks = sigma_delimiter, len(text.own_lengths)
        block_reversed = log_prob.get("own_block_reversed", nan)
    else:
        sigma_block, n_blocks = sigma_sentences, len(text.sentence_lengths)
        block_reversed = log_prob.get("sentence_block_reversed", nan)

    return TextScore(
        group=text.item.group,
        index=text.item.index,
        n_tokens=n_tokens,
        n_blocks=n_blocks,
        no_delimiter=not text.has_delimiter,
        path_log_prob=forward,
        path_log_prob_token_reversed=token_reversed,
        path_log_prob_block_reversed=block_reversed,
        sigma_token=sigma_token,
        sigma_block=sigma_block,
        sigma_token_per_token=sigma_token / n_tokens,
        sigma_block_per_token=sigma_block / n_tokens,
        sigma_block_delimiter=sigma_delimiter,
        sigma_block_sentences=sigma_sentences,
        seam_cost=sigma_delimiter - sigma_sentences,
        text=text.item.text,
    )


@dataclass
class TextScores:
    """Per-text entropy production of a set of texts; `to_pandas()` gives one row per text."""

    scores: list[TextScore]

    def to_pandas(self) -> pd.DataFrame:
        """Return one row per text with the columns of `TextScore`."""
        return pd.DataFrame([asdict(s) for s in self.scores], columns=PER_TEXT_COLUMNS)


def score_texts(
    model,
    texts: Sequence[str] | Sequence[TextInput],
    *,
    levels: Sequence[str] = LEVELS,
    options: BlockOptions | None = None,
    chunk_size: int = 32,
    on_chunk: Callable[[list[TextScore]], None] | None = None,
) -> TextScores:
    """Compute token- and sentence-level sigma of every text under `model`.

    Args:
        model: a language-model adapter (`encode`, `sentence_end_mask`, `max_length`,
            `step_log_probs`), such as `seqtherm.models.hf.CausalLMAdapter`.
        texts: plain strings (group "texts") or `TextInput` items.
        levels: any of "token" and "sentence".
        options: block segmentation; the delimiter rule by default.
        chunk_size: texts per scoring round; `on_chunk` is called after each round.

    Every text is tokenised and checked before any is scored, so bad input fails early.
    """
    options = options or BlockOptions()
    levels = _check_levels(levels)
    items = [t if isinstance(t, TextInput) else TextInput("texts", i, t) for i, t in enumerate(texts)]
    if not items:
        raise InvalidInputError("no texts to score: the input set is empty")
    prepared = [prepare_text(model, item, options, levels) for item in items]
    for text in prepared:
        check_lengths(model, text)

    scores: list[TextScore] = []
    for start in range(0, len(prepared), chunk_size):
        chunk = score_prepared(model, prepared[start : start + chunk_size], options)
        scores.extend(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
    return TextScores(scores)


def _check_levels(levels: Sequence[str]) -> tuple[str, ...]:
    levels = tuple(levels)
    unknown = [level for level in levels if level not in LEVELS]
    if unknown or not levels:
        raise InvalidInputError(f"levels must be a non-empty subset of {LEVELS}, got {list(levels)}")
    return levels
