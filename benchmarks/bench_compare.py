"""Does `compare` use both cores? Margin vs random, 5 seeds, 30 rounds on digits, 1 vs 2 worker processes.

Run: python benchmarks/bench_compare.py [--seeds 5] [--rounds 30]
Prints wall times and the speed-up as a ratio measured in one run (the
machine is shared, so absolute seconds vary; the ratio is the figure). The
first parallel call pays for starting the worker processes (joblib keeps
them for later calls), so it is reported apart from a warm call.
"""

from __future__ import annotations

import argparse
import os
import time

from alcore.experiment.simulation import compare
from alcore.io.datasets import load_demo, to_features


def timed_compare(X, y, n_jobs: int, seeds: int, rounds: int) -> float:
    """Wall seconds of one compare."""
    started = time.perf_counter()
    compare(X, y, ["margin"], seeds=seeds, initial=20, batch_size=10, budget=20 + 10 * rounds, n_jobs=n_jobs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    digits = load_demo("digits")
    X, y = to_features(digits), digits.labels().to_numpy()
    serial = timed_compare(X, y, 1, args.seeds, args.rounds)
    cold = timed_compare(X, y, 2, args.seeds, args.rounds)
    warm = timed_compare(X, y, 2, args.seeds, args.rounds)
    print(f"compare margin vs random on digits, {args.seeds} seeds x {args.rounds} rounds")
    print(f"  1 process                           : {serial:6.2f} s")
    print(f"  2 workers, first call (starts them) : {cold:6.2f} s")
    print(f"  2 workers, warm                     : {warm:6.2f} s")
    print(
        f"  speed-up with warm workers          : {serial / warm:.2f}x on {os.cpu_count()} cores "
        f"(load average now {os.getloadavg()[0]:.1f}: other work on the machine shares the cores)"
    )


if __name__ == "__main__":
    main()
