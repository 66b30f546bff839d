"""Entropy production of a model's own samples at token and sentence level.

For y ~ P_fwd of T tokens drawn at temperature tau (Sagawa 2026, arXiv:2604.07867):

    sigma_token(y)  = ln P_fwd(y)  - ln P_fwd(reverse(y))
    sigma_block(y') = ln P_fwd(y') - ln P_fwd(block_reverse(y'))

where y' is y cut after its last sentence delimiter (T' tokens) and the blocks are its
sentences. S_y = E[sigma] >= 0 is estimated by the sample mean, normalised per token.

Cost: ln P_fwd(y) is the sum of the log-probabilities recorded while sampling, and
ln P_fwd(y') is a prefix of that sum, because an autoregressive model scores a prefix
exactly as it drew it. Only the reversed sequences are scored, all of a chunk in one
call of `step_log_probs`. The estimators use only the model protocol: `sample_indices`,
`step_log_probs` and `sentence_end_mask`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from seqtherm.errors import InvalidInputError
from seqtherm.estimators.block_scale import (
    BlockScales,
    BlockScaleTable,
    block_scale_table,
    sentence_block_lengths,
    token_block_lengths,
)
from seqtherm.estimators.monte_carlo import (
    ConvergenceCurve,
    FluctuationTheoremCheck,
    SigmaStatistics,
    check_fluctuation_theorem,
    describe_sigma,
    running_mean_curve,
)
from seqtherm.models.protocol import SampleBatch
from seqtherm.reversal import reverse_blocks, reverse_tokens
from seqtherm.segmentation import cut_after_last_delimiter


@dataclass
class SampleScore:
    """Every sigma of one sample, in nats per sequence.

    Sentence-level fields refer to the sample cut after its last delimiter. They are
    None (or empty) when the sample has no delimiter, and `n_tokens_cut` is then 0.
    `sigma_sentence_blocks[k]` uses blocks of k sentences, `sigma_token_blocks[l]`
    blocks of l tokens on the full sample.
    """

    index: int
    token_ids: list[int]
    n_tokens: int
    n_tokens_cut: int
    n_sentences: int
    path_log_prob: float
    path_log_prob_cut: float | None
    sigma_token: float
    sigma_token_cut: float | None
    sigma_block: float | None
    sigma_sentence_blocks: dict[int, float] = field(default_factory=dict)
    sigma_token_blocks: dict[int, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (block sizes become string keys)."""
        record = asdict(self)
        record["sigma_sentence_blocks"] = {str(k): v for k, v in self.sigma_sentence_blocks.items()}
        record["sigma_token_blocks"] = {str(k): v for k, v in self.sigma_token_blocks.items()}
        return record

    @classmethod
    def from_dict(cls, record: dict) -> SampleScore:
        """Rebuild a score from `to_dict` output."""
        record = dict(record)
        record["sigma_sentence_blocks"] = {int(k): v for k, v in record["sigma_sentence_blocks"].items()}
        record["sigma_token_blocks"] = {int(k): v for k, v in record["sigma_token_blocks"].items()}
        return cls(**record)


class _ReversedPaths:
    """The distinct reversed sequences of a chunk, each scored once.

    A reversal that gives back the sample itself (one block, or a palindrome) is not
    scored: its log-probability is the sample's own recorded one, so its sigma is
    exactly 0.
    """

    def __init__(self) -> None:
        self.log_probs: dict[bytes, float] = {}
        self.to_score: dict[bytes, np.ndarray] = {}

    def add(self, sequence: np.ndarray, forward: np.ndarray) -> bytes | None:
        """Queue a reversal of `forward`; return its key, or None if it equals `forward`."""
        if np.array_equal(sequence, forward):
            return None
        key = sequence.tobytes()
        self.to_score.setdefault(key, sequence)
        return key

    def score(self, model) -> None:
        keys = list(self.to_score)
        for key, steps in zip(keys, model.step_log_probs([self.to_score[k] for k in keys])):
            self.log_probs[key] = float(steps.sum())
        self.to_score.clear()

    def sigma(self, forward_log_prob: float, key: bytes | None) -> float:
        """sigma = ln P(forward) - ln P(reversed); 0 when the reversal is the identity."""
        return 0.0 if key is None else forward_log_prob - self.log_probs[key]


