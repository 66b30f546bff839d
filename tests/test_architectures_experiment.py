"""The architecture comparison on a generated corpus, with tiny models and few samples."""

from __future__ import annotations

import json

import numpy as np

from seqtherm.experiments.architectures import compare_architectures
from seqtherm.experiments.training import TrainingSettings


def test_comparison_writes_table_and_figure(tmp_path):
    rng = np.random.default_rng(0)
    text = " ".join(rng.choice(["The cat sat.", "A dog ran!", "Is it late?"], size=300))
    settings = TrainingSettings(d_embed=4, sequence_length=32, batch_size=8, n_steps=5)
    table = compare_architectures(
        text, tmp_path, models=[("gru", 8), ("linear_ssm", 6)], base_settings=settings, n_samples=8, n_steps=60,
        corpus_name="generated",
    )
    assert list(table["model"]) == ["gru-8", "linear_ssm-6"]
    assert np.isfinite(table["sigma_token_per_token"]).all()
    assert np.isfinite(table["sigma_block_per_token"]).all()
    assert (tmp_path / "figures" / "architectures.png").stat().st_size > 0
    assert (tmp_path / "models" / "gru-8" / "seqtherm_checkpoint.json").is_file()
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert metadata["arguments"]["n_samples"] == 8
