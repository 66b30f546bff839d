"""Small models for the sampling tests: a tiny random GPT-2 and a Markov chain.

Both implement the language-model protocol of `seqtherm.models.protocol`, so the
estimators run on them exactly as on a real model, in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqtherm.models.protocol import SampleBatch

CHARACTERS = ["a", "b", " c", ".", "?"]


class CharacterTokenizer:
    """A tokenizer over a few fixed strings; characters outside them are dropped."""

    def __init__(self, pieces: Sequence[str] = CHARACTERS) -> None:
        self.pieces = list(pieces)

    def __len__(self) -> int:
        return len(self.pieces)

    def __call__(self, text: str, add_special_tokens: bool = False) -> dict:
        ids = []
        position = 0
        while position < len(text):
            for token_id, piece in sorted(enumerate(self.pieces), key=lambda item: -len(item[1])):
                if text.startswith(piece, position):
                    ids.append(token_id)
                    position += len(piece)
                    break
            else:
                position += 1
        return {"input_ids": ids}

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.pieces[int(i)] for i in ids)


def tiny_gpt2(*, temperature: float = 1.0, dtype: str = "float64", n_positions: int = 16, seed: int = 0, batch_size: int = 64):
    """A one-layer GPT-2 with a 5-token vocabulary and peaked random weights."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from seqtherm.models.hf import CausalLMAdapter

    torch.manual_seed(seed)
    config = GPT2Config(
        n_layer=1, n_head=2, n_embd=16, vocab_size=len(CHARACTERS), n_positions=n_positions,
        initializer_range=0.6, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )
    model = GPT2LMHeadModel(config)
    return CausalLMAdapter(
        model, CharacterTokenizer(), name="tiny-gpt2", context_ids=[0],
        temperature=temperature, batch_size=batch_size, dtype=dtype,
    )


class MarkovChainModel:
    """A first-order Markov chain over token ids as a language model.

    The summary h_t is the last token, ln p(y_1) = ln initial[y_1], and
    ln p(y_{t+1} | y_t) = ln kernel[y_t, y_{t+1}]. Temperature tau raises the kernel
    and the initial law to the power 1 / tau and renormalises them.
    """

    def __init__(self, kernel: np.ndarray, initial: np.ndarray, *, temperature: float = 1.0, sentence_ends=()) -> None:
        self.base_kernel = np.asarray(kernel, dtype=np.float64)
        self.base_initial = np.asarray(initial, dtype=np.float64)
        self.temperature = float(temperature)
        tempered = self.base_kernel ** (1.0 / self.temperature)
        self.kernel = tempered / tempered.sum(axis=1, keepdims=True)
        initial_tempered = self.base_initial ** (1.0 / self.temperature)
        self.initial = initial_tempered / initial_tempered.sum()
        self.name = "markov-chain"
        self.source: dict = {}
        self._sentence_ends = tuple(sentence_ends)

    @property
    def max_length(self) -> int | None:
        return None

    @property
    def sentence_end_mask(self) -> np.ndarray:
        mask = np.zeros(len(self.initial), dtype=bool)
        mask[list(self._sentence_ends)] = True
        return mask

    def encode(self, text: str) -> np.ndarray:
        return np.array([int(c) for c in text if c.isdigit()], dtype=np.int64)

    def decode(self, token_ids: Sequence[int]) -> str:
        return "".join(str(int(i)) for i in token_ids)

    def with_temperature(self, temperature: float) -> MarkovChainModel:
        return MarkovChainModel(self.base_kernel, self.base_initial, temperature=temperature, sentence_ends=self._sentence_ends)

    def step_log_probs(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        results = []
        for sequence in sequences:
            sequence = np.asarray(sequence, dtype=np.int64)
            steps = np.empty(len(sequence))
            steps[0] = np.log(self.initial[sequence[0]])
            steps[1:] = np.log(self.kernel[sequence[:-1], sequence[1:]])
            results.append(steps)
        return results

    def sample(self, n_samples: int, n_steps: int, *, seed: int) -> SampleBatch:
        return self.sample_indices(range(n_samples), n_steps, seed=seed)

    def sample_indices(self, sample_indices: Sequence[int], n_steps: int, *, seed: int) -> SampleBatch:
        sequences, log_probs = [], []
        n_states = len(self.initial)
        for i in sample_indices:
            rng = np.random.default_rng([seed, i])
            sequence = np.empty(n_steps, dtype=np.int64)
            sequence[0] = rng.choice(n_states, p=self.initial)
            for t in range(1, n_steps):
                sequence[t] = rng.choice(n_states, p=self.kernel[sequence[t - 1]])
            sequences.append(sequence)
            log_probs.append(self.step_log_probs([sequence])[0])
        return SampleBatch(sequences=sequences, step_log_probs=log_probs)


def ring_kernel(forward: float, backward: float) -> np.ndarray:
    """Kernel of the 3-state ring: i -> i+1 with `forward`, i -> i-1 with `backward`."""
    kernel = np.zeros((3, 3))
    for state in range(3):
        kernel[state, (state + 1) % 3] = forward
        kernel[state, (state - 1) % 3] = backward
        kernel[state, state] = 1.0 - forward - backward
    return kernel
