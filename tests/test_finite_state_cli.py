"""`seqtherm markov` and the JSON model formats, run through typer's CliRunner."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seqtherm.cli.main import app
from seqtherm.errors import InvalidInputError
from seqtherm.models.finite_state_io import load_finite_state_model, parse_finite_state_model

runner = CliRunner()

RING = {
    "symbols": ["A", "B", "C"],
    "transition": [[0.3, 0.5, 0.2], [0.2, 0.3, 0.5], [0.5, 0.2, 0.3]],
    "initial": "stationary",
}
NGRAM = {
    "symbols": ["a", "b"],
    "order": 2,
    "table": {
        "": [0.5, 0.5], "a": [0.9, 0.1], "b": [0.4, 0.6],
        "a a": [0.2, 0.8], "a b": [0.7, 0.3], "b a": [0.5, 0.5], "b b": [0.1, 0.9],
    },
}


def write_model(tmp_path, document, name="model.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_json_output_ring_value(tmp_path):
    path = write_model(tmp_path, RING)
    result = runner.invoke(app, ["markov", str(path), "-T", "5", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    rate = 0.3 * np.log(2.5)
    assert payload["entropy_production"]["5"] == pytest.approx(4 * rate, abs=1e-12)
    assert payload["stationary_rate"] == pytest.approx(rate, abs=1e-12)
    assert payload["decomposition_method"] == "enumeration"
    assert sum(payload["per_step_entropy_production"]) == pytest.approx(4 * rate, abs=1e-12)
    assert len(payload["compression_loss"]) == 5
    assert len(payload["model_mismatch"]) == 5


def test_json_output_with_blocks(tmp_path):
    path = write_model(tmp_path, NGRAM)
    result = runner.invoke(app, ["markov", str(path), "-T", "7", "--block-length", "2", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # Multiples of 2 by the dynamic program, T = 7 itself by enumeration.
    assert sorted(payload["block_entropy_production"], key=int) == ["2", "4", "6", "7"]
    assert payload["block_entropy_production"]["2"] == 0.0


def test_out_directory_contents(tmp_path):
    path = write_model(tmp_path, NGRAM)
    out = tmp_path / "run"
    result = runner.invoke(app, ["markov", str(path), "-T", "30", "--samples", "50", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "S_y(T=30)" in result.stdout
    for name in ["results.json", "entropy_production.csv", "decomposition.csv", "metadata.json",
                 "figures/entropy_production.png", "figures/decomposition.png"]:
        assert (out / name).is_file(), name
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["arguments"]["n_steps"] == 30
    assert metadata["arguments"]["n_samples"] == 50
    assert metadata["packages"]["numpy"]
    assert metadata["wall_time_s"] > 0
    results = json.loads((out / "results.json").read_text())
    assert results["decomposition_method"] == "monte_carlo"
    assert (out / "figures/decomposition.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_row_not_summing_exits_2(tmp_path):
    document = dict(RING, transition=[[0.3, 0.5, 0.2], [0.2, 0.3, 0.4], [0.5, 0.2, 0.3]])
    result = runner.invoke(app, ["markov", str(write_model(tmp_path, document)), "-T", "3"])
    assert result.exit_code == 2
    assert "row 'B' sums to 0.9" in result.stderr


def test_impossible_reversal_exits_2(tmp_path):
    document = dict(RING, transition=[[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    result = runner.invoke(app, ["markov", str(write_model(tmp_path, document)), "-T", "4", "--json"])
    assert result.exit_code == 2
    assert "infinite" in result.stderr
    assert "has probability 0" in result.stderr
    assert result.stdout == ""


def test_invalid_json_exits_2_with_position(tmp_path):
    path = write_model(tmp_path, '{"transition": [[0.5, 0.5],\n  [0.5 0.5]]}')
    result = runner.invoke(app, ["markov", str(path), "-T", "3"])
    assert result.exit_code == 2
    assert "line 2, column 8" in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["markov", str(tmp_path / "absent.json"), "-T", "3"])
    assert result.exit_code == 2
    assert "cannot read model file" in result.stderr


def test_zero_steps_exits_2(tmp_path):
    result = runner.invoke(app, ["markov", str(write_model(tmp_path, RING)), "-T", "0"])
    assert result.exit_code == 2
    assert "-T must be at least 1" in result.stderr


def test_load_ngram_table(tmp_path):
    model = load_finite_state_model(write_model(tmp_path, NGRAM))
    assert model.n_summaries == 7
    index = model.summary_labels.index("a b")
    assert np.allclose(model.emission[index], [0.7, 0.3], atol=1e-15)


def test_load_fitted_ngram():
    document = {"symbols": ["a", "b"], "order": 1, "smoothing": 1.0, "sequences": [["a", "b"], ["a"]]}
    model = parse_finite_state_model(document)
    assert np.allclose(model.emission[0], [3 / 4, 1 / 4], atol=1e-15)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([1, 2], "top level must be a JSON object"),
        ({"order": 1}, "exactly one of the keys"),
        (dict(RING, extra=1), r"unknown keys \['extra'\]"),
        (dict(NGRAM, order=0), "'order' must be an integer >= 1"),
        (dict(NGRAM, table={"": [0.5, 0.5], "a x": [1.0, 0.0]}), "context 'a x' uses symbol 'x'"),
        (dict(NGRAM, symbols=["a", "a"]), "symbols must be distinct"),
        (dict(RING, transition=[[1.0, 0.0], [0.5]]), "'transition' must be a 2-D array"),
        (dict(RING, initial=[0.5, 0.5]), r"expected \(3,\)"),
        (dict(RING, symbols=["A", "B"]), "2 symbols"),
        ({"symbols": ["a"], "order": 1, "sequences": [["a", "z"]]}, "contains 'z'"),
    ],
)
def test_bad_documents(document, message):
    with pytest.raises(InvalidInputError, match=message):
        parse_finite_state_model(document)
