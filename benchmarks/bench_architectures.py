"""Sampling and scoring throughput per architecture at about equal parameter count.

    .venv/bin/python benchmarks/bench_architectures.py [--samples 32] [--tokens 200]

Every model is untrained (throughput does not depend on the weights), has a
74-symbol vocabulary like the shipped corpus, and runs in float32 on the CPU with
torch's default thread count. Sampling draws N sequences of T tokens one step at a
time; scoring computes the step log-probabilities of the same sequences. Mamba is
scored through both of its paths.
"""

from __future__ import annotations

import argparse
import time

import torch

from seqtherm.experiments.training import count_parameters
from seqtherm.models.checkpoints import build_network
from seqtherm.models.mamba import MambaAdapter
from seqtherm.models.stateful import StatefulLanguageModel
from seqtherm.models.vocabulary import CharacterVocabulary

N_SYMBOLS = 74
RECURRENT = (
    ("elman", {"d_state": 150, "d_embed": 32, "n_layers": 1}),
    ("gru", {"d_state": 88, "d_embed": 32, "n_layers": 1}),
    ("lstm", {"d_state": 76, "d_embed": 32, "n_layers": 1}),
    ("linear_ssm", {"d_state": 160}),
)


def build_models():
    """Yield (label, adapter, parameter count) for every benchmarked architecture."""
    vocabulary = CharacterVocabulary([chr(33 + i) for i in range(N_SYMBOLS)])
    for architecture, hyperparameters in RECURRENT:
        torch.manual_seed(0)
        network = build_network(architecture, N_SYMBOLS, hyperparameters)
        label = f"{architecture}-{hyperparameters['d_state']}"
        yield label, StatefulLanguageModel(network, vocabulary, name=label, batch_size=64), count_parameters(network)

    from transformers import MambaConfig, MambaForCausalLM

    torch.manual_seed(0)
    config = MambaConfig(
        vocab_size=N_SYMBOLS + 1, hidden_size=48, state_size=8, num_hidden_layers=2, expand=2,
        conv_kernel=4, tie_word_embeddings=True, bos_token_id=0, eos_token_id=0, pad_token_id=0,
    )
    network = MambaForCausalLM(config)
    n_parameters = count_parameters(network)
    # The tokenizer is only needed for text; sampling and scoring work on ids.
    adapter = MambaAdapter(network, None, name="mamba", context_ids=[0], batch_size=64)
    yield "mamba-48 (recurrent scoring)", adapter, n_parameters
    yield "mamba-48 (parallel scoring)", adapter.with_scoring("parallel"), n_parameters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args()
    n_tokens = args.samples * args.tokens
    print(f"N = {args.samples} samples of T = {args.tokens} tokens, {torch.get_num_threads()} torch threads, float32 CPU")
    print(f"{'model':<30} {'parameters':>10} {'sample tok/s':>13} {'score tok/s':>12}")
    for label, model, n_parameters in build_models():
        clock = time.perf_counter()
        batch = model.sample(args.samples, args.tokens, seed=0)
        sampling = n_tokens / (time.perf_counter() - clock)
        clock = time.perf_counter()
        model.step_log_probs(batch.sequences)
        scoring = n_tokens / (time.perf_counter() - clock)
        print(f"{label:<30} {n_parameters:>10} {sampling:>13.0f} {scoring:>12.0f}")


if __name__ == "__main__":
    main()
