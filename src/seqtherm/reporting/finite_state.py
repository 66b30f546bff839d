"""Tables and figures for a `FiniteStateAnalysis`; computing stays in `seqtherm.analytic`.

Figures are drawn with matplotlib's Agg canvas directly, so no GUI backend is touched.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from seqtherm.analytic.finite_state_analysis import FiniteStateAnalysis


def write_tables(analysis: FiniteStateAnalysis, out_dir: Path) -> list[Path]:
    """Write results.json, entropy_production.csv, decomposition.csv and block_entropy_production.csv."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    results = out_dir / "results.json"
    results.write_text(json.dumps(analysis.to_dict(), indent=2) + "\n", encoding="utf-8")
    written.append(results)

    frame = analysis.to_pandas()
    curve = out_dir / "entropy_production.csv"
    frame[["entropy_production"]].rename_axis("T").to_csv(curve)
    decomposition = out_dir / "decomposition.csv"
    frame.drop(columns=["entropy_production"]).to_csv(decomposition)
    written += [curve, decomposition]

    blocks = analysis.block_frame()
    if blocks is not None:
        block_path = out_dir / "block_entropy_production.csv"
        blocks.to_csv(block_path)
        written.append(block_path)
    return written


def plot_entropy_production(analysis: FiniteStateAnalysis, path: Path) -> None:
    """Plot S_y against T, with the stationary-rate slope and block reversal when present."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    n_steps = np.arange(1, analysis.n_steps + 1)
    axes.plot(n_steps, analysis.entropy_production, marker="o" if analysis.n_steps <= 30 else None,
              label="token reversal S_y(T)")
    if analysis.stationary_rate is not None:
        # A line through the last point with the stationary slope shows how far S_y is from linear.
        last = analysis.entropy_production[-1]
        axes.plot(n_steps, last + analysis.stationary_rate * (n_steps - analysis.n_steps), linestyle="--",
                  color="gray", label=f"slope = stationary rate {analysis.stationary_rate:.4g}")
    if analysis.block_entropy_production:
        axes.plot(list(analysis.block_entropy_production), list(analysis.block_entropy_production.values()),
                  marker="s", linestyle=":", label=f"blocks of {analysis.block_length}")
    axes.set_xlabel("path length T (symbols)")
    axes.set_ylabel("entropy production (nats)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)


def plot_decomposition(analysis: FiniteStateAnalysis, path: Path) -> None:
    """Plot stacked bars of L_t (compression loss) and M_t (model mismatch) per step t."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    parts = analysis.decomposition
    figure = Figure(figsize=(6, 4), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    steps = np.arange(1, analysis.n_steps + 1)
    error = parts.compression_loss_standard_error if parts.method == "monte_carlo" else None
    axes.bar(steps, parts.compression_loss, width=1.0 if analysis.n_steps > 60 else 0.8,
             label="compression loss L_t", yerr=error)
    axes.bar(steps, parts.model_mismatch, bottom=parts.compression_loss,
             width=1.0 if analysis.n_steps > 60 else 0.8, label="model mismatch M_t")
    axes.set_xlabel("step t")
    axes.set_ylabel("D_t = L_t + M_t (nats)")
    title = "exact (enumeration)" if parts.method == "enumeration" else f"L_t from {parts.n_samples} samples, M_t exact"
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)


def write_figures(analysis: FiniteStateAnalysis, figures_dir: Path) -> list[Path]:
    """Write entropy_production.png and decomposition.png into `figures_dir`."""
    figures_dir.mkdir(parents=True, exist_ok=True)
    curve = figures_dir / "entropy_production.png"
    decomposition = figures_dir / "decomposition.png"
    plot_entropy_production(analysis, curve)
    plot_decomposition(analysis, decomposition)
    return [curve, decomposition]
