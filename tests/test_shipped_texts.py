"""Shape checks on the shipped text sets in seqtherm/data/texts.json.

Reversing the sentence order of a text needs a reliable sentence split, so
every text must split into exactly four sentences with pysbd, using the
segmenter settings below.
"""

import json
import statistics
from importlib.resources import files

import pysbd
import pytest

SET_NAMES = ["causal_texts", "noncausal_texts"]
SENTENCES_PER_TEXT = 4
MIN_TEXTS_PER_SET = 100
# Maximum relative gap between the median word counts of the two sets, so that
# a gap in measured irreversibility between the sets does not just reflect length.
MAX_MEDIAN_WORD_GAP = 0.25


@pytest.fixture(scope="module")
def text_sets():
    resource = files("seqtherm") / "data" / "texts.json"
    return json.loads(resource.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def segmenter():
    return pysbd.Segmenter(language="en", clean=False)


def median_word_count(texts):
    return statistics.median(len(text.split()) for text in texts)


def test_texts_file_has_both_sets(text_sets):
    assert set(text_sets) == set(SET_NAMES)


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_set_size_and_types(text_sets, set_name):
    texts = text_sets[set_name]
    assert len(texts) >= MIN_TEXTS_PER_SET
    non_strings = [text for text in texts if not isinstance(text, str)]
    assert non_strings == []


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_texts_split_into_four_sentences(text_sets, segmenter, set_name):
    wrong_counts = {}
    for text in text_sets[set_name]:
        sentences = segmenter.segment(text)
        if len(sentences) != SENTENCES_PER_TEXT:
            wrong_counts[text] = len(sentences)
    assert wrong_counts == {}


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_sentences_end_with_terminal_mark(text_sets, segmenter, set_name):
    bad_endings = []
    for text in text_sets[set_name]:
        for sentence in segmenter.segment(text):
            if not sentence.rstrip().endswith((".", "!", "?")):
                bad_endings.append(sentence)
    assert bad_endings == []


def test_texts_are_unique(text_sets):
    all_texts = [text for name in SET_NAMES for text in text_sets[name]]
    duplicates = sorted({text for text in all_texts if all_texts.count(text) > 1})
    assert duplicates == []


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_texts_are_ascii_single_line(text_sets, set_name):
    texts = text_sets[set_name]
    non_ascii = [text for text in texts if not text.isascii()]
    assert non_ascii == []
    multi_line = [text for text in texts if "\n" in text or "\r" in text]
    assert multi_line == []


def test_median_word_counts_are_close(text_sets):
    causal_median = median_word_count(text_sets["causal_texts"])
    noncausal_median = median_word_count(text_sets["noncausal_texts"])
    relative_gap = abs(causal_median - noncausal_median) / min(causal_median, noncausal_median)
    assert relative_gap <= MAX_MEDIAN_WORD_GAP, (
        f"median words per text: causal {causal_median}, noncausal {noncausal_median}"
    )
