"""Time the exact S_y(T) methods for linear Gaussian models and print a table.

Run: .venv/bin/python benchmarks/bench_gaussian.py [--dense-steps 1000]

System: A = [[0.8, 0.3], [0, 0.5]], C = [[1, 0.5], [0, 1]], Q = R = I (d_obs = 2).
Rows:
- the fast recursion for the whole curve S_y(1..10^4), with the stop at convergence
  (the default) and without it (every step run);
- the dense O((T d_obs)^3) formula at T = --dense-steps against the fast recursion at
  the same T, and their ratio.
Each time is the best of several repeats of `time.perf_counter`, so it measures this
machine under its current load; compare ratios rather than absolute times.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from seqtherm.analytic.gaussian import entropy_production_curve, entropy_production_dense
from seqtherm.models.gaussian import LinearGaussianModel


def best_time(function, repeats: int) -> tuple[float, object]:
    """Smallest wall time of `repeats` calls and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-steps", type=int, default=10_000, help="T of the whole-curve timing")
    parser.add_argument("--dense-steps", type=int, default=1000, help="T of the dense-versus-fast comparison")
    parser.add_argument("--repeats", type=int, default=3, help="repeats per timing; the best is reported")
    options = parser.parse_args()

    model = LinearGaussianModel.from_state_space(
        [[0.8, 0.3], [0.0, 0.5]], [[1.0, 0.5], [0.0, 1.0]], np.eye(2), np.eye(2)
    )
    T_long, T_dense = options.long_steps, options.dense_steps

    fast_long, curve = best_time(lambda: entropy_production_curve(model, T_long), options.repeats)
    full_long, curve_full = best_time(
        lambda: entropy_production_curve(model, T_long, stop_at_convergence=False), options.repeats
    )
    fast_short, curve_short = best_time(lambda: entropy_production_curve(model, T_dense), max(options.repeats, 5))
    full_short, _ = best_time(
        lambda: entropy_production_curve(model, T_dense, stop_at_convergence=False), options.repeats
    )
    dense_time, dense_value = best_time(lambda: entropy_production_dense(model, T_dense), 1)

    rows = [
        (f"fast curve S_y(1..{T_long}), stop at convergence", fast_long, f"S_y = {curve[-1]:.10g}"),
        (f"fast curve S_y(1..{T_long}), every step", full_long, f"S_y = {curve_full[-1]:.10g}"),
        (f"fast curve S_y(1..{T_dense}), stop at convergence", fast_short, f"S_y = {curve_short[-1]:.10g}"),
        (f"fast curve S_y(1..{T_dense}), every step", full_short, ""),
        (f"dense formula S_y({T_dense}) alone", dense_time, f"S_y = {dense_value:.10g}"),
    ]
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, d_obs = 2")
    print(f"| {'method':<50} | {'seconds':>10} | {'value':<22} |")
    print(f"|{'-' * 52}|{'-' * 12}|{'-' * 24}|")
    for name, seconds, value in rows:
        print(f"| {name:<50} | {seconds:>10.4g} | {value:<22} |")
    print()
    relative = abs(curve_short[-1] - dense_value) / abs(dense_value)
    print(f"dense / fast at T = {T_dense}: {dense_time / fast_short:.0f}x (stop at convergence), "
          f"{dense_time / full_short:.0f}x (every step); relative difference {relative:.2g}")


if __name__ == "__main__":
    main()
