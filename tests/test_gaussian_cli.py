"""`seqtherm gaussian` through typer's CliRunner: JSON output, files written, input errors."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seqtherm.cli.main import app

runner = CliRunner()


def invoke(*arguments):
    return runner.invoke(app, ["gaussian", *arguments])


def test_inline_scalar_json_has_published_value():
    result = invoke("--A", "0.9", "--C", "1", "--Q", "1", "--R", "1", "-T", "50", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["entropy_production"][9] == pytest.approx(0.4509848, abs=5e-8)
    assert summary["entropy_production_final"] == pytest.approx(0.5574200, abs=5e-8)
    assert summary["model"]["K"][0][0] == pytest.approx(0.59741, abs=5e-6)
    assert abs(summary["stationary_rate"]) < 1e-12
    assert summary["decomposition"]["entropy_production"] == pytest.approx(0.5574200, abs=5e-8)


def test_file_with_outputs(tmp_path):
    model_file = tmp_path / "model.json"
    model_file.write_text(
        json.dumps({"A": [[0.8, 0.3], [0, 0.5]], "C": [[1, 0.5], [0, 1]], "Q": [[1, 0], [0, 1]], "R": [[1, 0], [0, 1]]})
    )
    out_dir = tmp_path / "out"
    result = invoke(str(model_file), "-T", "20", "--mc", "500", "--seed", "3", "--out", str(out_dir))
    assert result.exit_code == 0, result.output
    for name in [
        "entropy_production.csv",
        "decomposition.csv",
        "monte_carlo.csv",
        "summary.json",
        "metadata.json",
        "figures/entropy_production.png",
        "figures/decomposition.png",
    ]:
        assert (out_dir / name).is_file(), name
    metadata = json.loads((out_dir / "metadata.json").read_text())
    assert metadata["seed"] == 3
    assert metadata["arguments"]["n_samples"] == 500
    assert metadata["package_versions"]["numpy"] == np.__version__
    assert metadata["wall_time_seconds"] > 0
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["entropy_production"][9] == pytest.approx(0.75829, abs=5e-6)
    assert len(summary["monte_carlo"]) >= 5


def test_innovation_form_file(tmp_path):
    model_file = tmp_path / "innovation.json"
    model_file.write_text(json.dumps({"A": 0.9, "C": 1, "K": 0.5974072895, "S": 2.4838999}))
    result = invoke(str(model_file), "-T", "10", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entropy_production_final"] == pytest.approx(0.4509848, abs=1e-6)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--A", "0.9", "--C", "1", "--Q", "-1", "--R", "1"], "matrix Q is not positive definite"),
        (["--A", "[[0.9, 0], [0, 0.5]]", "--C", "1", "--Q", "1", "--R", "1"], "matrix C has shape"),
        (["--A", "0.9", "--C", "1", "--Q", "1", "--R", "NaN"], "matrix R has NaN or infinite"),
        (["--A", "0.9", "--C", "1", "--Q", "1", "--R", "1", "-T", "0"], "T must be an integer >= 1"),
        (["--A", "2", "--C", "0", "--Q", "1", "--R", "1"], "(A, C) has no stabilising Riccati solution"),
        (["--A", "0.9", "--C", "1", "--Q", "1"], "missing matrix R"),
        (["--A", "0.9", "--C", "1", "--K", "1", "--S", "[[1, 2], [3, 1]]"], "matrix S"),
        (["--A", "0.9x", "--C", "1", "--Q", "1", "--R", "1"], "option --A is not a number or a JSON list"),
        ([], "no model given"),
    ],
)
def test_bad_input_exits_with_status_2(arguments, message):
    result = invoke(*arguments)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_invalid_json_reports_line_and_column(tmp_path):
    model_file = tmp_path / "broken.json"
    model_file.write_text('{\n  "A": 0.9,\n  "C": 1\n  "Q": 1\n}\n')
    result = invoke(str(model_file))
    assert result.exit_code == 2
    assert "line 4, column 3" in " ".join(result.stderr.split())


def test_non_symmetric_q_in_file(tmp_path):
    model_file = tmp_path / "model.json"
    model_file.write_text(json.dumps({"A": [[0.5, 0], [0, 0.5]], "C": [[1, 0]], "Q": [[1, 0.3], [0, 1]], "R": 1}))
    result = invoke(str(model_file))
    assert result.exit_code == 2
    assert "matrix Q is not symmetric" in " ".join(result.stderr.split())
