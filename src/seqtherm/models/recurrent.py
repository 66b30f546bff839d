"""Elman, GRU and LSTM language models over a character vocabulary.

The summary of the past is the hidden state of a recurrent network (Sagawa 2026,
arXiv:2604.07867, the RNN case of the deterministic-summary model class):

    h_0 = phi(h_init, start),  h_t = phi(h_{t-1}, y_t),  p(y_{t+1} | h_t) = softmax(W h_t + b)

with phi the Elman (tanh), GRU or LSTM cell of `torch.nn`, stacked `n_layers` deep
(the LSTM summary is the pair (h, c)). Inputs are embedded; the start symbol has its
own embedding row and is never emitted.
"""

from __future__ import annotations

import torch
from torch import nn

from seqtherm.errors import InvalidInputError

RECURRENT_CELLS = {"elman": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class RecurrentNetwork(nn.Module):
    """An embedding, a stack of recurrent layers and a linear read-out to n_symbols logits.

    Args:
        architecture: "elman", "gru" or "lstm".
        n_symbols: number of characters the model emits (inputs also take the start id).
        d_state: hidden size of each recurrent layer.
        d_embed: size of the input embedding.
        n_layers: number of stacked recurrent layers.
    """

    def __init__(self, architecture: str, n_symbols: int, *, d_state: int, d_embed: int, n_layers: int = 1) -> None:
        super().__init__()
        if architecture not in RECURRENT_CELLS:
            raise InvalidInputError(f"recurrent architecture must be one of {sorted(RECURRENT_CELLS)}, got {architecture!r}")
        for label, value in (("n_symbols", n_symbols), ("d_state", d_state), ("d_embed", d_embed), ("n_layers", n_layers)):
            if not isinstance(value, int) or value < 1:
                raise InvalidInputError(f"{label} must be a positive integer, got {value!r}")
        self.architecture = architecture
        self.n_symbols = n_symbols
        self.d_state = d_state
        self.d_embed = d_embed
        self.n_layers = n_layers
        self.embedding = nn.Embedding(n_symbols + 1, d_embed)
        self.cell = RECURRENT_CELLS[architecture](d_embed, d_state, num_layers=n_layers, batch_first=True)
        self.readout = nn.Linear(d_state, n_symbols)

    def hyperparameters(self) -> dict:
        """Constructor arguments besides the architecture and n_symbols, for checkpoints."""
        return {"d_state": self.d_state, "d_embed": self.d_embed, "n_layers": self.n_layers}

    def forward(self, inputs: torch.Tensor, state=None):
        """Run the network on input ids (batch, time); returns logits (batch, time, n_symbols) and the state."""
        hidden, state = self.cell(self.embedding(inputs), state)
        return self.readout(hidden), state
