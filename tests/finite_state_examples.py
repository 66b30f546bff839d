"""Small finite-state models shared by the finite-state tests."""

import itertools

import numpy as np

from seqtherm.models.finite_state import FiniteStateModel, markov_chain, ngram_model


def ring_chain(forward: float, backward: float) -> FiniteStateModel:
    """3-state ring: step +1 with probability `forward`, -1 with `backward`, stay otherwise."""
    stay = 1.0 - forward - backward
    transition = np.array(
        [[stay, forward, backward], [backward, stay, forward], [forward, backward, stay]]
    )
    return markov_chain(transition, "stationary", symbols=["A", "B", "C"])


def random_ngram(seed: int, order: int = 2, n_symbols: int = 3) -> FiniteStateModel:
    """Order-k n-gram with every row drawn from a flat Dirichlet law (all entries > 0)."""
    rng = np.random.default_rng(seed)
    table = {
        context: rng.dirichlet(np.ones(n_symbols))
        for length in range(order + 1)
        for context in itertools.product(range(n_symbols), repeat=length)
    }
    return ngram_model(order, table, [chr(ord("a") + i) for i in range(n_symbols)])


def random_automaton(seed: int, n_summaries: int = 4, n_symbols: int = 3) -> FiniteStateModel:
    """Random deterministic automaton with emissions; symbol 0 cycles through all summaries.

    Its summary discards part of the future, so the compression loss L_t is not zero.
    """
    rng = np.random.default_rng(seed)
    emission = rng.dirichlet(np.ones(n_symbols), size=n_summaries)
    update = rng.integers(0, n_summaries, size=(n_summaries, n_symbols))
    update[:, 0] = (np.arange(n_summaries) + 1) % n_summaries
    symbols = [chr(ord("a") + i) for i in range(n_symbols)]
    return FiniteStateModel(emission, update, 0, symbols, [f"s{h}" for h in range(n_summaries)])
