"""From "submit" to the next batch ready, on a 100,000-row pool with logreg (issue 4, "Speed": target <= 1 s).

    python benchmarks/bench_labeling.py                  # 100,000 x 20 numbers, 3 classes
    python benchmarks/bench_labeling.py --text           # plus a free-text column (sparse TF-IDF features)
    python benchmarks/bench_labeling.py --profile        # pyinstrument profile of one submit

A project is created in a temporary folder (SQLite, WAL, synchronous=FULL, as
in production), a few batches are answered from the true labels so the model
is warm, then each timed submit() does everything the page waits for: the
answers saved in one transaction, every label reloaded from the store, the
model refit, the whole pool scored, the next batch recorded and its view
(guesses, confidences, reasons) built. The machine is shared: the median is
the figure, the max says how noisy the run was.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

from alcore.io.datasets import make_dataset
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore

WORDS = np.array("good bad slow fast broken fine great awful cheap pricey late early ok nice poor".split())


def table(n_rows: int, n_features: int, text: bool, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    X, y = make_classification(n_samples=n_rows, n_features=n_features, n_informative=5, n_classes=3, random_state=seed)
    frame = pd.DataFrame(X, columns=[f"feature_{i + 1}" for i in range(n_features)])
    if text:
        rng = np.random.default_rng(seed)
        frame["comment"] = [" ".join(words) for words in rng.choice(WORDS, size=(n_rows, 6))]
    frame["label"] = np.nan
    return frame, np.array(["low", "mid", "high"])[y]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--warm-batches", type=int, default=3)
    parser.add_argument("--timed", type=int, default=7)
    parser.add_argument("--text", action="store_true")
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()

    frame, truth = table(options.rows, options.features, options.text)
    dataset = make_dataset(frame, "label", roles={"comment": "text"} if options.text else None)
    with tempfile.TemporaryDirectory() as folder:
        store = ProjectStore(folder)
        start = time.perf_counter()
        session = LabelingSession.create(store, "bench", dataset, ["low", "mid", "high"], batch_size=options.batch_size)
        print(f"create (store the table, features, first kcenter batch): {time.perf_counter() - start:.2f} s")
        view = session.current_batch()
        for _ in range(options.warm_batches):
            view = session.submit({row: truth[row] for row in view.rows}, "bench")
        assert not session.is_cold, "the model should be warm after the warm-up batches"
        times = []
        for _ in range(options.timed):
            answers = {row: truth[row] for row in view.rows}
            start = time.perf_counter()
            view = session.submit(answers, "bench")
            times.append(time.perf_counter() - start)
        kind = "numbers + text" if options.text else "numbers"
        print(
            f"submit -> next batch ready, {options.rows:,} rows x {options.features} features ({kind}), logreg, "
            f"batch {options.batch_size}, {session.pool.n_labeled} labeled: median {statistics.median(times):.3f} s, "
            f"max {max(times):.3f} s over {len(times)} submits (target <= 1 s)"
        )
        start = time.perf_counter()
        LabelingSession.open(ProjectStore(folder), session.project_id)
        print(
            f"open after a restart (read the table, features, refit, same batch): {time.perf_counter() - start:.2f} s"
        )
        start = time.perf_counter()
        session.quality()
        print(
            f"quality() the first time ({session.pool.n_labeled} labels, every batch): {time.perf_counter() - start:.2f} s"
        )
        if options.profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            answers = {row: truth[row] for row in view.rows}
            with profiler:
                session.submit(answers, "bench")
            print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
