"""Training small character-level recurrent and linear state-space language models.

The model learns p(y_{t+1} | h_t) by teacher forcing on windows of the corpus. Every
window starts from the start symbol, so h_0 is the same initial summary as in
sampling and scoring. The first character of a window is therefore predicted from
h_0 alone. The loss is the mean cross-entropy in nats per character.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from seqtherm.errors import InvalidInputError
from seqtherm.models.checkpoints import ARCHITECTURES, build_network, save_checkpoint
from seqtherm.models.vocabulary import CharacterVocabulary

logger = logging.getLogger(__name__)

SHIPPED_CORPORA = {"austen": "pride_and_prejudice.txt"}
N_VALIDATION_WINDOWS = 64


def load_corpus(source: str | Path | None = None) -> str:
    """Read a corpus: a shipped name ("austen", the default) or a UTF-8 text file.

    Runs of whitespace, line breaks included, become one space, so that a line break
    inside a paragraph is not a separate symbol.
    """
    if source is None or str(source) in SHIPPED_CORPORA:
        name = SHIPPED_CORPORA[str(source or "austen")]
        raw = resources.files("seqtherm").joinpath("data", "corpora", name).read_text(encoding="utf-8")
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise InvalidInputError(
                f"corpus {source} not found: pass a UTF-8 text file or a shipped corpus name "
                f"({', '.join(SHIPPED_CORPORA)})"
            )
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInputError(f"corpus {path} is not valid UTF-8 ({error.reason} at byte {error.start}); re-save it as UTF-8") from error
    return " ".join(raw.split())


@dataclass(frozen=True)
class TrainingSettings:
    """Hyperparameters of a trained model, recorded in its checkpoint.

    Attributes:
        architecture: elman, gru, lstm or linear_ssm.
        d_state: size of the summary h_t per layer (hidden size; LSTMs also carry a cell state).
        d_embed: input embedding size (recurrent networks only).
        n_layers: stacked recurrent layers (recurrent networks only; the linear SSM has one).
        sequence_length: characters per training window.
        batch_size: windows per optimisation step.
        n_steps: optimisation steps (Adam).
        learning_rate: Adam step size.
        validation_fraction: share of the corpus, taken from its end, held out for validation.
        max_seconds: stop earlier once training has run this long (None: no limit).
        seed: seeds the initial weights and the window positions.
    """

    architecture: str = "gru"
    d_state: int = 128
    d_embed: int = 32
    n_layers: int = 1
    sequence_length: int = 128
    batch_size: int = 32
    n_steps: int = 300
    learning_rate: float = 3e-3
    validation_fraction: float = 0.05
    max_seconds: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise InvalidInputError(f"architecture must be one of {', '.join(ARCHITECTURES)}, got {self.architecture!r}")
        for name in ("d_state", "d_embed", "n_layers", "sequence_length", "batch_size", "n_steps"):
            if getattr(self, name) < 1:
                raise InvalidInputError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.architecture == "linear_ssm" and self.n_layers != 1:
            raise InvalidInputError(f"the linear SSM has one layer; got n_layers = {self.n_layers}, use 1")
        if not self.learning_rate > 0:
            raise InvalidInputError(f"learning rate must be > 0, got {self.learning_rate}")
        if not 0 < self.validation_fraction < 1:
            raise InvalidInputError(f"validation fraction must lie in (0, 1), got {self.validation_fraction}")

    def hyperparameters(self) -> dict:
        """Network constructor arguments for this architecture."""
        if self.architecture == "linear_ssm":
            return {"d_state": self.d_state}
        return {"d_state": self.d_state, "d_embed": self.d_embed, "n_layers": self.n_layers}


@dataclass
class TrainingResult:
    """A trained network and its loss curve (nats per character)."""

    network: torch.nn.Module
    vocabulary: CharacterVocabulary
    settings: TrainingSettings
    n_parameters: int
    steps_done: int
    initial_validation_loss: float
    final_validation_loss: float
    wall_time_s: float
    history: list[dict] = field(default_factory=list)

    def record(self) -> dict:
        """Return the JSON-ready training record stored in the checkpoint."""
        return {
            "settings": asdict(self.settings),
            "n_parameters": self.n_parameters,
            "steps_done": self.steps_done,
            "initial_validation_loss": self.initial_validation_loss,
            "final_validation_loss": self.final_validation_loss,
            "wall_time_s": round(self.wall_time_s, 3),
            "history": self.history,
        }


def count_parameters(network: torch.nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in network.parameters() if p.requires_grad)


def split_corpus(ids: np.ndarray, settings: TrainingSettings) -> tuple[np.ndarray, np.ndarray]:
    """Split encoded text into training and validation parts, or explain why it is too small."""
    n_validation = int(len(ids) * settings.validation_fraction)
    n_train = len(ids) - n_validation
    window = settings.sequence_length
    if n_train < 2 * window or n_validation < window:
        needed = int(np.ceil(max(2 * window / (1 - settings.validation_fraction), window / settings.validation_fraction)))
        raise InvalidInputError(
            f"the corpus has {len(ids)} characters, too few for windows of {window} with a "
            f"validation share of {settings.validation_fraction}: at least {needed} are needed. "
            "Use a larger corpus or a shorter --sequence-length"
        )
    return ids[:n_train], ids[n_train:]


def _windows(ids: np.ndarray, starts: np.ndarray, length: int, start_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    targets = torch.from_numpy(np.stack([ids[s : s + length] for s in starts]))
    inputs = torch.cat([torch.full((len(starts), 1), start_id, dtype=torch.long), targets[:, :-1]], dim=1)
    return inputs, targets


def _loss(network: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    logits, _ = network(inputs)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def train_model(
    text: str,
    settings: TrainingSettings,
    *,
    vocabulary: CharacterVocabulary | None = None,
    on_step: Callable[[int, float], None] | None = None,
    eval_every: int = 50,
) -> TrainingResult:
    """Fit a network to `text` by Adam on random windows; returns it with its loss curve.

    `vocabulary` defaults to the characters of `text`; pass one to share it between
    models compared on the same corpus.
    """
    vocabulary = vocabulary or CharacterVocabulary.from_text(text)
    train_ids, validation_ids = split_corpus(vocabulary.encode(text), settings)
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    network = build_network(settings.architecture, vocabulary.n_symbols, settings.hyperparameters())
    optimizer = torch.optim.Adam(network.parameters(), lr=settings.learning_rate)
    length = settings.sequence_length

    # A fixed validation set: evenly spaced windows of the held-out part.
    n_windows = min(N_VALIDATION_WINDOWS, len(validation_ids) // length)
    validation = _windows(validation_ids, np.arange(n_windows) * length, length, vocabulary.start_id)

    def validation_loss() -> float:
        network.eval()
        with torch.no_grad():
            value = float(_loss(network, *validation))
        network.train()
        return value

    initial = validation_loss()
    history = [{"step": 0, "validation_loss": initial}]
    logger.info("training %s (%d parameters); validation loss %.4f", settings.architecture, count_parameters(network), initial)
    started = time.perf_counter()
    step = 0
    for step in range(1, settings.n_steps + 1):
        starts = rng.integers(0, len(train_ids) - length + 1, size=settings.batch_size)
        loss = _loss(network, *_windows(train_ids, starts, length, vocabulary.start_id))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()
        if on_step is not None:
            on_step(step, loss.item())
        out_of_time = settings.max_seconds is not None and time.perf_counter() - started > settings.max_seconds
        if step % eval_every == 0 or step == settings.n_steps or out_of_time:
            history.append({"step": step, "train_loss": loss.item(), "validation_loss": validation_loss()})
            logger.info("step %d: train loss %.4f, validation loss %.4f", step, loss.item(), history[-1]["validation_loss"])
        if out_of_time:
            logger.info("stopping after %d steps: the time limit of %s s is reached", step, settings.max_seconds)
            break

    network.eval()
    return TrainingResult(
        network=network,
        vocabulary=vocabulary,
        settings=settings,
        n_parameters=count_parameters(network),
        steps_done=step,
        initial_validation_loss=initial,
        final_validation_loss=history[-1]["validation_loss"],
        wall_time_s=time.perf_counter() - started,
        history=history,
    )


def train_and_save(text: str, settings: TrainingSettings, out: str | Path, *, corpus_name: str, **kwargs) -> TrainingResult:
    """Train a model and write its checkpoint folder to `out`."""
    result = train_model(text, settings, **kwargs)
    save_checkpoint(out, result.network, result.vocabulary, training={"corpus": corpus_name, "corpus_characters": len(text), **result.record()})
    return result
