"""Figures of the sampling job, drawn from a `SampleEntropyProduction` result.

    sigma_histograms.png   sigma / T at token level (all samples and cut samples) and
                           sigma / T' at block level, with the means and the zero line
    convergence.png        running mean of sigma / T against N with its 95% band
    exp_neg_sigma.png      distribution of ln exp(-sigma) = -sigma, and the running mean
                           of exp(-sigma) against the fluctuation-theorem value 1
    block_scale.png        sigma per token against block size, sentences and tokens
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from seqtherm.estimators.monte_carlo import running_mean_curve  # noqa: E402
from seqtherm.estimators.samples import SampleEntropyProduction  # noqa: E402


def _level_values(result: SampleEntropyProduction) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per level: (sigma, sigma / n_tokens) in sample order."""
    scores = result.scores
    cut = [s for s in scores if s.n_tokens_cut > 0]
    values = {"token": (np.array([s.sigma_token for s in scores]), np.array([s.n_tokens for s in scores]))}
    # The sentence level has a summary only with at least 2 samples that contain a delimiter.
    if cut and result.block is not None:
        n_cut = np.array([s.n_tokens_cut for s in cut])
        values["token_cut"] = (np.array([s.sigma_token_cut for s in cut]), n_cut)
        values["block"] = (np.array([s.sigma_block for s in cut]), n_cut)
    return {level: (sigma, sigma / n) for level, (sigma, n) in values.items()}


def plot_histograms(result: SampleEntropyProduction, path: Path) -> None:
    """Histogram of sigma per token at token and block level."""
    values = _level_values(result)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    token_axes, block_axes = axes
    token_axes.hist(values["token"][1], bins=40, alpha=0.7, label=f"all samples (T = {result.n_steps})")
    if "token_cut" in values:
        token_axes.hist(values["token_cut"][1], bins=40, alpha=0.5, label="cut samples (T')")
    token_axes.axvline(result.token.mean, color="black", linestyle="--", label=f"mean {result.token.mean:.3f}")
    token_axes.set_xlabel("sigma_token / T (nats per token)")
    token_axes.set_title("token reversal")

    if "block" in values:
        block_axes.hist(values["block"][1], bins=40, alpha=0.7, color="tab:green", label="cut samples")
        block_axes.axvline(result.block.mean, color="black", linestyle="--", label=f"mean {result.block.mean:.3f}")
    block_axes.set_xlabel("sigma_block / T' (nats per token)")
    block_axes.set_title(f"sentence-block reversal\n({result.n_no_delimiter} samples without delimiter left out)", fontsize=10)
    for panel in axes:
        panel.axvline(0.0, color="grey", linewidth=0.8)
        panel.set_ylabel("samples")
        if panel.get_legend_handles_labels()[0]:
            panel.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)


def plot_convergence(result: SampleEntropyProduction, path: Path) -> None:
    """Running mean of sigma per token against N, one panel per level."""
    labels = {"token": "sigma_token / T", "token_cut": "sigma_token / T' (cut samples)", "block": "sigma_block / T'"}
    levels = [level for level in ("token", "token_cut", "block") if level in result.convergence]
    figure, axes = plt.subplots(1, len(levels), figsize=(4.5 * len(levels), 3.8), squeeze=False)
    for panel, level in zip(axes[0], levels):
        curve = result.convergence[level]
        panel.plot(curve.n_samples, curve.running_mean, color="tab:blue")
        panel.fill_between(curve.n_samples, curve.ci_low, curve.ci_high, alpha=0.3, color="tab:blue", linewidth=0)
        panel.set_xlabel("number of samples N")
        panel.set_ylabel(f"running mean of {labels[level]}")
        panel.set_title(f"{labels[level]} ({curve.confidence_level:.0%} band)", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)


def plot_exp_neg_sigma(result: SampleEntropyProduction, path: Path) -> None:
    """Distribution of -sigma and the running mean of exp(-sigma), which should tend to 1."""
    values = _level_values(result)
    levels = [level for level in ("token", "block") if level in values and level in result.fluctuation_theorem]
    figure, axes = plt.subplots(2, len(levels), figsize=(4.8 * len(levels), 7), squeeze=False)
    for column, level in enumerate(levels):
        sigma = values[level][0]
        check = result.fluctuation_theorem[level]
        histogram, running = axes[0, column], axes[1, column]
        histogram.hist(-sigma, bins=40, color="tab:purple", alpha=0.7)
        histogram.axvline(0.0, color="grey", linewidth=0.8)
        histogram.set_xlabel(f"ln exp(-sigma) = -sigma_{level} (nats)")
        histogram.set_ylabel("samples")
        histogram.set_title(
            f"mean exp(-sigma) = {check.mean_exp_neg_sigma:.3g} +/- {check.standard_error:.2g}, "
            f"ESS {check.effective_sample_size:.1f} of {check.n_samples}",
            fontsize=8,
        )
        with np.errstate(over="ignore"):
            curve = running_mean_curve(np.exp(-sigma))
        running.plot(curve.n_samples, curve.running_mean, color="tab:purple")
        running.fill_between(curve.n_samples, curve.ci_low, curve.ci_high, alpha=0.3, color="tab:purple", linewidth=0)
        running.axhline(1.0, color="black", linestyle="--", label="fluctuation theorem: 1")
        running.set_yscale("log")
        running.set_xlabel("number of samples N")
        running.set_ylabel("running mean of exp(-sigma)")
        running.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)


def plot_block_scale(result: SampleEntropyProduction, path: Path) -> None:
    """Sigma per token against block size: k sentences on cut samples, l tokens on full ones."""
    table = result.block_scale.to_pandas()
    figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for panel, blocks, label in zip(axes, ("tokens", "sentences"), ("block length l (tokens)", "sentences per block k")):
        rows = table[table["blocks"] == blocks]
        if rows.empty:
            panel.set_visible(False)
            continue
        panel.errorbar(rows["block_size"], rows["entropy_production_per_token"], yerr=rows["standard_error"], marker="o", capsize=3)
        if blocks == "tokens":
            panel.set_xscale("log")
        panel.set_xticks(rows["block_size"].tolist(), [str(size) for size in rows["block_size"]])
        panel.set_xlabel(label)
        panel.axhline(0.0, color="grey", linewidth=0.8)
    axes[0].set_ylabel("S_y per token (nats)")
    axes[0].set_yscale("symlog", linthresh=0.1)
    figure.suptitle("irreversibility against coarse-graining scale")
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)


def write_sample_figures(result: SampleEntropyProduction, folder: Path) -> None:
    """Write every figure of the sampling job into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plot_histograms(result, folder / "sigma_histograms.png")
    plot_convergence(result, folder / "convergence.png")
    plot_exp_neg_sigma(result, folder / "exp_neg_sigma.png")
    plot_block_scale(result, folder / "block_scale.png")
