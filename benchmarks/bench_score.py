"""`alcore score` on a pool too big to load whole: a generated 5,000,000-row Parquet file (issue 5, "Scale-out").

    python benchmarks/bench_score.py                     # 5,000,000 x 20, chunks of 200,000
    python benchmarks/bench_score.py --rows 1000000      # a quick look

Writes the file chunk by chunk into a temporary folder (deleted afterwards),
fits a logistic model on a small labeled sample and saves it with joblib, then
runs the real command, `alcore score MODEL POOL --strategy margin --batch-size
100`, in a fresh process. Prints its wall time and its peak resident memory
(ru_maxrss of the child) next to the size the features would take in memory
as float64: the point is that the peak follows the chunk, not the file.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.linear_model import LogisticRegression


def write_pool(path: Path, rows: int, features: int, seed: int, chunk: int = 500_000) -> None:
    """Gaussian float32 features with three classes' worth of signal, written chunk by chunk."""
    rng = np.random.default_rng(seed)
    names = [f"f{i}" for i in range(features)]
    schema = pa.schema([(name, pa.float32()) for name in names])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, chunk):
            values = rng.standard_normal((min(chunk, rows - start), features), dtype=np.float32)
            writer.write_table(pa.Table.from_arrays(list(values.T), names=names))


def fit_model(path: Path, seed: int):
    """A model fitted on 2,000 rows of the file, labeled by a linear rule with noise."""
    rng = np.random.default_rng(seed)
    X = pq.ParquetFile(path).read_row_group(0).to_pandas().to_numpy(np.float64)[:2000]
    signal = X[:, :3] @ np.array([1.0, -1.0, 0.5]) + 0.5 * rng.standard_normal(len(X))
    labels = np.digitize(signal, [-0.7, 0.7])
    return LogisticRegression(max_iter=500).fit(X, labels)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--chunk-rows", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--strategy", default="margin")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="alcore-bench-score-") as folder:
        pool_path, model_path, picks_path = (
            Path(folder) / "pool.parquet",
            Path(folder) / "model.joblib",
            Path(folder) / "picks.csv",
        )
        started = time.perf_counter()
        write_pool(pool_path, args.rows, args.features, args.seed)
        written = time.perf_counter() - started
        joblib.dump(fit_model(pool_path, args.seed), model_path)

        # Peak RSS of children is a running maximum: measure the bare imports first, then the command.
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import alcore.cli, joblib, pyarrow.parquet, sklearn.linear_model"], check=True
        )
        startup = time.perf_counter() - started
        baseline = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        command = [
            sys.executable,
            "-m",
            "alcore.cli",
            "score",
            str(model_path),
            str(pool_path),
            "--strategy",
            args.strategy,
            "--batch-size",
            str(args.batch_size),
            "--chunk-rows",
            str(args.chunk_rows),
            "--out",
            str(picks_path),
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        n_picks = sum(1 for _ in picks_path.open()) - 1

        features_bytes = args.rows * args.features * 8
        print(
            f"alcore score: {args.rows:,} x {args.features} Parquet file "
            f"({pool_path.stat().st_size / 2**20:,.0f} MiB on disk, written in {written:.1f} s), "
            f"{args.strategy}, best {n_picks} rows, chunks of {args.chunk_rows:,}"
        )
        print(
            f"  wall time         : {wall:8.1f} s  (of which starting Python and importing: ~{startup:.1f} s; "
            f"{args.rows / max(wall - startup, 1e-9):,.0f} rows/s after that)"
        )
        print(
            f"  peak memory (RSS) : {peak / 2**20:8.0f} MiB  (the features as float64 would be "
            f"{features_bytes / 2**20:,.0f} MiB; Python and the imports alone: {baseline / 2**20:,.0f} MiB)"
        )


if __name__ == "__main__":
    main()