def score_sample_batch(
    model, sample_indices: Sequence[int], batch: SampleBatch, scales: BlockScales
) -> list[SampleScore]:
    """Compute every sigma of sampled sequences from their recorded log-probabilities.

    Args:
        model: scores the reversed sequences (`step_log_probs`) and finds sentence ends
            (`sentence_end_mask`); it must be the tempered model that drew `batch`.
        sample_indices: the index of each sample in the run, stored with its score.
        batch: the sampled sequences with their per-step log-probabilities.
        scales: block sizes of the sweep.
    """
    mask = model.sentence_end_mask
    paths = _ReversedPaths()
    plans = []
    for tokens, steps in zip(batch.sequences, batch.step_log_probs):
        tokens = np.asarray(tokens, dtype=np.int64)
        plan = {"forward": float(np.sum(steps)), "token": paths.add(reverse_tokens(tokens), tokens)}
        plan["token_blocks"] = {
            length: paths.add(reverse_blocks(tokens, token_block_lengths(len(tokens), length))[0], tokens)
            for length in scales.block_tokens
        }

        cut = cut_after_last_delimiter(tokens, mask)
        plan["cut"] = cut
        if cut is not None:
            # ln P_fwd of a prefix is the sum of its recorded steps: no scoring pass.
            plan["forward_cut"] = float(np.sum(steps[: len(cut)]))
            plan["token_cut"] = paths.add(reverse_tokens(cut), cut)
            plan["sentence_blocks"] = {
                k: paths.add(reverse_blocks(cut, sentence_block_lengths(cut, mask, k))[0], cut)
                for k in sorted({1, *scales.sentences_per_block})
            }
        plans.append((tokens, plan))
    paths.score(model)

    scores = []
    for index, (tokens, plan) in zip(sample_indices, plans):
        forward, cut = plan["forward"], plan["cut"]
        sigma_cut = sigma_block = forward_cut = None
        sentence_sigmas: dict[int, float] = {}
        n_sentences = 0
        if cut is not None:
            forward_cut = plan["forward_cut"]
            sigma_cut = paths.sigma(forward_cut, plan["token_cut"])
            sentence_sigmas = {k: paths.sigma(forward_cut, key) for k, key in plan["sentence_blocks"].items()}
            sigma_block = sentence_sigmas[1]
            n_sentences = int(mask[cut].sum())
        scores.append(
            SampleScore(
                index=int(index),
                token_ids=tokens.tolist(),
                n_tokens=len(tokens),
                n_tokens_cut=0 if cut is None else len(cut),
                n_sentences=n_sentences,
                path_log_prob=forward,
                path_log_prob_cut=forward_cut,
                sigma_token=paths.sigma(forward, plan["token"]),
                sigma_token_cut=sigma_cut,
                sigma_block=sigma_block,
                sigma_sentence_blocks={k: v for k, v in sentence_sigmas.items() if k in scales.sentences_per_block},
                sigma_token_blocks={l: paths.sigma(forward, key) for l, key in plan["token_blocks"].items()},
            )
        )
    return scores


def sample_and_score(model, sample_indices: Sequence[int], n_steps: int, *, seed: int, scales: BlockScales) -> list[SampleScore]:
    """Draw the samples with the given indices and compute all their sigmas."""
    batch = model.sample_indices(list(sample_indices), n_steps, seed=seed)
    return score_sample_batch(model, sample_indices, batch, scales)


@dataclass
class SampleEntropyProduction:
    """Entropy production of a model's own samples, per token, with its checks.

    Attributes:
        token: sigma_token / T over all samples.
        block: sigma_block / T' over the samples that have a sentence delimiter.
        token_cut: sigma_token / T' over the same cut samples, the reference for `block`.
        fluctuation_theorem: E[exp(-sigma)] checks, keyed "token" (sigma_token) and
            "block" (sigma_block). NOTE: the block check runs on cut samples, whose law
            is not P_fwd over sequences of length T', so there it holds only approximately.
        convergence: running means of sigma / T per level against N.
        block_scale: the sweep over block sizes.
        scores: the per-sample records, in index order.
    """

    n_steps: int
    n_samples: int
    n_no_delimiter: int
    token: SigmaStatistics
    block: SigmaStatistics | None
    token_cut: SigmaStatistics | None
    fluctuation_theorem: dict[str, FluctuationTheoremCheck]
    convergence: dict[str, ConvergenceCurve]
    block_scale: BlockScaleTable
    scores: list[SampleScore]

    def to_pandas(self) -> pd.DataFrame:
        """Return one row per sample with every sigma and its per-token value."""
        rows = []
        for score in self.scores:
            row = {k: v for k, v in score.to_dict().items() if not isinstance(v, (dict, list))}
            row["sigma_token_per_token"] = score.sigma_token / score.n_tokens
            cut = score.n_tokens_cut or float("nan")
            row["sigma_token_cut_per_token"] = _or_nan(score.sigma_token_cut) / cut
            row["sigma_block_per_token"] = _or_nan(score.sigma_block) / cut
            for k, value in score.sigma_sentence_blocks.items():
                row[f"sigma_sentences_{k}_per_token"] = value / cut
            for length, value in score.sigma_token_blocks.items():
                row[f"sigma_tokens_{length}_per_token"] = value / score.n_tokens
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """Return the summary (everything but the per-sample records) as a JSON-ready dict."""
        return {
            "n_steps": self.n_steps,
            "n_samples": self.n_samples,
            "n_no_delimiter": self.n_no_delimiter,
            "token": self.token.to_dict(),
            "block": None if self.block is None else self.block.to_dict(),
            "token_cut": None if self.token_cut is None else self.token_cut.to_dict(),
            "fluctuation_theorem": {level: check.to_dict() for level, check in self.fluctuation_theorem.items()},
            "convergence": {level: curve.to_dict() for level, curve in self.convergence.items()},
            "block_scale": self.block_scale.to_dict()["rows"],
        }


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


