"""Cost of the sampling job against the computation it cannot avoid, on a real model.

For each block-scale setting the table gives three wall times on the same samples:

- job: `run_sample_job` end to end (sampling, scoring, statistics, files, figures);
- bare: sampling plus one `step_log_probs` call on the reversed sequences the job
  needs, with no statistics or files;
- re-scoring: bare plus a teacher-forced pass over each forward sequence and each
  cut sample, as an estimator that does not keep the sampling log-probabilities
  must do.

Targets: job / bare <= 1.10 and job / re-scoring <= 0.75. Model loading is excluded.
Times vary with the load on the machine; each is the minimum over `--repeats` runs.

    .venv/bin/python benchmarks/bench_sample.py [-n 32] [-T 60] [--repeats 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from seqtherm.estimators.block_scale import BlockScales, sentence_block_lengths, token_block_lengths
from seqtherm.experiments.sample_job import SampleJobSettings, run_sample_job
from seqtherm.models.registry import load_language_model
from seqtherm.reversal import reverse_blocks
from seqtherm.segmentation import cut_after_last_delimiter

SETTINGS = {
    "token + sentence blocks": BlockScales(sentences_per_block=(), block_tokens=()),
    "with default sweep": BlockScales(),
}


def reversed_sequences(tokens: np.ndarray, mask: np.ndarray, scales: BlockScales) -> tuple[list[np.ndarray], np.ndarray | None]:
    """List the reversals that the job scores for one sample, identities left out, and return the cut sample."""
    sequences = [tokens[::-1].copy()]
    for length in scales.block_tokens:
        sequences.append(reverse_blocks(tokens, token_block_lengths(len(tokens), length))[0])
    cut = cut_after_last_delimiter(tokens, mask)
    if cut is not None:
        sequences.append(cut[::-1].copy())
        for k in sorted({1, *scales.sentences_per_block}):
            sequences.append(reverse_blocks(cut, sentence_block_lengths(cut, mask, k))[0])
    distinct = {s.tobytes(): s for s in sequences if not np.array_equal(s, tokens) and not (cut is not None and np.array_equal(s, cut))}
    return list(distinct.values()), cut


def time_bare(
    model, n_samples: int, n_steps: int, scales: BlockScales, seed: int, chunk_size: int, rescore_forward: bool
) -> float:
    start = time.perf_counter()
    mask = model.sentence_end_mask
    for first in range(0, n_samples, chunk_size):
        batch = model.sample_indices(range(first, min(first + chunk_size, n_samples)), n_steps, seed=seed)
        to_score = []
        for tokens in batch.sequences:
            reversals, cut = reversed_sequences(np.asarray(tokens), mask, scales)
            to_score.extend(reversals)
            if rescore_forward:
                to_score.append(np.asarray(tokens))
                if cut is not None and len(cut) < len(tokens):
                    to_score.append(cut)
        model.step_log_probs(to_score)
    return time.perf_counter() - start


def time_job(model, n_samples: int, n_steps: int, scales: BlockScales, seed: int, chunk_size: int) -> float:
    settings = SampleJobSettings(
        model=model.name, n_steps=n_steps, temperature=model.temperature, seed=seed, prompt=None,
        dtype="float32", context_token=None, sentences_per_block=scales.sentences_per_block,
        block_tokens=scales.block_tokens,
    )
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run_sample_job(model, n_samples, Path(folder) / "run", settings, chunk_size=chunk_size)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("-n", "--n-samples", type=int, default=32)
    parser.add_argument("-T", "--n-tokens", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-size", type=int, default=32, help="samples drawn and scored together (the job's default is 32)")
    args = parser.parse_args()

    model = load_language_model(args.model, batch_size=16)
    chunk = args.chunk_size
    print(f"model {args.model}, N = {args.n_samples}, T = {args.n_tokens}, chunks of {args.chunk_size}, "
          f"best of {args.repeats}")
    print(f"{'blocks':<26} {'job s':>8} {'bare s':>8} {'rescore s':>10} {'job/bare':>9} {'job/rescore':>12}")
    for name, scales in SETTINGS.items():
        times = {"job": [], "bare": [], "rescore": []}
        for _ in range(args.repeats):
            times["bare"].append(time_bare(model, args.n_samples, args.n_tokens, scales, args.seed, chunk, False))
            times["job"].append(time_job(model, args.n_samples, args.n_tokens, scales, args.seed, chunk))
            times["rescore"].append(time_bare(model, args.n_samples, args.n_tokens, scales, args.seed, chunk, True))
        job, bare, rescore = (min(times[k]) for k in ("job", "bare", "rescore"))
        print(f"{name:<26} {job:8.1f} {bare:8.1f} {rescore:10.1f} {job / bare:9.3f} {job / rescore:12.3f}", flush=True)


if __name__ == "__main__":
    main()
