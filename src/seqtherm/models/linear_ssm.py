"""A linear state-space language model: linear state update, softmax read-out.

    h_t = A h_{t-1} + B x_t,   h_{-1} = 0,   p(y_{t+1} | h_t) = softmax(C h_t + d)

x_t is the one-hot vector of input y_t (x_0 is the start symbol), so B x_t is column
y_t of B. The summary h_t is linear in the past inputs; all the nonlinearity is in the
read-out. This is the linear-SSM case of the model class of Sagawa 2026,
arXiv:2604.07867.

A is stored as a free matrix W and used as A = W * min(1, rho_max / ||W||_2), so the
spectral norm of A never exceeds rho_max < 1 and the state stays bounded over long
samples. With A = 0 and B = I the summary is the last symbol and the model is a
first-order Markov chain with kernel softmax(C[:, y] + d).
"""

from __future__ import annotations

import torch
from torch import nn

from seqtherm.errors import InvalidInputError


class LinearSSMNetwork(nn.Module):
    """The linear SSM above, with `d_state` dimensions and `n_symbols` outputs.

    Args:
        n_symbols: number of characters the model emits (inputs also take the start id).
        d_state: dimension of h_t.
        rho_max: bound on the spectral norm of A.
    """

    architecture = "linear_ssm"

    def __init__(self, n_symbols: int, *, d_state: int, rho_max: float = 0.99) -> None:
        super().__init__()
        for label, value in (("n_symbols", n_symbols), ("d_state", d_state)):
            if not isinstance(value, int) or value < 1:
                raise InvalidInputError(f"{label} must be a positive integer, got {value!r}")
        if not 0 < rho_max < 1:
            raise InvalidInputError(f"rho_max must lie in (0, 1) so that the state stays bounded, got {rho_max}")
        self.n_symbols = n_symbols
        self.d_state = d_state
        self.rho_max = float(rho_max)
        self.transition = nn.Parameter(0.5 * torch.linalg.qr(torch.randn(d_state, d_state))[0])
        # B x_t for one-hot x_t is a column of B: an embedding lookup.
        self.input_matrix = nn.Embedding(n_symbols + 1, d_state)
        self.readout = nn.Linear(d_state, n_symbols)

    def hyperparameters(self) -> dict:
        """Constructor arguments besides n_symbols, for checkpoints."""
        return {"d_state": self.d_state, "rho_max": self.rho_max}

    def state_matrix(self) -> torch.Tensor:
        """Compute A = W * min(1, rho_max / ||W||_2); shape (d_state, d_state)."""
        norm = torch.linalg.matrix_norm(self.transition, ord=2)
        return self.transition * torch.clamp(self.rho_max / (norm + 1e-12), max=1.0)

    def forward(self, inputs: torch.Tensor, state: torch.Tensor | None = None):
        """Run the recursion on input ids (batch, time); returns logits (batch, time, n_symbols) and h_T."""
        A = self.state_matrix()
        driven = self.input_matrix(inputs)  # (batch, time, d_state): B x_t
        h = driven.new_zeros(inputs.shape[0], self.d_state) if state is None else state
        states = []
        for t in range(inputs.shape[1]):
            h = h @ A.T + driven[:, t]
            states.append(h)
        return self.readout(torch.stack(states, dim=1)), h
