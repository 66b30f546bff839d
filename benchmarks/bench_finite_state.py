"""Time the exact dynamic program for S_y(T) against enumeration of all paths.

Model: a random order-2 n-gram over 4 symbols (21 summaries), rows drawn from a flat
Dirichlet law with seed 0. Each time is the best of `--repeats` runs of one call that
returns the value at T. Run: `python benchmarks/bench_finite_state.py`.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time

import numpy as np

from seqtherm.analytic.finite_state import entropy_production_curve
from seqtherm.analytic.finite_state_enumeration import entropy_production_by_enumeration
from seqtherm.models.finite_state import ngram_model


def best_time(function, repeats: int) -> tuple[float, float]:
    """Return the shortest wall time in seconds over `repeats` calls, and the last value."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return min(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per entry; the best time is reported")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    n_symbols, order = 4, 2
    table = {
        context: rng.dirichlet(np.ones(n_symbols))
        for length in range(order + 1)
        for context in itertools.product(range(n_symbols), repeat=length)
    }
    model = ngram_model(order, table, ["a", "b", "c", "d"])
    print(f"order-{order} n-gram, {n_symbols} symbols, {model.n_summaries} summaries; "
          f"{platform.processor() or platform.machine()}, numpy {np.__version__}")
    print(f"{'T':>6} {'S_y(T) nats':>14} {'DP s':>10} {'enumeration s':>14} {'enum / DP':>10} {'|difference|':>13}")

    for n_steps in [4, 6, 8, 9, 100, 1000]:
        dp_time, dp_value = best_time(lambda: entropy_production_curve(model, n_steps)[-1], args.repeats)
        if n_symbols**n_steps <= 2**18:
            enum_time, enum_value = best_time(lambda: entropy_production_by_enumeration(model, n_steps), args.repeats)
            print(f"{n_steps:>6} {dp_value:>14.10f} {dp_time:>10.5f} {enum_time:>14.5f} "
                  f"{enum_time / dp_time:>10.1f} {abs(dp_value - enum_value):>13.2e}")
        else:
            print(f"{n_steps:>6} {dp_value:>14.10f} {dp_time:>10.5f} {'not feasible':>14} {'':>10} {'':>13}")


if __name__ == "__main__":
    main()
