"""Hugging Face causal language models behind the model protocol.

The summary h_t of a Transformer is its context representation, and the kernel is
p_tau(y | h_t) = softmax(z_t / tau) over the vocabulary. Every sequence is scored after
the same fixed context tokens (by default one `<|endoftext|>` or `<bos>` token), so the
forward and the reversed sequence start from the same initial summary h_0.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from functools import cached_property

import numpy as np
import torch

from seqtherm.errors import InvalidInputError
from seqtherm.models.protocol import SampleBatch
from seqtherm.models.sampling import draw_inverse_cdf, sample_uniforms
from seqtherm.models.token_checks import check_temperature, check_token_sequence, with_temperature

logger = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "float64": torch.float64}

SENTENCE_END = (".", "!", "?")


def _cache_argument_name() -> str:
    # transformers 5 renamed the key-value cache argument and output from
    # `past_key_values` to `cache`; the old name still works there but warns.
    from transformers.modeling_outputs import CausalLMOutputWithPast

    return "cache" if "cache" in CausalLMOutputWithPast.__dataclass_fields__ else "past_key_values"


_CACHE_ARGUMENT = _cache_argument_name()


class CausalLMAdapter:
    """A causal language model and its tokenizer, scored and sampled at temperature tau.

    Args:
        model: any `transformers` causal LM (`AutoModelForCausalLM`).
        tokenizer: its tokenizer; texts are encoded without special tokens.
        name: how the model is named in results (a registry name, path or hub id).
        context_ids: token ids placed before every sequence (h_0).
        temperature: tau of p_tau = softmax(z / tau), used for scoring and sampling.
        batch_size: sequences per teacher-forced scoring pass.
        sample_batch_size: sequences drawn together; default max(batch_size, 64). A
            sampling step reads every weight for one token per sequence, so on a CPU
            larger sampling batches cost little more per step than small ones.
        dtype: "float32" or "float64" for the weights and the log-softmax.
        source: free-form description of where the weights came from (file and hash).
        device: torch device for the forward passes, e.g. "cpu" or "cuda".

    NOTE: the test suite runs on CPU only; the "cuda" path has not been run.
    """

    def __init__(
        self,
        model,
        tokenizer,
        *,
        name: str,
        context_ids: Sequence[int],
        temperature: float = 1.0,
        batch_size: int = 16,
        sample_batch_size: int | None = None,
        dtype: str = "float32",
        source: dict | None = None,
        device: str = "cpu",
    ) -> None:
        if dtype not in DTYPES:
            raise InvalidInputError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
        if batch_size < 1:
            raise InvalidInputError(f"batch size must be at least 1, got {batch_size}")
        if len(context_ids) < 1:
            raise InvalidInputError("the context must contain at least one token (for example <|endoftext|>)")
        try:
            self.device = torch.device(device)
            self.model = model.to(device=self.device, dtype=DTYPES[dtype]).eval()
        except (RuntimeError, AssertionError) as error:  # torch raises both for a missing device
            raise InvalidInputError(f"device {device!r} is not available: {error}; use --device cpu") from error
        self.tokenizer = tokenizer
        self.name = name
        self.context_ids = [int(i) for i in context_ids]
        self.temperature = check_temperature(temperature)
        self.batch_size = int(batch_size)
        self.sample_batch_size = int(sample_batch_size or max(batch_size, 64))
        if self.sample_batch_size < 1:
            raise InvalidInputError(f"sample batch size must be at least 1, got {sample_batch_size}")
        self.dtype = dtype
        self.source = dict(source or {})

    # -- vocabulary and text -------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """Number of rows of the output layer (can exceed the tokenizer's vocabulary)."""
        return int(self.model.get_output_embeddings().weight.shape[0])

    @property
    def max_length(self) -> int | None:
        """Largest number of tokens a sequence may have after the context, or None if unbounded."""
        config = self.model.config
        for attribute in ("max_position_embeddings", "n_positions", "max_sequence_length"):
            window = getattr(config, attribute, None)
            if isinstance(window, int) and window > 0:
                return window - len(self.context_ids)
        return None

    def encode(self, text: str) -> np.ndarray:
        """Tokenise a text without special tokens; shape (n_tokens,), int64."""
        return np.asarray(self.tokenizer(text, add_special_tokens=False)["input_ids"], dtype=np.int64)

    def decode(self, token_ids: Sequence[int]) -> str:
        """Turn token ids back into text (not an exact inverse of `encode`)."""
        return self.tokenizer.decode([int(i) for i in token_ids])

    @cached_property
    def token_strings(self) -> list[str]:
        """The decoded string of every token id, in id order; ids the tokenizer lacks map to ''."""
        n_known = len(self.tokenizer)
        return [self.tokenizer.decode([i]) if i < n_known else "" for i in range(self.vocab_size)]

    @cached_property
    def sentence_end_mask(self) -> np.ndarray:
        """Boolean mask over the vocabulary: the decoded token, right-stripped, ends with . ! or ?"""
        return np.array([s.rstrip().endswith(SENTENCE_END) for s in self.token_strings], dtype=bool)

    def with_temperature(self, temperature: float) -> CausalLMAdapter:
        """Return an adapter that shares the weights but scores and samples at another tau."""
        return with_temperature(self, temperature)

    def with_prompt(self, prompt_ids: Sequence[int]) -> CausalLMAdapter:
        """Return an adapter that places `prompt_ids` after the context before every sequence.

        The prompt conditions every sample and every scored sequence, reversed ones
        included, and is not part of them: it extends the initial summary h_0.
        """
        prompt_ids = [int(i) for i in prompt_ids]
        if any(i < 0 or i >= self.vocab_size for i in prompt_ids):
            raise InvalidInputError(f"prompt token ids must lie in [0, {self.vocab_size}), got {prompt_ids}")
        clone = copy.copy(self)
        clone.context_ids = self.context_ids + prompt_ids
        return clone

    # -- scoring ---------------------------------------------------------------------

    def _check_sequence(self, sequence: np.ndarray, index: int) -> np.ndarray:
        return check_token_sequence(
            sequence, index, vocab_size=self.vocab_size, name=self.name, max_length=self.max_length
        )

    @torch.inference_mode()
    def step_log_probs(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Compute ln p_tau(y_t | context, y_1..y_{t-1}) for every token of every sequence.

        Sequences are sorted by length and batched with right padding, so the real tokens
        never attend to padding and their position ids are 0, 1, 2, ... as when scored
        alone. Returns float64 arrays of shape (n_tokens,), in nats.
        """
        checked = [self._check_sequence(s, i) for i, s in enumerate(sequences)]
        results: list[np.ndarray | None] = [None] * len(checked)
        order = sorted(range(len(checked)), key=lambda i: -len(checked[i]))
        n_context = len(self.context_ids)
        compute_dtype = DTYPES[self.dtype]

        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            n_tokens = len(checked[batch[0]])
            input_ids = torch.full((len(batch), n_context + n_tokens), self.context_ids[0], dtype=torch.long)
            attention_mask = torch.zeros_like(input_ids)
            input_ids[:, :n_context] = torch.tensor(self.context_ids)
            for row, index in enumerate(batch):
                length = len(checked[index])
                input_ids[row, n_context : n_context + length] = torch.from_numpy(checked[index])
                attention_mask[row, : n_context + length] = 1
            position_ids = torch.arange(input_ids.shape[1]).expand_as(input_ids)
            input_ids, attention_mask, position_ids = (
                t.to(self.device) for t in (input_ids, attention_mask, position_ids)
            )

            # The last token predicts nothing that is scored, so it is not fed. Position
            # n_context - 1 + t of the output then predicts token t of the sequence, and
            # with a one-token context the logits need no slicing copy.
            logits = self.model(
                input_ids=input_ids[:, :-1],
                attention_mask=attention_mask[:, :-1],
                position_ids=position_ids[:, :-1],
            ).logits[:, n_context - 1 :]
            log_probs = self._target_log_probs(logits, input_ids[:, n_context:], compute_dtype)

            for row, index in enumerate(batch):
                results[index] = log_probs[row, : len(checked[index])].to(torch.float64).cpu().numpy()
        return results  # type: ignore[return-value]

    def _target_log_probs(self, logits: torch.Tensor, targets: torch.Tensor, compute_dtype) -> torch.Tensor:
        """ln softmax(logits / tau)[target] for logits (batch, time, vocab) and targets (batch, time)."""
        if logits.dtype != compute_dtype:
            logits = logits.to(compute_dtype)
        if self.temperature != 1.0:
            logits = logits / self.temperature
        # cross_entropy fuses log_softmax and the gather, without a second vocabulary-sized tensor.
        negative = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none"
        )
        return -negative.view(targets.shape)

    # -- sampling --------------------------------------------------------------------

    @torch.inference_mode()
    def sample(self, n_samples: int, n_steps: int, *, seed: int) -> SampleBatch:
        """Draw sequences of `n_steps` tokens at temperature tau with a key-value cache.

        Each sample i draws its tokens by inverse-CDF sampling from its own uniform
        stream, numpy's PCG64 seeded with (seed, i). Sample i is therefore the same in
        any batch, up to float rounding of the batched logits. The
        log-probabilities of the drawn tokens are returned with them, so no second
        forward pass is needed.
        """
        return self.sample_indices(range(n_samples), n_steps, seed=seed)

    @torch.inference_mode()
    def sample_indices(self, sample_indices: Sequence[int], n_steps: int, *, seed: int) -> SampleBatch:
        """Draw the samples with the given indices (see `sample`); used to resume a run."""
        if n_steps < 1:
            raise InvalidInputError(f"number of tokens T must be at least 1, got {n_steps}")
        if self.max_length is not None and n_steps > self.max_length:
            raise InvalidInputError(
                f"T = {n_steps} tokens does not fit in the context window of {self.name} "
                f"({self.max_length} tokens after the context); choose a smaller T"
            )
        sample_indices = list(sample_indices)
        sequences: list[np.ndarray] = []
        log_probs: list[np.ndarray] = []
        for start in range(0, len(sample_indices), self.sample_batch_size):
            batch = sample_indices[start : start + self.sample_batch_size]
            uniforms = sample_uniforms(seed, batch, n_steps)
            tokens, token_log_probs = self._sample_batch(uniforms)
            sequences.extend(tokens)
            log_probs.extend(token_log_probs)
        return SampleBatch(sequences=sequences, step_log_probs=log_probs)

    def _sample_batch(self, uniforms: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        n_batch, n_steps = uniforms.shape
        compute_dtype = DTYPES[self.dtype]
        input_ids = torch.tensor([self.context_ids] * n_batch, dtype=torch.long, device=self.device)
        past = None
        tokens = np.zeros((n_batch, n_steps), dtype=np.int64)
        token_log_probs = np.zeros((n_batch, n_steps), dtype=np.float64)
        n_seen = input_ids.shape[1]
        for t in range(n_steps):
            position_ids = torch.arange(n_seen - input_ids.shape[1], n_seen, device=self.device).expand(n_batch, -1)
            output = self.model(
                input_ids=input_ids, position_ids=position_ids, use_cache=True, **{_CACHE_ARGUMENT: past}
            )
            past = output[_CACHE_ARGUMENT]
            logits = output.logits[:, -1].to(compute_dtype) / self.temperature
            # log_softmax is what cross_entropy computes in `step_log_probs`, so a
            # separate scoring pass agrees up to the rounding of the cached attention.
            log_p = torch.log_softmax(logits, dim=-1)
            drawn, drawn_log_p = draw_inverse_cdf(log_p, uniforms[:, t])
            tokens[:, t] = drawn.squeeze(-1).cpu().numpy()
            token_log_probs[:, t] = drawn_log_p.cpu().numpy()
            input_ids = drawn
            n_seen += 1
        return list(tokens), list(token_log_probs)
