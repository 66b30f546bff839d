"""Model adapters behind one protocol: language models, finite-state and linear Gaussian models."""

from seqtherm.models.protocol import AutoregressiveModel, LanguageModel, SampleBatch, path_log_probs

__all__ = ["AutoregressiveModel", "LanguageModel", "SampleBatch", "path_log_probs"]
