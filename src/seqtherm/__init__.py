"""seqtherm: entropy production (irreversibility) of autoregressive generative models."""

from seqtherm.errors import InvalidInputError, ModelLoadError, SeqthermError
from seqtherm.models.protocol import AutoregressiveModel, SampleBatch, path_log_probs

__version__ = "0.1.0"

__all__ = [
    "AutoregressiveModel",
    "InvalidInputError",
    "ModelLoadError",
    "SampleBatch",
    "SeqthermError",
    "path_log_probs",
]
