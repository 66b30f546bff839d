"""The Hugging Face adapter against a direct float64 computation on tiny random models."""

import numpy as np
import pytest
import torch

from seqtherm.errors import InvalidInputError
from seqtherm.models import LanguageModel, path_log_probs
from seqtherm.models.hf import CausalLMAdapter

from conftest import WORDS, make_tiny_llama

# float64 throughout, so batched and unbatched results agree to round-off.
ATOL = 1e-10


def direct_step_log_probs(model, context_ids, sequence, temperature=1.0):
    """ln p(y_t | context, y_<t) from one unpadded float64 forward pass."""
    input_ids = torch.tensor([list(context_ids) + list(sequence)])
    with torch.no_grad():
        logits = model(input_ids=input_ids).logits[0].to(torch.float64) / temperature
    log_probs = torch.log_softmax(logits, dim=-1)
    n_context = len(context_ids)
    rows = torch.arange(n_context - 1, n_context - 1 + len(sequence))
    return log_probs[rows, torch.tensor(sequence)].numpy()


def random_sequences(n, vocab, rng, min_len=1, max_len=12):
    return [rng.integers(0, vocab, size=int(rng.integers(min_len, max_len + 1))) for _ in range(n)]


def test_adapter_implements_language_model(tiny_adapter):
    assert isinstance(tiny_adapter, LanguageModel)


def test_step_log_probs_match_direct_computation(tiny_adapter):
    rng = np.random.default_rng(0)
    sequences = random_sequences(7, len(WORDS), rng)
    batched = tiny_adapter.step_log_probs(sequences)
    for sequence, result in zip(sequences, batched):
        expected = direct_step_log_probs(tiny_adapter.model, [0], sequence)
        assert result.shape == (len(sequence),)
        assert result.dtype == np.float64
        np.testing.assert_allclose(result, expected, atol=ATOL, rtol=0)


def test_batch_size_does_not_change_results(tiny_adapter):
    rng = np.random.default_rng(1)
    sequences = random_sequences(9, len(WORDS), rng)
    reference = tiny_adapter.step_log_probs(sequences)
    for batch_size in (1, 4, 20):
        adapter = CausalLMAdapter(
            tiny_adapter.model, tiny_adapter.tokenizer, name="b", context_ids=[0], dtype="float64", batch_size=batch_size
        )
        for a, b in zip(adapter.step_log_probs(sequences), reference):
            np.testing.assert_allclose(a, b, atol=ATOL, rtol=0)


def test_temperature_divides_logits(tiny_adapter):
    sequence = np.array([2, 3, 4, 16])
    hot = tiny_adapter.with_temperature(2.5)
    assert hot.temperature == 2.5
    assert tiny_adapter.temperature == 1.0
    expected = direct_step_log_probs(tiny_adapter.model, [0], sequence, temperature=2.5)
    np.testing.assert_allclose(hot.step_log_probs([sequence])[0], expected, atol=ATOL, rtol=0)


def test_multi_token_context(word_tokenizer):
    model = make_tiny_llama(len(WORDS), seed=3)
    adapter = CausalLMAdapter(model, word_tokenizer, name="ctx", context_ids=[0, 2, 3], dtype="float64")
    sequence = np.array([4, 5, 6])
    expected = direct_step_log_probs(model, [0, 2, 3], sequence)
    np.testing.assert_allclose(adapter.step_log_probs([sequence])[0], expected, atol=ATOL, rtol=0)
    assert adapter.max_length == 64 - 3


def test_float32_close_to_float64(tiny_adapter, word_tokenizer):
    model32 = make_tiny_llama(len(WORDS)).to(torch.float32)
    adapter32 = CausalLMAdapter(model32, word_tokenizer, name="f32", context_ids=[0], dtype="float32")
    sequences = random_sequences(4, len(WORDS), np.random.default_rng(2))
    # Rounding of float32 logits of size ~100 accumulates to about 1e-4 nats per sequence.
    np.testing.assert_allclose(path_log_probs(adapter32, sequences), path_log_probs(tiny_adapter, sequences), atol=1e-3)


