"""Tables, figures and metadata for a `GaussianAnalysis`, written to an output folder.

Files in `out_dir`:

- `entropy_production.csv`: one row per T with S_y(T), its increment and the Monte Carlo columns.
- `decomposition.csv`: one row per step t with D_t, L_t, M_t and the two mutual informations.
- `monte_carlo.csv`: one row per sampled T, written only with a Monte Carlo check.
- `summary.json`: `GaussianAnalysis.to_dict()`.
- `metadata.json`: arguments, seed, package versions and wall time.
- `figures/entropy_production.png` and `figures/decomposition.png`.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np

from seqtherm.experiments.gaussian import GaussianAnalysis

PACKAGES = ("seqtherm", "numpy", "scipy", "pandas", "matplotlib", "typer")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that produce the numbers, None for one not installed."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def plot_entropy_production(analysis: GaussianAnalysis):
    """Figure of S_y(T) against T, with Monte Carlo means and 1-standard-error bars when present."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    steps = np.arange(1, analysis.n_steps + 1)
    axes.plot(steps, analysis.entropy_production, color="C0", label="exact S_y(T)")
    if analysis.monte_carlo:
        table = analysis.monte_carlo_table()
        axes.errorbar(
            table["T"],
            table["monte_carlo_mean"],
            yerr=table["monte_carlo_standard_error"],
            fmt="o",
            color="C1",
            capsize=3,
            label=f"Monte Carlo, N = {analysis.monte_carlo[0].n_samples} (±1 s.e.)",
        )
    if analysis.stationary_rate is not None:
        axes.set_title(f"stationary rate {analysis.stationary_rate:.6g} nats per step")
    axes.set_xlabel("sequence length T")
    axes.set_ylabel("entropy production S_y(T) [nats]")
    axes.legend()
    figure.tight_layout()
    return figure


def plot_decomposition(analysis: GaussianAnalysis):
    """Stacked bars of compression loss L_t and model mismatch M_t for each step t; None without a decomposition."""
    if analysis.decomposition is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    decomposition = analysis.decomposition
    steps = np.arange(1, decomposition.n_steps + 1)
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    axes.bar(steps, decomposition.compression_loss, width=1.0, color="C2", label="compression loss L_t")
    axes.bar(
        steps,
        decomposition.model_mismatch,
        width=1.0,
        bottom=decomposition.compression_loss,
        color="C3",
        label="model mismatch M_t",
    )
    axes.set_xlabel("step t")
    axes.set_ylabel("D_t = L_t + M_t [nats]")
    axes.set_title(f"per-step entropy production, T = {decomposition.n_steps}")
    axes.legend()
    figure.tight_layout()
    return figure


def write_gaussian_outputs(
    analysis: GaussianAnalysis,
    out_dir: Path,
    *,
    arguments: dict[str, Any],
    wall_time_seconds: float,
    model_file: Path | None = None,
) -> list[Path]:
    """Write the tables, the summary, the figures and `metadata.json` under `out_dir`; return the paths."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    figures_dir = out_dir / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    curve_path = out_dir / "entropy_production.csv"
    analysis.to_pandas().to_csv(curve_path, index=False)
    written.append(curve_path)

    if analysis.decomposition is not None:
        decomposition_path = out_dir / "decomposition.csv"
        analysis.decomposition.to_pandas().to_csv(decomposition_path, index=False)
        written.append(decomposition_path)

    if analysis.monte_carlo:
        monte_carlo_path = out_dir / "monte_carlo.csv"
        analysis.monte_carlo_table().to_csv(monte_carlo_path, index=False)
        written.append(monte_carlo_path)

    summary_path = out_dir / "summary.json"
    summary_path.write_text(json.dumps(analysis.to_dict(), indent=2), encoding="utf-8")
    written.append(summary_path)

    for name, figure in (
        ("entropy_production", plot_entropy_production(analysis)),
        ("decomposition", plot_decomposition(analysis)),
    ):
        if figure is None:
            continue
        figure_path = figures_dir / f"{name}.png"
        figure.savefig(figure_path, dpi=120)
        plt.close(figure)
        written.append(figure_path)

    metadata = {
        "command": "seqtherm gaussian",
        "arguments": arguments,
        "seed": analysis.seed,
        "model_file": None if model_file is None else str(model_file),
        "model_file_sha256": None if model_file is None else file_sha256(model_file),
        "package_versions": package_versions(),
        "platform": platform.platform(),
        "argv": sys.argv,
        "wall_time_seconds": wall_time_seconds,
    }
    metadata_path = out_dir / "metadata.json"
    metadata_path.write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    written.append(metadata_path)
    return written
