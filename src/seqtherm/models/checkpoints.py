"""Checkpoint folders of the recurrent and linear state-space models that seqtherm trains.

A checkpoint folder contains:

    seqtherm_checkpoint.json   format, architecture, hyperparameters, vocabulary,
                               weights file name and SHA-256, training record
    weights.safetensors        the network's state dict

`load_language_model` recognises a folder by its `seqtherm_checkpoint.json`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch

from seqtherm.errors import InvalidInputError, ModelLoadError
from seqtherm.models.linear_ssm import LinearSSMNetwork
from seqtherm.models.recurrent import RECURRENT_CELLS, RecurrentNetwork
from seqtherm.models.stateful import StatefulLanguageModel
from seqtherm.models.vocabulary import CharacterVocabulary

logger = logging.getLogger(__name__)

CHECKPOINT_FILE = "seqtherm_checkpoint.json"
WEIGHTS_FILE = "weights.safetensors"
FORMAT_NAME = "seqtherm-checkpoint"
FORMAT_VERSION = 1
ARCHITECTURES = (*RECURRENT_CELLS, "linear_ssm")


def is_checkpoint_folder(path: str | Path) -> bool:
    """True when `path` is a folder with a `seqtherm_checkpoint.json`."""
    return (Path(path).expanduser() / CHECKPOINT_FILE).is_file()


def build_network(architecture: str, n_symbols: int, hyperparameters: dict) -> torch.nn.Module:
    """Construct an untrained network of the given architecture."""
    if architecture in RECURRENT_CELLS:
        return RecurrentNetwork(architecture, n_symbols, **hyperparameters)
    if architecture == "linear_ssm":
        return LinearSSMNetwork(n_symbols, **hyperparameters)
    raise InvalidInputError(f"architecture must be one of {', '.join(ARCHITECTURES)}, got {architecture!r}")


def save_checkpoint(
    folder: str | Path, network: torch.nn.Module, vocabulary: CharacterVocabulary, training: dict | None = None
) -> Path:
    """Write a checkpoint folder (created if missing); returns its path."""
    from safetensors.torch import save_file

    from seqtherm.models.registry import file_sha256

    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    weights = {key: value.detach().contiguous().cpu() for key, value in network.state_dict().items()}
    save_file(weights, str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "architecture": network.architecture,
        "hyperparameters": network.hyperparameters(),
        "vocabulary": vocabulary.to_dict(),
        "weights_file": WEIGHTS_FILE,
        "weights_sha256": file_sha256(folder / WEIGHTS_FILE),
        "training": training or {},
    }
    (folder / CHECKPOINT_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def read_manifest(folder: Path) -> dict:
    """Read and validate `seqtherm_checkpoint.json`, naming the broken field."""
    path = folder / CHECKPOINT_FILE
    if not path.is_file():
        raise ModelLoadError(f"{folder} is not a seqtherm checkpoint: {CHECKPOINT_FILE} not found")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelLoadError(
            f"checkpoint file {path} is not valid JSON ({error}); the checkpoint is corrupt, "
            "train it again with `seqtherm train`"
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ModelLoadError(f"{path} does not describe a {FORMAT_NAME} (missing or wrong 'format' field)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(
            f"{path} has format_version {manifest.get('format_version')!r}, but this seqtherm reads "
            f"version {FORMAT_VERSION}; retrain the model or use the seqtherm version that wrote it"
        )
    for field, kind in (("architecture", str), ("hyperparameters", dict), ("vocabulary", dict), ("weights_file", str)):
        if not isinstance(manifest.get(field), kind):
            raise ModelLoadError(f"{path}: field {field!r} is missing or not a {kind.__name__}; the checkpoint is corrupt")
    if manifest["architecture"] not in ARCHITECTURES:
        raise ModelLoadError(
            f"{path}: unknown architecture {manifest['architecture']!r}; known: {', '.join(ARCHITECTURES)}"
        )
    return manifest


def load_checkpoint(
    folder: str | Path, *, temperature: float = 1.0, dtype: str = "float32", batch_size: int = 64
) -> StatefulLanguageModel:
    """Load a checkpoint folder as a `StatefulLanguageModel`.

    Raises `ModelLoadError` for a missing or corrupt manifest, weights whose hash or
    tensor shapes do not match it, and an unknown architecture.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from seqtherm.models.registry import file_sha256

    folder = Path(folder).expanduser()
    manifest = read_manifest(folder)
    try:
        vocabulary = CharacterVocabulary.from_dict(manifest["vocabulary"])
    except InvalidInputError as error:
        raise ModelLoadError(f"{folder / CHECKPOINT_FILE}: invalid vocabulary: {error}") from error

    weights_path = folder / manifest["weights_file"]
    if not weights_path.is_file():
        raise ModelLoadError(f"checkpoint {folder}: weights file {weights_path.name} not found")
    sha256 = file_sha256(weights_path)
    expected = manifest.get("weights_sha256")
    if expected is not None and expected != sha256:
        raise ModelLoadError(
            f"checkpoint {folder}: {weights_path.name} has SHA-256 {sha256[:16]}..., but the manifest "
            f"records {str(expected)[:16]}...; the weights were changed or truncated, retrain or restore them"
        )

    try:
        network = build_network(manifest["architecture"], vocabulary.n_symbols, manifest["hyperparameters"])
    except (InvalidInputError, TypeError) as error:
        raise ModelLoadError(f"checkpoint {folder}: invalid hyperparameters {manifest['hyperparameters']}: {error}") from error
    try:
        state = load_file(str(weights_path))
    except (SafetensorError, OSError) as error:
        raise ModelLoadError(f"checkpoint {folder}: cannot read {weights_path.name}: {error}") from error
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as error:
        first_line = str(error).splitlines()[0]
        raise ModelLoadError(
            f"checkpoint {folder}: the weights do not match the {manifest['architecture']} network of "
            f"the manifest (hyperparameters {manifest['hyperparameters']}, {vocabulary.n_symbols} symbols): "
            f"{first_line}; the manifest and weights come from different models"
        ) from error

    source = {"file": str(folder.resolve()), "sha256": sha256, "architecture": manifest["architecture"]}
    return StatefulLanguageModel(
        network, vocabulary, name=str(folder), temperature=temperature, batch_size=batch_size, dtype=dtype, source=source
    )