def test_sampling_log_probs_equal_scoring_pass(tiny_adapter):
    batch = tiny_adapter.sample(6, 8, seed=11)
    assert len(batch.sequences) == 6
    rescored = tiny_adapter.step_log_probs(batch.sequences)
    for sequence, recorded, scored in zip(batch.sequences, batch.step_log_probs, rescored):
        assert sequence.shape == (8,)
        np.testing.assert_allclose(recorded, scored, atol=ATOL, rtol=0)


def test_sample_depends_only_on_seed_and_index(tiny_adapter):
    full = tiny_adapter.sample(5, 6, seed=4)
    subset = tiny_adapter.sample_indices([3, 1], 6, seed=4)
    assert np.array_equal(subset.sequences[0], full.sequences[3])
    assert np.array_equal(subset.sequences[1], full.sequences[1])
    other_seed = tiny_adapter.sample(5, 6, seed=5)
    assert any(not np.array_equal(a, b) for a, b in zip(full.sequences, other_seed.sequences))


def test_sampling_frequencies_match_model(tiny_adapter):
    # First-token frequencies over 4000 draws against p(y_1 | context), within 4.5 standard errors.
    hot = tiny_adapter.with_temperature(3.0)
    batch = hot.sample(4000, 1, seed=0)
    first = np.array([s[0] for s in batch.sequences])
    probabilities = np.exp([hot.step_log_probs([np.array([v])])[0][0] for v in range(len(WORDS))])
    assert abs(probabilities.sum() - 1.0) < 1e-12
    counts = np.bincount(first, minlength=len(WORDS))
    standard_errors = np.sqrt(probabilities * (1 - probabilities) / len(first))
    assert np.all(np.abs(counts / len(first) - probabilities) <= 4.5 * standard_errors + 1e-12)


@pytest.mark.parametrize(
    ("sequence", "message"),
    [
        (np.array([], dtype=np.int64), "empty"),
        (np.array([1, 2, 99]), "outside"),
        (np.array([1.5, 2.0]), "integer"),
        (np.zeros(64, dtype=np.int64), "context window"),
    ],
)
def test_invalid_sequences_raise(tiny_adapter, sequence, message):
    with pytest.raises(InvalidInputError, match=message):
        tiny_adapter.step_log_probs([sequence])


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan"), float("inf")])
def test_invalid_temperature_raises(tiny_adapter, temperature):
    with pytest.raises(InvalidInputError, match="temperature"):
        tiny_adapter.with_temperature(temperature)


def test_sentence_end_mask_on_gpt2_vocabulary(gpt2_tokenizer):
    model = make_tiny_llama(len(gpt2_tokenizer), hidden_size=8)
    adapter = CausalLMAdapter(model, gpt2_tokenizer, name="gpt2-bpe", context_ids=[50256], dtype="float64")
    mask = adapter.sentence_end_mask
    vocab = gpt2_tokenizer.get_vocab()
    for token in [".", "!", "?", "Ġ.", "?!", "..."]:
        assert mask[vocab[token]], token
    # The rule looks at the last character only, so a closing quote hides the period.
    for token in ["Ġthe", ",", ".\"", "Ċ", "com"]:
        assert not mask[vocab[token]], token
    # Decoded strings ending in a delimiter after right-stripping whitespace count too.
    ids = gpt2_tokenizer("It rained.\nThen", add_special_tokens=False)["input_ids"]
    assert mask[ids].sum() >= 1


def test_unknown_device_raises(word_tokenizer):
    with pytest.raises(InvalidInputError, match="device 'nowhere' is not available"):
        CausalLMAdapter(make_tiny_llama(len(WORDS)), word_tokenizer, name="d", context_ids=[0], device="nowhere")
