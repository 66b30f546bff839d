"""Scoring given texts: sigma against direct sums, both segmentation policies, bad input."""

import numpy as np
import pytest

from seqtherm.errors import InvalidInputError
from seqtherm.estimators.texts import BlockOptions, TextInput, score_texts
from seqtherm.models.hf import CausalLMAdapter
from seqtherm.reversal import reverse_blocks, split_blocks
from seqtherm.segmentation import (
    cut_after_last_delimiter,
    delimiter_block_lengths,
    sentence_token_blocks,
    split_sentences,
)

from conftest import WORDS, make_tiny_llama

ATOL = 1e-10
TEXT = "the cat sat on the mat . it slept ! the dog ran ."


def total(adapter, sequence):
    return float(adapter.step_log_probs([np.asarray(sequence)])[0].sum())


def test_delimiter_blocks_on_word_tokens(tiny_adapter):
    tokens = tiny_adapter.encode(TEXT)
    lengths = delimiter_block_lengths(tokens, tiny_adapter.sentence_end_mask)
    assert lengths.tolist() == [7, 3, 4]
    blocks = split_blocks(tokens, lengths)
    assert [tiny_adapter.decode(b) for b in blocks] == ["the cat sat on the mat .", "it slept !", "the dog ran ."]


def test_delimiter_blocks_keep_trailing_tokens():
    mask = np.zeros(10, dtype=bool)
    mask[9] = True
    assert delimiter_block_lengths(np.array([1, 9, 2, 3]), mask).tolist() == [2, 2]
    assert delimiter_block_lengths(np.array([1, 2, 3]), mask).tolist() == [3]
    assert delimiter_block_lengths(np.array([9, 9]), mask).tolist() == [1, 1]


def test_cut_after_last_delimiter():
    mask = np.zeros(10, dtype=bool)
    mask[9] = True
    assert cut_after_last_delimiter(np.array([1, 9, 2, 9, 3, 4]), mask).tolist() == [1, 9, 2, 9]
    assert cut_after_last_delimiter(np.array([1, 2]), mask) is None


def test_split_sentences_with_pysbd():
    text = "Rain fell all night. The river rose by morning! Did the bridge hold? It did."
    assert split_sentences(text) == ["Rain fell all night.", "The river rose by morning!", "Did the bridge hold?", "It did."]


