"""Figures of the texts job: sigma per token by group, and one text's per-token log-probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from seqtherm.reversal import split_blocks  # noqa: E402

LEVEL_COLUMNS = {
    "token": ("sigma_token_per_token", "token-level sigma / T (nats per token)"),
    "sentence": ("sigma_block_per_token", "sentence-level sigma / T (nats per token)"),
}


def plot_groups(per_text: pd.DataFrame, column: str, label: str, path: Path) -> None:
    """Box plot per group with every text drawn as a jittered point."""
    groups = list(dict.fromkeys(per_text["group"]))
    values = [per_text.loc[per_text["group"] == g, column].dropna().to_numpy() for g in groups]
    figure, axes = plt.subplots(figsize=(1.8 + 1.6 * len(groups), 4.5))
    axes.boxplot(values, showfliers=False, widths=0.5)
    axes.set_xticks(range(1, len(groups) + 1), [f"{g}\n(n={len(v)})" for g, v in zip(groups, values)])
    rng = np.random.default_rng(0)
    for position, group_values in enumerate(values, start=1):
        jitter = rng.uniform(-0.12, 0.12, size=len(group_values))
        axes.scatter(position + jitter, group_values, s=10, alpha=0.55, color="tab:blue", zorder=3)
    axes.axhline(0.0, color="grey", linewidth=0.8, linestyle=":")
    axes.set_ylabel(label)
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)


def _positions_in_original(block_lengths: np.ndarray) -> np.ndarray:
    """For each position of the block-reversed sequence, its position in the original."""
    starts = np.concatenate([[0], np.cumsum(block_lengths)[:-1]])
    pieces = [np.arange(s, s + n) for s, n in zip(starts, block_lengths)]
    return np.concatenate(pieces[::-1])


def plot_example(model, prepared, path: Path) -> None:
    """Per-token ln p of one text, forward and reversed, each token at its original position."""
    tokens = prepared.own_tokens
    lengths = prepared.own_lengths
    reversed_blocks = np.concatenate(split_blocks(tokens, lengths)[::-1])
    forward, token_reversed, block_reversed = model.step_log_probs([tokens, tokens[::-1].copy(), reversed_blocks])
    n_tokens = len(tokens)
    positions = np.arange(n_tokens)
    block_positions = _positions_in_original(lengths)

    figure, axes = plt.subplots(figsize=(max(7.0, 0.16 * n_tokens), 4.5))
    axes.plot(positions, forward, marker="o", markersize=3, label=f"forward (sum {forward.sum():.1f})")
    axes.plot(
        block_positions, block_reversed, marker="s", markersize=3, linestyle="none",
        label=f"sentence order reversed (sum {block_reversed.sum():.1f})",
    )
    axes.plot(
        positions[::-1], token_reversed, marker="x", markersize=3, linestyle="none", alpha=0.6,
        label=f"token order reversed (sum {token_reversed.sum():.1f})",
    )
    for boundary in np.cumsum(lengths)[:-1]:
        axes.axvline(boundary - 0.5, color="grey", linewidth=0.6, linestyle=":")
    if n_tokens <= 80:
        labels = [repr(model.decode([t]))[1:-1] for t in tokens]
        axes.set_xticks(positions, labels, rotation=90, fontsize=7)
    axes.set_xlabel("token, at its position in the original text")
    axes.set_ylabel("ln p(token | preceding tokens) (nats)")
    axes.set_title(f"{prepared.item.group} #{prepared.item.index} under {model.name}", fontsize=10)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)


def write_texts_figures(model, per_text: pd.DataFrame, example, levels: Sequence[str], folder: Path) -> list[Path]:
    """Write the group plots for each level and the example plot; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for level in levels:
        column, label = LEVEL_COLUMNS[level]
        path = folder / f"{column}_by_group.png"
        plot_groups(per_text, column, label, path)
        written.append(path)
    if "sentence" in levels:
        path = folder / "seam_cost_by_group.png"
        plot_groups(per_text, "seam_cost", "seam cost (nats per text)", path)
        written.append(path)
    path = folder / "example_log_probs.png"
    plot_example(model, example, path)
    written.append(path)
    return written
