"""How fast and how lean the query strategies are (issue 2, "Speed").

    python benchmarks/bench_strategies.py                 # 1,000,000 x 50, the targets
    python benchmarks/bench_strategies.py --rows 100000   # a quick look

Prints, measured in one run (the machine is shared, so only ratios within a
run mean anything):
- uncertainty strategies (select through the registry, on a pool with some
  rows labeled, so candidates are not one contiguous slice) against the bare
  `model.predict_proba(X)` on the whole pool, for a logistic model with 3 and
  10 classes: time ratio (target <= 1.2) and peak extra memory as a fraction
  of the pool's own bytes (target: total within 2x the pool, i.e. <= 1.0);
  diverse_margin (margin + k-means of the 10 x batch most uncertain) for scale;
- kcenter: a batch of 100 from 100,000 x 50 rows (target < 1 s).

Times are the best of --repeats runs ("x bare": best over best; "median":
median over median), bare and strategy interleaved so both see the same load. Memory is measured in separate runs under tracemalloc
(NumPy reports its buffers to it), so tracing never slows the timed runs.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from alcore.core.pool import LabelSource, Pool
from alcore.core.strategies import select

UNCERTAINTY = ["margin", "least_confidence", "entropy", "diverse_margin"]


def seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def peak_extra_bytes(call) -> int:
    """Peak bytes allocated (and traced) while `call` runs, above what was live before."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - before


def make_pool(rows: int, features: int, labeled: int, seed: int) -> Pool:
    """A pool of Gaussian rows with `labeled` random rows labeled (values do not matter for speed)."""
    rng = np.random.default_rng(seed)
    pool = Pool(rng.standard_normal((rows, features)))
    labeled_rows = rng.choice(rows, size=min(labeled, rows - 1), replace=False)
    pool.record_labels(labeled_rows, rng.integers(0, 3, size=len(labeled_rows)), LabelSource.INITIAL, 0)
    return pool


def fit_model(features: int, classes: int, seed: int) -> LogisticRegression:
    X, y = make_classification(
        n_samples=3000, n_features=features, n_informative=10, n_classes=classes, random_state=seed
    )
    return LogisticRegression(max_iter=300).fit(X, y)


def bench_uncertainty(pool: Pool, classes: int, batch: int, repeats: int, seed: int) -> list[dict]:
    model = fit_model(pool.X.shape[1], classes, seed)
    bare_times = []
    times = {name: [] for name in UNCERTAINTY}
    for _ in range(repeats):
        bare_times.append(seconds(lambda: model.predict_proba(pool.X)))
        for name in UNCERTAINTY:
            times[name].append(seconds(lambda: select(name, model, pool, batch, np.random.default_rng(seed))))
    bare, bare_median = min(bare_times), float(np.median(bare_times))
    bare_memory = peak_extra_bytes(lambda: model.predict_proba(pool.X))
    results = [
        dict(
            what=f"bare predict_proba ({classes} classes)",
            seconds=bare,
            ratio=1.0,
            median_ratio=1.0,
            memory=bare_memory,
        )
    ]
    for name in UNCERTAINTY:
        memory = peak_extra_bytes(lambda: select(name, model, pool, batch, np.random.default_rng(seed)))
        best, median = min(times[name]), float(np.median(times[name]))
        results.append(
            dict(
                what=f"{name} ({classes} classes)",
                seconds=best,
                ratio=best / bare,
                median_ratio=median / bare_median,
                memory=memory,
            )
        )
    return results


def bench_kcenter(pool: Pool, batch: int, repeats: int, seed: int) -> list[dict]:
    results = []
    for label, model_pool in (("kcenter", pool), ("kcenter cold (nothing labeled)", Pool(pool.X))):
        best = min(
            seconds(lambda: select("kcenter", None, model_pool, batch, np.random.default_rng(seed)))
            for _ in range(repeats)
        )
        memory = peak_extra_bytes(lambda: select("kcenter", None, model_pool, batch, np.random.default_rng(seed)))
        results.append(dict(what=label, seconds=best, ratio=None, median_ratio=None, memory=memory))
    return results


def print_table(title: str, results: list[dict], pool_bytes: int) -> None:
    print(f"\n{title}  (pool: {pool_bytes / 2**20:,.0f} MiB)")
    print(f"{'':40} {'seconds':>8} {'x bare':>7} {'median':>7} {'peak extra':>11} {'x pool':>7}")
    for row in results:
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else ""
        median = f"{row['median_ratio']:.2f}" if row["median_ratio"] is not None else ""
        print(
            f"{row['what']:40} {row['seconds']:8.3f} {ratio:>7} {median:>7} "
            f"{row['memory'] / 2**20:8.1f} MiB {row['memory'] / pool_bytes:7.2f}"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="pool rows for the uncertainty strategies")
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--classes", default="3,10", help="comma-separated class counts of the logistic model")
    parser.add_argument("--labeled", type=int, default=1000, help="rows labeled before the query")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--kcenter-rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    pool = make_pool(args.rows, args.features, args.labeled, args.seed)
    for classes in (int(value) for value in args.classes.split(",")):
        results = bench_uncertainty(pool, classes, args.batch, args.repeats, args.seed)
        print_table(f"Uncertainty on {args.rows:,} x {args.features}, batch {args.batch}", results, pool.X.nbytes)
    del pool

    kcenter_pool = make_pool(args.kcenter_rows, args.features, 20, args.seed)
    results = bench_kcenter(kcenter_pool, args.batch, args.repeats, args.seed)
    print_table(
        f"kcenter batch of {args.batch} from {args.kcenter_rows:,} x {args.features}", results, kcenter_pool.X.nbytes
    )


if __name__ == "__main__":
    main()