def test_sentence_blocks_share_leading_space(gpt2_tokenizer):
    encode = lambda text: np.array(gpt2_tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
    blocks = sentence_token_blocks("Rain fell. The river rose.", encode)
    decoded = [gpt2_tokenizer.decode(b) for b in blocks]
    assert decoded == [" Rain fell.", " The river rose."]
    # Block reversal then reads as naturally written text: no seam.
    reversed_tokens, _ = reverse_blocks(np.concatenate(blocks), [len(b) for b in blocks])
    assert gpt2_tokenizer.decode(reversed_tokens) == " The river rose. Rain fell."


def test_delimiter_policy_seam_on_gpt2_tokens(gpt2_tokenizer):
    # On the text's own tokens the reversed sequence starts with a space and loses one.
    tokens = np.array(gpt2_tokenizer("Rain fell. The river rose.", add_special_tokens=False)["input_ids"])
    vocab_strings = {i: gpt2_tokenizer.decode([i]) for i in set(tokens.tolist())}
    mask = np.zeros(len(gpt2_tokenizer), dtype=bool)
    for i, s in vocab_strings.items():
        mask[i] = s.rstrip().endswith((".", "!", "?"))
    reversed_tokens, _ = reverse_blocks(tokens, delimiter_block_lengths(tokens, mask))
    assert gpt2_tokenizer.decode(reversed_tokens) == " The river rose.Rain fell."


def test_sigma_matches_direct_sums(tiny_adapter):
    scores = score_texts(tiny_adapter, [TEXT]).scores[0]
    tokens = tiny_adapter.encode(TEXT)
    lengths = delimiter_block_lengths(tokens, tiny_adapter.sentence_end_mask)
    forward = total(tiny_adapter, tokens)
    token_reversed = total(tiny_adapter, tokens[::-1])
    block_reversed = total(tiny_adapter, reverse_blocks(tokens, lengths)[0])

    assert scores.n_tokens == len(tokens)
    assert scores.n_blocks == 3
    assert not scores.no_delimiter
    assert scores.path_log_prob == pytest.approx(forward, abs=ATOL)
    assert scores.path_log_prob_token_reversed == pytest.approx(token_reversed, abs=ATOL)
    assert scores.path_log_prob_block_reversed == pytest.approx(block_reversed, abs=ATOL)
    assert scores.sigma_token == pytest.approx(forward - token_reversed, abs=ATOL)
    assert scores.sigma_block == pytest.approx(forward - block_reversed, abs=ATOL)
    assert scores.sigma_token_per_token == pytest.approx((forward - token_reversed) / len(tokens), abs=ATOL)
    assert scores.sigma_block_per_token == pytest.approx((forward - block_reversed) / len(tokens), abs=ATOL)
    assert scores.seam_cost == pytest.approx(scores.sigma_block_delimiter - scores.sigma_block_sentences, abs=ATOL)


def test_sentences_policy_scores_sentence_tokens(tiny_adapter):
    # The word tokenizer ignores whitespace, so pysbd's sentences give the same tokens.
    text = "the cat sat. it slept. the dog ran."
    score = score_texts(tiny_adapter, [text], options=BlockOptions("sentences")).scores[0]
    blocks = sentence_token_blocks(text, tiny_adapter.encode)
    tokens = np.concatenate(blocks)
    expected = total(tiny_adapter, tokens) - total(tiny_adapter, np.concatenate(blocks[::-1]))
    assert score.n_blocks == 3
    assert score.sigma_block == pytest.approx(expected, abs=ATOL)
    assert score.sigma_block_sentences == pytest.approx(expected, abs=ATOL)


def test_text_without_delimiter_has_zero_block_sigma(tiny_adapter):
    score = score_texts(tiny_adapter, ["the cat sat on the mat"]).scores[0]
    assert score.no_delimiter
    assert score.n_blocks == 1
    assert score.sigma_block == 0.0
    assert score.sigma_token != 0.0


def test_sentences_per_block_and_fixed_blocks(tiny_adapter):
    tokens = tiny_adapter.encode(TEXT)
    merged = score_texts(tiny_adapter, [TEXT], options=BlockOptions(sentences_per_block=2)).scores[0]
    expected = total(tiny_adapter, tokens) - total(tiny_adapter, reverse_blocks(tokens, [10, 4])[0])
    assert merged.n_blocks == 2
    assert merged.sigma_block == pytest.approx(expected, abs=ATOL)

    fixed = score_texts(tiny_adapter, [TEXT], options=BlockOptions(block_tokens=5)).scores[0]
    expected = total(tiny_adapter, tokens) - total(tiny_adapter, reverse_blocks(tokens, [5, 5, 4])[0])
    assert fixed.n_blocks == 3
    assert fixed.sigma_block == pytest.approx(expected, abs=ATOL)


def test_token_level_only_leaves_block_columns_empty(tiny_adapter):
    score = score_texts(tiny_adapter, [TEXT], levels=["token"]).scores[0]
    assert np.isfinite(score.sigma_token)
    assert np.isnan(score.sigma_block)


def test_results_do_not_depend_on_chunking(tiny_adapter):
    texts = [TEXT, "the rain fell .", "a river rose ! it slept .", "the mat"]
    single = score_texts(tiny_adapter, texts, chunk_size=1).to_pandas()
    many = score_texts(tiny_adapter, texts, chunk_size=10).to_pandas()
    np.testing.assert_allclose(single["sigma_block"], many["sigma_block"], atol=ATOL)
    assert list(single.columns[:3]) == ["group", "index", "n_tokens"]


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ([], "empty"),
        (["   "], "empty"),
        ([TextInput("g", 3, "")], "text 3 of group 'g' is empty"),
    ],
)
def test_bad_texts_raise(tiny_adapter, texts, message):
    with pytest.raises(InvalidInputError, match=message):
        score_texts(tiny_adapter, texts)


def test_too_long_text_rejected_with_both_lengths(word_tokenizer):
    adapter = CausalLMAdapter(make_tiny_llama(len(WORDS)), word_tokenizer, name="short", context_ids=[0], dtype="float64")
    long_text = " ".join(["the cat sat ."] * 20)
    with pytest.raises(InvalidInputError, match=r"has 80 tokens, more than the 63 tokens"):
        score_texts(adapter, [long_text])


@pytest.mark.parametrize(
    "options",
    [
        dict(segmenter="words"),
        dict(sentences_per_block=0),
        dict(block_tokens=0),
    ],
)
def test_invalid_block_options(options):
    with pytest.raises(InvalidInputError):
        BlockOptions(**options)


def test_invalid_levels(tiny_adapter):
    with pytest.raises(InvalidInputError, match="levels"):
        score_texts(tiny_adapter, [TEXT], levels=["paragraph"])
