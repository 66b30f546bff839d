"""The language-model adapter of seqtherm's own recurrent and state-space networks.

A network here maps input ids (batch, time) and an optional state to logits
(batch, time, n_symbols) and the state after the last input. The input at step t is
y_t, with y_0 the start symbol, and the logits at step t give p(y_{t+1} | h_t):

    ln P_fwd(y_1..y_T) = sum_{t=0}^{T-1} ln softmax(z_t / tau)[y_{t+1}]

Scoring runs the network once over the whole sequence. Sampling runs it one step at
a time and carries the state. Both paths compute the same function, because the
networks are causal and take no position input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from seqtherm.errors import InvalidInputError
from seqtherm.models.protocol import SampleBatch
from seqtherm.models.sampling import draw_inverse_cdf, sample_uniforms
from seqtherm.models.token_checks import check_temperature, check_token_sequence, with_temperature
from seqtherm.models.vocabulary import CharacterVocabulary

DTYPES = {"float32": torch.float32, "float64": torch.float64}


class StatefulLanguageModel:
    """A recurrent or state-space network with its vocabulary, scored and sampled at tau.

    Args:
        network: a `RecurrentNetwork` or `LinearSSMNetwork` (any module with the
            forward signature described in this module).
        vocabulary: the characters the network emits, in output order.
        name: how the model is named in results (usually the checkpoint path).
        temperature: tau of p_tau = softmax(z / tau), used for scoring and sampling.
        batch_size: sequences per forward pass.
        dtype: "float32" or "float64" for the weights and the log-softmax.
        source: where the weights came from (checkpoint folder and hash).
    """

    def __init__(
        self,
        network: torch.nn.Module,
        vocabulary: CharacterVocabulary,
        *,
        name: str,
        temperature: float = 1.0,
        batch_size: int = 64,
        dtype: str = "float32",
        source: dict | None = None,
    ) -> None:
        if dtype not in DTYPES:
            raise InvalidInputError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
        if batch_size < 1:
            raise InvalidInputError(f"batch size must be at least 1, got {batch_size}")
        if network.n_symbols != vocabulary.n_symbols:
            raise InvalidInputError(
                f"the network emits {network.n_symbols} symbols but the vocabulary has "
                f"{vocabulary.n_symbols}; load the vocabulary saved with these weights"
            )
        self.network = network.to(DTYPES[dtype]).eval()
        self.vocabulary = vocabulary
        self.name = name
        self.temperature = check_temperature(temperature)
        self.batch_size = int(batch_size)
        self.dtype = dtype
        self.source = dict(source or {})

    @property
    def architecture(self) -> str:
        """The network family: elman, gru, lstm or linear_ssm."""
        return self.network.architecture

    @property
    def vocab_size(self) -> int:
        """Number of symbols the model emits (the start symbol excluded)."""
        return self.vocabulary.n_symbols

    @property
    def max_length(self) -> None:
        """None: a recurrent summary has no context window."""
        return None

    @property
    def sentence_end_mask(self) -> np.ndarray:
        """Boolean mask over ids: the character is '.', '!' or '?'."""
        return self.vocabulary.sentence_end_mask()

    def encode(self, text: str) -> np.ndarray:
        """Map each character to its id; raises `InvalidInputError` on unknown characters."""
        return self.vocabulary.encode(text)

    def decode(self, token_ids: Sequence[int]) -> str:
        """Join the characters of the given ids (the exact inverse of `encode`)."""
        return self.vocabulary.decode(token_ids)

    def with_temperature(self, temperature: float) -> StatefulLanguageModel:
        """Return an adapter that shares the weights but scores and samples at another tau."""
        return with_temperature(self, temperature)

    def _check_sequence(self, sequence: np.ndarray, index: int) -> np.ndarray:
        return check_token_sequence(sequence, index, vocab_size=self.vocab_size, name=self.name)

    @torch.inference_mode()
    def step_log_probs(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Compute ln p_tau(y_t | h_{t-1}) for every token of every sequence; float64 nats.

        Sequences are sorted by length and right-padded; a causal network's outputs at
        the real positions do not depend on the padding after them.
        """
        checked = [self._check_sequence(s, i) for i, s in enumerate(sequences)]
        results: list[np.ndarray | None] = [None] * len(checked)
        order = sorted(range(len(checked)), key=lambda i: -len(checked[i]))
        start_id = self.vocabulary.start_id

        for first in range(0, len(order), self.batch_size):
            batch = order[first : first + self.batch_size]
            n_tokens = len(checked[batch[0]])
            targets = torch.zeros((len(batch), n_tokens), dtype=torch.long)
            for row, index in enumerate(batch):
                targets[row, : len(checked[index])] = torch.from_numpy(checked[index])
            inputs = torch.cat([torch.full((len(batch), 1), start_id, dtype=torch.long), targets[:, :-1]], dim=1)

            logits, _ = self.network(inputs)
            logits = logits / self.temperature
            log_probs = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)
            for row, index in enumerate(batch):
                results[index] = log_probs[row, : len(checked[index])].to(torch.float64).numpy()
        return results  # type: ignore[return-value]

    def sample(self, n_samples: int, n_steps: int, *, seed: int) -> SampleBatch:
        """Draw `n_samples` sequences of `n_steps` characters; sample i depends only on (seed, i)."""
        return self.sample_indices(range(n_samples), n_steps, seed=seed)

    @torch.inference_mode()
    def sample_indices(self, sample_indices: Sequence[int], n_steps: int, *, seed: int) -> SampleBatch:
        """Draw the samples with the given indices by inverse CDF from their own uniform streams."""
        if n_steps < 1:
            raise InvalidInputError(f"number of tokens T must be at least 1, got {n_steps}")
        sample_indices = list(sample_indices)
        sequences: list[np.ndarray] = []
        log_probs: list[np.ndarray] = []
        for first in range(0, len(sample_indices), self.batch_size):
            uniforms = sample_uniforms(seed, sample_indices[first : first + self.batch_size], n_steps)
            tokens, token_log_probs = self._sample_batch(uniforms)
            sequences.extend(tokens)
            log_probs.extend(token_log_probs)
        return SampleBatch(sequences=sequences, step_log_probs=log_probs)

    def _sample_batch(self, uniforms: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        n_batch, n_steps = uniforms.shape
        inputs = torch.full((n_batch, 1), self.vocabulary.start_id, dtype=torch.long)
        state = None
        tokens = np.zeros((n_batch, n_steps), dtype=np.int64)
        token_log_probs = np.zeros((n_batch, n_steps), dtype=np.float64)
        for t in range(n_steps):
            logits, state = self.network(inputs, state)
            logits = logits[:, -1] / self.temperature
            # The same arithmetic as `step_log_probs`, so a separate scoring pass agrees.
            log_p = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
            drawn, drawn_log_p = draw_inverse_cdf(log_p, uniforms[:, t])
            tokens[:, t] = drawn.squeeze(-1).numpy()
            token_log_probs[:, t] = drawn_log_p.numpy()
            inputs = drawn
        return list(tokens), list(token_log_probs)
