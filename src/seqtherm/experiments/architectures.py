"""How irreversibility depends on architecture and state size: train, sample, tabulate.

Every model is trained on the same corpus with the same character vocabulary. Then,
from N samples of T characters each (Sagawa 2026, arXiv:2604.07867):

- token level: sigma_token = ln P_fwd(y) - ln P_fwd(reverse(y)), reported as S_y / T;
- sentence level: each sample is cut after its last '.', '!' or '?' (length T') and
  its sentences are reversed as blocks. sigma_block / T' is averaged over the samples
  that contain a delimiter; samples without one are counted and left out.

Results folder: `comparison.csv`, `summary.json`, `figures/`, `metadata.json`, and one
checkpoint folder per model under `models/`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from seqtherm.errors import InvalidInputError
from seqtherm.estimators.monte_carlo import estimate_entropy_production
from seqtherm.experiments.training import TrainingSettings, train_model
from seqtherm.models.checkpoints import save_checkpoint
from seqtherm.models.protocol import path_log_probs
from seqtherm.models.stateful import StatefulLanguageModel
from seqtherm.models.vocabulary import CharacterVocabulary
from seqtherm.reporting.metadata import run_metadata, utc_now, write_json
from seqtherm.reversal import reverse_blocks
from seqtherm.segmentation import cut_after_last_delimiter, delimiter_block_lengths

logger = logging.getLogger(__name__)

# With the 74 characters of the shipped corpus the recurrent networks have about 41,000
# parameters each. The two linear SSMs (14,000 and 50,000) show the effect of state size.
DEFAULT_MODELS = (
    ("elman", 150),
    ("gru", 88),
    ("lstm", 76),
    ("linear_ssm", 64),
    ("linear_ssm", 160),
)


@dataclass(frozen=True)
class SentenceLevelEstimate:
    """Mean of sigma_block / T' over the samples with at least one delimiter."""

    n_used: int
    n_without_delimiter: int
    mean_per_token: float
    standard_error: float
    mean_n_blocks: float


def sentence_level_entropy_production(model, n_samples: int, n_steps: int, *, seed: int) -> SentenceLevelEstimate:
    """Estimate the sentence-level S_y / T' of `model` from its own samples."""
    batch = model.sample(n_samples, n_steps, seed=seed)
    mask = model.sentence_end_mask
    forward, reversed_, lengths, n_blocks = [], [], [], []
    for sequence in batch.sequences:
        cut = cut_after_last_delimiter(sequence, mask)
        if cut is None:
            continue
        blocks = delimiter_block_lengths(cut, mask)
        forward.append(cut)
        reversed_.append(reverse_blocks(cut, blocks)[0])
        lengths.append(len(cut))
        n_blocks.append(len(blocks))
    n_used = len(forward)
    if n_used < 2:
        raise InvalidInputError(
            f"only {n_used} of {n_samples} samples of {n_steps} tokens contain a sentence end; "
            "raise the number of tokens per sample"
        )
    per_token = (path_log_probs(model, forward) - path_log_probs(model, reversed_)) / np.array(lengths)
    return SentenceLevelEstimate(
        n_used=n_used,
        n_without_delimiter=n_samples - n_used,
        mean_per_token=float(per_token.mean()),
        standard_error=float(per_token.std(ddof=1) / np.sqrt(n_used)),
        mean_n_blocks=float(np.mean(n_blocks)),
    )


def compare_architectures(
    text: str,
    out_dir: str | Path,
    *,
    models: Sequence[tuple[str, int]] = DEFAULT_MODELS,
    base_settings: TrainingSettings = TrainingSettings(),
    n_samples: int = 300,
    n_steps: int = 300,
    seed: int = 0,
    corpus_name: str = "austen",
    on_model: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Train each (architecture, d_state) on `text` and tabulate S_y at both levels.

    Returns one row per model; the same table is written to `comparison.csv`.
    """
    started, clock = utc_now(), time.perf_counter()
    out_dir = Path(out_dir)
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    vocabulary = CharacterVocabulary.from_text(text)
    rows, histories = [], {}
    for architecture, d_state in models:
        label = f"{architecture}-{d_state}"
        if on_model is not None:
            on_model(label)
        settings = replace(base_settings, architecture=architecture, d_state=d_state)
        result = train_model(text, settings, vocabulary=vocabulary)
        save_checkpoint(out_dir / "models" / label, result.network, vocabulary, training={"corpus": corpus_name, **result.record()})
        histories[label] = result.history
        model = StatefulLanguageModel(result.network, vocabulary, name=label)

        scoring_clock = time.perf_counter()
        token = estimate_entropy_production(model, n_samples, n_steps, seed=seed)
        sentence = sentence_level_entropy_production(model, n_samples, n_steps, seed=seed)
        rows.append(
            {
                "model": label,
                "architecture": architecture,
                "d_state": d_state,
                "n_parameters": result.n_parameters,
                "train_steps": result.steps_done,
                "train_seconds": round(result.wall_time_s, 1),
                "validation_loss": result.final_validation_loss,
                "sigma_token_per_token": token.entropy_production / n_steps,
                "sigma_token_per_token_se": token.standard_error / n_steps,
                "mean_exp_neg_sigma_token": token.mean_exp_neg_sigma,
                "sigma_block_per_token": sentence.mean_per_token,
                "sigma_block_per_token_se": sentence.standard_error,
                "mean_n_blocks": sentence.mean_n_blocks,
                "n_without_delimiter": sentence.n_without_delimiter,
                "estimate_seconds": round(time.perf_counter() - scoring_clock, 1),
                "example": model.decode(model.sample(1, 120, seed=seed).sequences[0]),
            }
        )
        logger.info("%s: %s", label, {k: v for k, v in rows[-1].items() if k != "example"})

    table = pd.DataFrame(rows)
    table.to_csv(out_dir / "comparison.csv", index=False)
    write_json(out_dir / "summary.json", {"rows": rows, "histories": histories})
    plot_comparison(table, histories, out_dir / "figures")
    arguments = {
        "models": [list(m) for m in models], "settings": asdict(base_settings), "n_samples": n_samples,
        "n_steps": n_steps, "seed": seed, "corpus": corpus_name, "corpus_characters": len(text),
    }
    write_json(out_dir / "metadata.json", run_metadata("architectures", arguments, started=started, wall_time_s=time.perf_counter() - clock))
    return table


def plot_comparison(table: pd.DataFrame, histories: dict, folder: Path) -> None:
    """Write bar charts of S_y per token at both levels and the validation-loss curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(14, 4))
    positions = np.arange(len(table))
    for axis, column, title in (
        (axes[0], "sigma_token_per_token", "token reversal: S_y / T"),
        (axes[1], "sigma_block_per_token", "sentence reversal: S_y / T'"),
    ):
        axis.bar(positions, table[column], yerr=table[f"{column}_se"], capsize=3, color="tab:blue")
        axis.set_xticks(positions, table["model"], rotation=30, ha="right")
        axis.set_ylabel("nats per character")
        axis.set_title(title)
    for label, history in histories.items():
        steps = [h["step"] for h in history]
        axes[2].plot(steps, [h["validation_loss"] for h in history], label=label)
    axes[2].set_xlabel("training step")
    axes[2].set_ylabel("validation loss (nats per character)")
    axes[2].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(folder / "architectures.png", dpi=120)
    plt.close(figure)
