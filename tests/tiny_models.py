"""Tiny models built in temporary folders for the architecture tests."""

from __future__ import annotations

from pathlib import Path

import torch

CHARACTERS = " .!?abcdefgh"


def character_tokenizer(characters: str = CHARACTERS):
    """A fast tokenizer with one token per character and <|endoftext|> as id 0."""
    from tokenizers import Tokenizer, decoders, models
    from transformers import PreTrainedTokenizerFast

    vocab = {"<|endoftext|>": 0, **{c: i + 1 for i, c in enumerate(characters)}}
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token=None))
    backend.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|endoftext|>", bos_token="<|endoftext|>")


def save_tiny_mamba(folder: Path, seed: int = 0) -> Path:
    """Save a randomly initialised two-layer Mamba with a character tokenizer."""
    from transformers import MambaConfig, MambaForCausalLM

    tokenizer = character_tokenizer()
    torch.manual_seed(seed)
    config = MambaConfig(
        vocab_size=len(tokenizer), hidden_size=16, state_size=4, num_hidden_layers=2, expand=2,
        conv_kernel=3, bos_token_id=0, eos_token_id=0, pad_token_id=0,
    )
    MambaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
