"""Finite-state autoregressive models: a deterministic automaton with one emission law per state.

The summary h_t takes values in a finite set {0, ..., n_summaries - 1}. Following the
model class of Sagawa, "Stochastic Thermodynamics for Autoregressive Generative Models:
A Non-Markovian Perspective", arXiv:2604.07867 (2026):

    h_0 = initial_summary,   y_{t+1} ~ emission[h_t, :],   h_{t+1} = update[h_t, y_{t+1}]
    ln P_fwd(y_1..y_T) = sum_{t=1}^{T} ln emission[h_{t-1}, y_t]

The backward process runs the same automaton on the reversed sequence, again from
`initial_summary`. First-order Markov chains, order-k n-gram models and n-grams fitted
from token sequences are all instances; the constructors are below.

An initial *law* fits this class through an extra summary `<start>` whose emission law
is that initial law: the first symbol is drawn from it and every later summary is the
last symbol. The backward process then also draws its first symbol y_T from the initial
law, as the model would.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.csgraph import connected_components

from seqtherm.errors import InvalidInputError
from seqtherm.models.protocol import SampleBatch

# Rows of an emission or transition matrix may miss 1 by this much, which accepts tables
# written with six decimals. Accepted rows are then divided by their sum, so the model is
# normalised to rounding error and E[exp(-sigma)] = 1 is exact.
ROW_SUM_TOLERANCE = 1e-6

START_LABEL = "<start>"


@dataclass(frozen=True, eq=False)
class FiniteStateModel:
    """A deterministic automaton with emissions; implements the autoregressive model protocol.

    Attributes:
        emission: shape (n_summaries, n_symbols); row h is p(. | h), each row sums to 1.
        update: shape (n_summaries, n_symbols), integer; update[h, y] is the next summary.
        initial_summary: index of h_0, the summary before any symbol.
        symbol_labels: one name per symbol, used in messages and in the JSON format.
        summary_labels: one name per summary, used in messages.
    """

    emission: np.ndarray
    update: np.ndarray
    initial_summary: int
    symbol_labels: tuple[str, ...]
    summary_labels: tuple[str, ...]
    _cumulative: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        emission = np.array(self.emission, dtype=np.float64)
        update = np.array(self.update)
        validate_emission_rows(emission, self.summary_labels, self.symbol_labels)
        _validate_update(update, emission.shape, self.summary_labels)
        if not 0 <= int(self.initial_summary) < emission.shape[0]:
            raise InvalidInputError(
                f"initial summary {self.initial_summary} is not a summary index "
                f"(the model has {emission.shape[0]} summaries)"
            )
        emission = emission / emission.sum(axis=1, keepdims=True)
        emission.setflags(write=False)
        update = update.astype(np.int64)
        update.setflags(write=False)
        object.__setattr__(self, "emission", emission)
        object.__setattr__(self, "update", update)
        object.__setattr__(self, "initial_summary", int(self.initial_summary))
        object.__setattr__(self, "symbol_labels", tuple(str(s) for s in self.symbol_labels))
        object.__setattr__(self, "summary_labels", tuple(str(s) for s in self.summary_labels))
        if len(set(self.symbol_labels)) != len(self.symbol_labels):
            raise InvalidInputError(f"symbol names must be distinct, got {list(self.symbol_labels)}")
        _check_all_reachable(self)
        object.__setattr__(self, "_cumulative", _sampling_thresholds(emission))

    @property
    def n_summaries(self) -> int:
        return self.emission.shape[0]

    @property
    def n_symbols(self) -> int:
        return self.emission.shape[1]

    def summary_transition_matrix(self) -> np.ndarray:
        """Return M with M[h, h'] = P(h_{t+1} = h' | h_t = h); shape (n_summaries, n_summaries)."""
        matrix = np.zeros((self.n_summaries, self.n_summaries))
        rows = np.repeat(np.arange(self.n_summaries), self.n_symbols)
        np.add.at(matrix, (rows, self.update.ravel()), self.emission.ravel())
        return matrix

    def summaries_along(self, paths: np.ndarray) -> np.ndarray:
        """Run the automaton on paths of shape (batch, time); returns h_0..h_T, shape (batch, time + 1)."""
        paths = self.check_symbols(paths)
        summaries = np.empty((paths.shape[0], paths.shape[1] + 1), dtype=np.int64)
        summaries[:, 0] = self.initial_summary
        for t in range(paths.shape[1]):
            summaries[:, t + 1] = self.update[summaries[:, t], paths[:, t]]
        return summaries

    def step_log_probs_array(self, paths: np.ndarray) -> np.ndarray:
        """Compute ln p(y_t | h_{t-1}) for paths of shape (batch, time); -inf where impossible."""
        paths = self.check_symbols(paths)
        summaries = self.summaries_along(paths)[:, :-1]
        with np.errstate(divide="ignore"):
            return np.log(self.emission[summaries, paths])

    def step_log_probs(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Compute ln p(y_t | h_{t-1}) per sequence (protocol method); lengths may differ."""
        results: list[np.ndarray] = [np.empty(0)] * len(sequences)
        by_length: dict[int, list[int]] = {}
        for index, sequence in enumerate(sequences):
            by_length.setdefault(len(sequence), []).append(index)
        for length, indices in by_length.items():
            if length == 0:
                for index in indices:
                    results[index] = np.zeros(0)
                continue
            batch = np.stack([np.asarray(sequences[i]) for i in indices])
            log_probs = self.step_log_probs_array(batch)
            for row, index in enumerate(indices):
                results[index] = log_probs[row]
        return results

    def sample_array(self, n_samples: int, n_steps: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw paths, shape (n_samples, n_steps), and their step log-probabilities, same shape."""
        if n_samples < 1 or n_steps < 1:
            raise InvalidInputError(
                f"need at least 1 sample of at least 1 step, got n_samples={n_samples}, n_steps={n_steps}"
            )
        rng = np.random.default_rng(seed)
        paths = np.empty((n_samples, n_steps), dtype=np.int64)
        log_probs = np.empty((n_samples, n_steps))
        summary = np.full(n_samples, self.initial_summary, dtype=np.int64)
        for t in range(n_steps):
            # Index of the first threshold above u; zero-probability symbols have empty intervals.
            uniform = rng.random(n_samples)
            symbol = (self._cumulative[summary] <= uniform[:, None]).sum(axis=1)
            paths[:, t] = symbol
            log_probs[:, t] = np.log(self.emission[summary, symbol])
            summary = self.update[summary, symbol]
        return paths, log_probs

    def sample(self, n_samples: int, n_steps: int, *, seed: int) -> SampleBatch:
        """Draw `n_samples` paths of `n_steps` symbols (protocol method)."""
        paths, log_probs = self.sample_array(n_samples, n_steps, seed=seed)
        return SampleBatch(sequences=list(paths), step_log_probs=list(log_probs))

    def check_symbols(self, paths: np.ndarray) -> np.ndarray:
        """Return `paths` as an int64 array of shape (batch, time), or raise on ids outside the alphabet."""
        paths = np.asarray(paths)
        if paths.ndim != 2:
            raise InvalidInputError(f"paths must have shape (batch, time), got shape {paths.shape}")
        if paths.size and (not np.issubdtype(paths.dtype, np.integer) or paths.min() < 0 or paths.max() >= self.n_symbols):
            raise InvalidInputError(
                f"symbol ids must be integers in [0, {self.n_symbols - 1}] for this alphabet "
                f"{list(self.symbol_labels)}, got values from {paths.min()} to {paths.max()}"
            )
        return paths.astype(np.int64)

    def describe_transition(self, summary: int, symbol: int) -> str:
        """Name the step 'summary -> symbol' for messages, e.g. "'a b' -> 'c'"."""
        return f"'{self.summary_labels[summary]}' -> '{self.symbol_labels[symbol]}'"


def validate_emission_rows(matrix: np.ndarray, row_labels: Sequence[str], symbol_labels: Sequence[str]) -> None:
    """Raise InvalidInputError unless every row is a probability vector within ROW_SUM_TOLERANCE."""
    if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise InvalidInputError(f"a probability table must be a non-empty 2-D array, got shape {matrix.shape}")
    if len(row_labels) != matrix.shape[0] or len(symbol_labels) != matrix.shape[1]:
        raise InvalidInputError(
            f"table of shape {matrix.shape} needs {matrix.shape[0]} row labels and "
            f"{matrix.shape[1]} symbols, got {len(row_labels)} and {len(symbol_labels)}"
        )
    for row, label in zip(matrix, row_labels):
        if not np.all(np.isfinite(row)):
            raise InvalidInputError(f"row '{label}' contains a value that is not a finite number: {row.tolist()}")
        negative = np.flatnonzero(row < 0)
        if negative.size:
            symbol = symbol_labels[negative[0]]
            raise InvalidInputError(
                f"row '{label}' has a negative probability {row[negative[0]]} for symbol '{symbol}'; "
                "probabilities must be >= 0"
            )
        total = row.sum()
        if abs(total - 1.0) > ROW_SUM_TOLERANCE:
            raise InvalidInputError(
                f"row '{label}' sums to {float(total)!r}, not 1 (tolerance {ROW_SUM_TOLERANCE}); "
                "fix the probabilities in that row"
            )


def _validate_update(update: np.ndarray, shape: tuple[int, int], summary_labels: Sequence[str]) -> None:
    if update.shape != shape:
        raise InvalidInputError(f"update table has shape {update.shape}, expected {shape} like the emission table")
    if not np.issubdtype(update.dtype, np.integer):
        raise InvalidInputError(f"update table must hold integer summary indices, got dtype {update.dtype}")
    bad = np.argwhere((update < 0) | (update >= shape[0]))
    if bad.size:
        h, y = bad[0]
        raise InvalidInputError(
            f"update from summary '{summary_labels[h]}' on symbol {y} goes to {update[h, y]}, "
            f"which is not a summary index in [0, {shape[0] - 1}]"
        )


def reachable_summaries(emission: np.ndarray, update: np.ndarray, initial_summary: int) -> np.ndarray:
    """Return a boolean mask of the summaries reached from the initial one with positive probability."""
    reached = np.zeros(emission.shape[0], dtype=bool)
    reached[initial_summary] = True
    frontier = [initial_summary]
    while frontier:
        h = frontier.pop()
        for successor in update[h, emission[h] > 0]:
            if not reached[successor]:
                reached[successor] = True
                frontier.append(int(successor))
    return reached


def _check_all_reachable(model: FiniteStateModel) -> None:
    reached = reachable_summaries(model.emission, model.update, model.initial_summary)
    if not reached.all():
        labels = [model.summary_labels[h] for h in np.flatnonzero(~reached)]
        raise InvalidInputError(
            f"summaries {labels} are unreachable from the initial summary "
            f"'{model.summary_labels[model.initial_summary]}' through steps of positive probability; "
            "remove them or give a path to them positive probability"
        )


def _sampling_thresholds(emission: np.ndarray) -> np.ndarray:
    # Cumulative sums with every entry from the last possible symbol on set to 1, so that
    # u in [0, 1) never selects a zero-probability symbol after rounding.
    thresholds = np.cumsum(emission, axis=1)
    for h, row in enumerate(emission):
        thresholds[h, np.flatnonzero(row > 0)[-1] :] = 1.0
    thresholds.setflags(write=False)
    return thresholds


def stationary_distribution(transition: np.ndarray) -> np.ndarray:
    """Return the unique stationary law pi = pi W of a row-stochastic matrix; shape (n,).

    Raises InvalidInputError when the chain has more than one closed communicating class,
    because then the stationary law is not unique.
    """
    n_classes, labels = connected_components(transition > 0, directed=True, connection="strong")
    closed = [
        c for c in range(n_classes)
        if not np.any(transition[np.ix_(labels == c, labels != c)] > 0)
    ]
    if len(closed) != 1:
        groups = [np.flatnonzero(labels == c).tolist() for c in closed]
        raise InvalidInputError(
            f"the chain has {len(closed)} closed classes of states {groups}, so its stationary "
            "law is not unique; give an explicit initial law instead"
        )
    members = np.flatnonzero(labels == closed[0])
    block = transition[np.ix_(members, members)]
    # Solve pi (W - I) = 0 with sum(pi) = 1 on the closed class; transient states get 0.
    system = np.vstack([block.T - np.eye(len(members)), np.ones(len(members))])
    rhs = np.zeros(len(members) + 1)
    rhs[-1] = 1.0
    solution, *_ = np.linalg.lstsq(system, rhs, rcond=None)
    pi = np.zeros(transition.shape[0])
    pi[members] = np.clip(solution, 0.0, None)
    return pi / pi.sum()


def markov_chain(
    transition: np.ndarray,
    initial: np.ndarray | str = "stationary",
    symbols: Sequence[str] | None = None,
) -> FiniteStateModel:
    """Build a first-order Markov chain y_{t+1} ~ transition[y_t, :], y_1 ~ initial.

    `transition` has shape (n_symbols, n_symbols) with rows summing to 1. `initial` is a
    probability vector of shape (n_symbols,) or "stationary" for the unique stationary law.
    Summary 0 is `<start>` with emission `initial`; summary 1 + y means "last symbol was y".
    """
    transition = np.array(transition, dtype=np.float64)
    if transition.ndim != 2 or transition.shape[0] != transition.shape[1]:
        raise InvalidInputError(f"a transition matrix must be square, got shape {transition.shape}")
    n = transition.shape[0]
    labels = tuple(str(s) for s in symbols) if symbols is not None else tuple(str(i) for i in range(n))
    if len(labels) != n:
        raise InvalidInputError(f"{len(labels)} symbols {list(labels)} for a {n}x{n} transition matrix")
    validate_emission_rows(transition, labels, labels)
    transition = transition / transition.sum(axis=1, keepdims=True)

    if isinstance(initial, str):
        if initial != "stationary":
            raise InvalidInputError(f"initial law must be a probability vector or 'stationary', got {initial!r}")
        initial_law = stationary_distribution(transition)
    else:
        initial_law = np.array(initial, dtype=np.float64)
        if initial_law.shape != (n,):
            raise InvalidInputError(f"initial law has shape {initial_law.shape}, expected ({n},) for {n} symbols")
        validate_emission_rows(initial_law[None, :], ["initial"], labels)

    emission = np.vstack([initial_law, transition])
    update = np.tile(np.arange(1, n + 1), (n + 1, 1))
    return FiniteStateModel(emission, update, 0, labels, (START_LABEL, *labels))


def _context_label(context: tuple[int, ...], symbols: Sequence[str]) -> str:
    return " ".join(symbols[s] for s in context) if context else START_LABEL


def ngram_model(
    order: int, table: Mapping[tuple[int, ...], Sequence[float]], symbols: Sequence[str]
) -> FiniteStateModel:
    """Build an order-k n-gram model: y_{t+1} ~ table[last min(t, k) symbols].

    `table` maps each context (a tuple of 0..k symbol ids, oldest first; () at the start)
    to a probability vector of shape (n_symbols,). Every context reachable from () must
    have a row; a row for an unreachable context raises, because it is never used.
    """
    if order < 1:
        raise InvalidInputError(f"n-gram order must be at least 1, got {order}")
    symbols = tuple(str(s) for s in symbols)
    n_symbols = len(symbols)
    for context in table:
        if len(context) > order or any(not 0 <= s < n_symbols for s in context):
            raise InvalidInputError(
                f"context {list(context)} is not a sequence of at most {order} symbol ids in [0, {n_symbols - 1}]"
            )

    # Breadth-first search over contexts from (); each reached context needs a row.
    index: dict[tuple[int, ...], int] = {(): 0}
    contexts: list[tuple[int, ...]] = [()]
    rows: list[np.ndarray] = []
    for context in contexts:
        if context not in table:
            raise InvalidInputError(
                f"context '{_context_label(context, symbols)}' is reachable but has no row in the n-gram table; "
                "add a probability row for it"
            )
        row = np.array(table[context], dtype=np.float64)
        if row.shape != (n_symbols,):
            raise InvalidInputError(
                f"row '{_context_label(context, symbols)}' has {row.size} entries, expected {n_symbols} "
                f"(one per symbol of {list(symbols)})"
            )
        validate_emission_rows(row[None, :], [_context_label(context, symbols)], symbols)
        rows.append(row)
        for symbol in np.flatnonzero(row > 0):
            successor = (context + (int(symbol),))[-order:]
            if successor not in index:
                index[successor] = len(contexts)
                contexts.append(successor)

    # A zero-probability step may lead to a context that is never reached. It only occurs
    # on paths of probability zero, so it goes back to the start.
    updates = [
        [index.get((context + (symbol,))[-order:], 0) for symbol in range(n_symbols)]
        for context in contexts
    ]

    unreachable = [c for c in table if c not in index]
    if unreachable:
        raise InvalidInputError(
            f"context '{_context_label(unreachable[0], symbols)}' has a row but is unreachable from the start "
            "through steps of positive probability; remove the row or make a path to it possible"
        )
    labels = tuple(_context_label(c, symbols) for c in contexts)
    return FiniteStateModel(np.array(rows), np.array(updates), 0, symbols, labels)


def fit_ngram(
    sequences: Sequence[Sequence[int]], order: int, n_symbols: int, *,
    smoothing: float = 1.0, symbols: Sequence[str] | None = None,
) -> FiniteStateModel:
    """Fit an order-k n-gram by additive (Lidstone) smoothing of counts from token sequences.

    p(y | c) = (count(c, y) + smoothing) / (count(c) + smoothing * n_symbols) for every
    context c of 0..k symbols, where contexts shorter than k are the starts of sequences.
    Every context of length <= k gets a row, so `smoothing` must be > 0.
    """
    if smoothing <= 0:
        raise InvalidInputError(
            f"smoothing must be > 0 so that every context has a row and every step is possible, got {smoothing}"
        )
    if order < 1:
        raise InvalidInputError(f"n-gram order must be at least 1, got {order}")
    symbols = tuple(symbols) if symbols is not None else tuple(str(i) for i in range(n_symbols))
    if len(symbols) != n_symbols:
        raise InvalidInputError(f"{len(symbols)} symbol names {list(symbols)} for an alphabet of {n_symbols}")

    counts: dict[tuple[int, ...], np.ndarray] = {}
    for number, sequence in enumerate(sequences):
        sequence = [int(s) for s in sequence]
        bad = [s for s in sequence if not 0 <= s < n_symbols]
        if bad:
            raise InvalidInputError(f"sequence {number} contains symbol id {bad[0]} outside [0, {n_symbols - 1}]")
        for t, symbol in enumerate(sequence):
            context = tuple(sequence[max(0, t - order) : t])
            counts.setdefault(context, np.zeros(n_symbols))[symbol] += 1

    table = {}
    for length in range(order + 1):
        for context in itertools.product(range(n_symbols), repeat=length):
            row = counts.get(context, np.zeros(n_symbols)) + smoothing
            table[context] = row / row.sum()
    return ngram_model(order, table, symbols)


def blocked_model(model: FiniteStateModel, block_length: int) -> FiniteStateModel:
    """Build the model over blocks: one super-symbol per block of `block_length` symbols.

    Super-symbol b = sum_i y_i n_symbols^(l-1-i) (first symbol most significant); its
    emission is the product of the l step probabilities and its update applies the l
    steps. Only the summaries reached at block boundaries are kept. Block reversal of the
    original model is token reversal of this one.
    """
    if block_length < 1:
        raise InvalidInputError(f"block length must be at least 1 symbol, got {block_length}")
    n_blocks = model.n_symbols**block_length
    digits = np.array(list(itertools.product(range(model.n_symbols), repeat=block_length)), dtype=np.int64)
    emission = np.ones((model.n_summaries, n_blocks))
    summary = np.tile(np.arange(model.n_summaries)[:, None], (1, n_blocks))
    for i in range(block_length):
        emission *= model.emission[summary, digits[None, :, i]]
        summary = model.update[summary, digits[None, :, i]]

    # Keep the summaries reached at block boundaries and renumber them.
    boundary_summaries = np.flatnonzero(reachable_summaries(emission, summary, model.initial_summary))
    renumber = np.full(model.n_summaries, -1, dtype=np.int64)
    renumber[boundary_summaries] = np.arange(len(boundary_summaries))
    update = renumber[summary[boundary_summaries]]
    # Zero-probability blocks can lead to dropped summaries; like ngram_model, send them to the start.
    update[update < 0] = renumber[model.initial_summary]
    block_labels = tuple(" ".join(model.symbol_labels[s] for s in row) for row in digits)
    return FiniteStateModel(
        emission[boundary_summaries], update, int(renumber[model.initial_summary]),
        block_labels, tuple(model.summary_labels[h] for h in boundary_summaries),
    )