def summarize_sample_scores(
    scores: Sequence[SampleScore], scales: BlockScales, *, seed: int = 0
) -> SampleEntropyProduction:
    """Compute the statistics, fluctuation-theorem checks, convergence curves and sweep.

    The sentence-level entries are None when fewer than 2 samples have a delimiter.
    """
    scores = sorted(scores, key=lambda s: s.index)
    if len(scores) < 2:
        raise InvalidInputError(f"need at least 2 samples, got {len(scores)}")
    n_steps = scores[0].n_tokens
    sigma_token = np.array([s.sigma_token for s in scores])
    n_tokens = np.array([s.n_tokens for s in scores])
    cut = [s for s in scores if s.n_tokens_cut > 0]

    statistics = {"token": describe_sigma(sigma_token, n_tokens, seed=seed)}
    checks = {"token": check_fluctuation_theorem(sigma_token)}
    curves = {"token": running_mean_curve(sigma_token / n_tokens)}
    if len(cut) >= 2:
        n_tokens_cut = np.array([s.n_tokens_cut for s in cut])
        sigma_block = np.array([s.sigma_block for s in cut])
        sigma_token_cut = np.array([s.sigma_token_cut for s in cut])
        statistics["block"] = describe_sigma(sigma_block, n_tokens_cut, seed=seed)
        statistics["token_cut"] = describe_sigma(sigma_token_cut, n_tokens_cut, seed=seed)
        checks["block"] = check_fluctuation_theorem(sigma_block)
        curves["block"] = running_mean_curve(sigma_block / n_tokens_cut)
        curves["token_cut"] = running_mean_curve(sigma_token_cut / n_tokens_cut)

    return SampleEntropyProduction(
        n_steps=n_steps,
        n_samples=len(scores),
        n_no_delimiter=len(scores) - len(cut),
        token=statistics["token"],
        block=statistics.get("block"),
        token_cut=statistics.get("token_cut"),
        fluctuation_theorem=checks,
        convergence=curves,
        block_scale=block_scale_table(scores, scales),
        scores=list(scores),
    )


def estimate_sample_entropy_production(
    model,
    n_samples: int,
    n_steps: int,
    *,
    seed: int = 0,
    scales: BlockScales | None = None,
    chunk_size: int = 32,
    on_chunk: Callable[[list[SampleScore]], None] | None = None,
) -> SampleEntropyProduction:
    """Estimate S_y per token of `model`'s own process at token and sentence level.

    Args:
        model: a language model at the temperature to study (`sample_indices`,
            `step_log_probs`, `sentence_end_mask`).
        n_samples: N >= 2 sequences; sample i depends only on (seed, i).
        n_steps: T >= 2 tokens per sample.
        seed: sampling seed, also the seed of the bootstrap intervals.
        scales: block sizes of the sweep; `BlockScales()` by default.
        chunk_size: samples drawn and scored together; `on_chunk` gets each chunk's scores.
    """
    check_sample_counts(n_samples, n_steps)
    scales = scales or BlockScales()
    scores: list[SampleScore] = []
    for start in range(0, n_samples, chunk_size):
        chunk = sample_and_score(model, range(start, min(start + chunk_size, n_samples)), n_steps, seed=seed, scales=scales)
        scores.extend(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
    return summarize_sample_scores(scores, scales, seed=seed)


def check_sample_counts(n_samples: int, n_steps: int) -> None:
    """Reject N < 2 (no standard error) and T < 2 (token reversal of one token is trivial)."""
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise InvalidInputError(f"number of samples N must be an integer of at least 2, got {n_samples!r}; pass -n 2 or more")
    if not isinstance(n_steps, (int, np.integer)) or n_steps < 2:
        raise InvalidInputError(f"number of tokens T must be an integer of at least 2, got {n_steps!r}; pass -T 2 or more")
