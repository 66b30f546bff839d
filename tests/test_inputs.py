"""Reading text sets from files, and the errors for files that cannot be used."""

import json

import pytest

from seqtherm.errors import InvalidInputError
from seqtherm.experiments.inputs import read_text_sets, shipped_text_sets


def test_json_groups(tmp_path):
    path = tmp_path / "sets.json"
    path.write_text(json.dumps({"a": ["one.", "two."], "b": ["three."], "meta": {"x": 1}}))
    items = read_text_sets([path])
    assert [(i.group, i.index, i.text) for i in items] == [("a", 0, "one."), ("a", 1, "two."), ("b", 0, "three.")]


def test_json_list_is_one_group(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(["x.", "y."]))
    assert {i.group for i in read_text_sets([path])} == {"mine"}


def test_jsonl_with_and_without_group(tmp_path):
    path = tmp_path / "lines.jsonl"
    path.write_text('{"text": "a.", "group": "g1"}\n\n{"text": "b."}\n')
    items = read_text_sets([path])
    assert [(i.group, i.text) for i in items] == [("g1", "a."), ("lines", "b.")]


def test_plain_text_one_per_line(tmp_path):
    first = tmp_path / "causal.txt"
    first.write_text("First text.\n\n  Second text.  \n")
    second = tmp_path / "facts.txt"
    second.write_text("Third.\n")
    items = read_text_sets([first, second])
    assert [(i.group, i.index, i.text) for i in items] == [
        ("causal", 0, "First text."),
        ("causal", 1, "Second text."),
        ("facts", 0, "Third."),
    ]


def test_shipped_sets_have_two_groups():
    items = shipped_text_sets()
    groups = {i.group for i in items}
    assert groups == {"causal_texts", "noncausal_texts"}
    assert sum(i.group == "causal_texts" for i in items) >= 100


def test_missing_file(tmp_path):
    with pytest.raises(InvalidInputError, match="not found"):
        read_text_sets([tmp_path / "nope.txt"])


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(InvalidInputError, match="not a file"):
        read_text_sets([tmp_path])


def test_invalid_utf8_names_byte_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line.\nbad \xff byte.\n")
    with pytest.raises(InvalidInputError, match=r"not valid UTF-8: byte 15 \(line 2\)"):
        read_text_sets([path])


def test_malformed_json_names_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"a": [\n  "x.",\n  "y." oops\n]}')
    with pytest.raises(InvalidInputError, match="line 3, column 8"):
        read_text_sets([path])


def test_malformed_jsonl_names_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "a."}\n{"text": "b.",}\n')
    with pytest.raises(InvalidInputError, match="line 2"):
        read_text_sets([path])


def test_jsonl_without_text_field(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"body": "a."}\n')
    with pytest.raises(InvalidInputError, match="line 1 needs a JSON object with a 'text' field"):
        read_text_sets([path])


def test_json_without_groups(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"a": 1, "b": "one text"}')
    with pytest.raises(InvalidInputError, match="no value of the JSON object is a list of texts"):
        read_text_sets([path])


def test_json_group_with_non_string_entry(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"a": ["First one. Second.", 3], "b": ["Fine text. Yes."]}')
    with pytest.raises(InvalidInputError, match="text 1 of group 'a' must be a string, got int 3"):
        read_text_sets([path])


def test_json_non_list_value_is_ignored_with_warning(tmp_path, caplog):
    path = tmp_path / "sets.json"
    path.write_text('{"causal": "one text", "facts": ["A fact."]}')
    items = read_text_sets([path])
    assert [i.group for i in items] == ["facts"]
    assert "key 'causal' is not a list of texts and is ignored" in caplog.text


def test_empty_text_in_json_group(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"a": ["fine.", "  "]}')
    with pytest.raises(InvalidInputError, match="text 1 of group 'a' is an empty text"):
        read_text_sets([path])


def test_empty_file_is_an_empty_set(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n\n")
    with pytest.raises(InvalidInputError, match="no texts found"):
        read_text_sets([path])
