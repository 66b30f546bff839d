"""Overhead of the texts job over the bare forward passes it needs, and achieved FLOP/s.

Prints one table:

- job / bare forward passes: wall time of `run_texts_job` on 200 shipped texts (scoring,
  writing per_text.csv, statistics, figures; model already loaded) divided by the time
  of the same batched forward passes alone (target <= 1.10).
- command / bare forward passes: the same for the whole `seqtherm texts` process,
  Python start-up and model load (from the safetensors cache) included.
- model FLOP/s / matmul FLOP/s: 2 * n_parameters * n_tokens per forward pass, divided by
  the float32 FLOP/s of a 2048 x 2048 matrix product on this machine.

Run: .venv/bin/python benchmarks/bench_texts.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from seqtherm.estimators.texts import BlockOptions, prepare_text
from seqtherm.experiments.inputs import shipped_text_sets
from seqtherm.experiments.texts_job import TextsJobSettings, run_texts_job
from seqtherm.models.registry import load_language_model

N_PER_GROUP = 100


def bench_items():
    items = shipped_text_sets()
    chosen = []
    for group in ("causal_texts", "noncausal_texts"):
        chosen += [i for i in items if i.group == group][:N_PER_GROUP]
    return chosen


def unique_sequences(model, items):
    """List the distinct token sequences that the job scores, deduplicated as the job does."""
    options = BlockOptions()
    seen = {}
    for item in items:
        for sequence in prepare_text(model, item, options, ("token", "sentence")).sequences.values():
            seen.setdefault(sequence.tobytes(), sequence)
    return list(seen.values())


@torch.inference_mode()
def bare_forward_passes(model, sequences, batch_size):
    """Right-padded batches sorted by length, as the adapter builds them, and nothing else."""
    ordered = sorted(sequences, key=len, reverse=True)
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        width = 1 + len(batch[0])
        input_ids = torch.zeros((len(batch), width), dtype=torch.long)
        attention_mask = torch.zeros_like(input_ids)
        for row, sequence in enumerate(batch):
            input_ids[row, 1 : 1 + len(sequence)] = torch.from_numpy(sequence)
            attention_mask[row, : 1 + len(sequence)] = 1
        model.model(input_ids=input_ids, attention_mask=attention_mask).logits


def matmul_flops(size=2048, repeats=10):
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    start = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, b)
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def best_of(repeats, function):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    model = load_language_model(batch_size=args.batch_size)
    items = bench_items()
    sequences = unique_sequences(model, items)
    n_tokens = sum(len(s) + 1 for s in sequences)
    n_parameters = sum(p.numel() for p in model.model.parameters())
    settings = TextsJobSettings("smollm2-135m", ("token", "sentence"), "delimiter", 1, None, "float32", 1.0, None, 0)

    with tempfile.TemporaryDirectory() as folder:
        items_file = Path(folder) / "texts.json"
        groups = {}
        for item in items:
            groups.setdefault(item.group, []).append(item.text)
        items_file.write_text(json.dumps(groups))
        counter = iter(range(1000))

        def job():
            run_texts_job(model, items, Path(folder) / f"job{next(counter)}", settings)

        def command():
            subprocess.run(
                [sys.executable, "-m", "seqtherm.cli.main", "texts", str(items_file), "--out",
                 str(Path(folder) / f"cmd{next(counter)}"), "--batch-size", str(args.batch_size)],
                check=True, capture_output=True,
            )

        bare = best_of(args.repeats, lambda: bare_forward_passes(model, sequences, args.batch_size))
        job_time = best_of(args.repeats, job)
        command_time = best_of(args.repeats, command)
    peak = matmul_flops()
    achieved = 2 * n_parameters * n_tokens / bare

    print(f"texts: {len(items)}, distinct sequences scored: {len(sequences)}, tokens incl. context: {n_tokens}")
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, best of {args.repeats}")
    print()
    print(f"{'measure':<40} {'seconds':>9} {'ratio':>8} {'target':>8}")
    print(f"{'bare batched forward passes':<40} {bare:>9.2f} {1.0:>8.2f} {'':>8}")
    print(f"{'texts job (model loaded)':<40} {job_time:>9.2f} {job_time / bare:>8.2f} {'<= 1.10':>8}")
    print(f"{'seqtherm texts command (with load)':<40} {command_time:>9.2f} {command_time / bare:>8.2f} {'':>8}")
    print(f"{'model FLOP/s / matmul FLOP/s':<40} {'':>9} {achieved / peak:>8.2f} {'':>8}")
    print(f"  model {achieved / 1e9:.1f} GFLOP/s, matmul {peak / 1e9:.1f} GFLOP/s, {n_parameters / 1e6:.1f} M parameters")


if __name__ == "__main__":
    main()
