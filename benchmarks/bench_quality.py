"""How close is the Label page's quality estimate to the model's true accuracy on the rows not yet labeled?

Run: python benchmarks/bench_quality.py [--batches 12] [--imported 20] [--holdout-share 0] [--seeds 3]

On demo tables whose every label is known, a labeling project starts with
`--imported` random rows already labeled (as a table with a few labels would),
and `--holdout-share` of its rows kept for a random audit (each batch asks a
few of them; the model never trains on them), then the oracle answers
`--batches` batches of 10 picked by the default strategy. After each
batch the page's estimate (`LabelingSession.quality()`) is compared with the
accuracy of the session's model on every row still unlabeled, and so is the
estimate the page used before: cross-validation on all labeled rows, which
the picked (hard) rows drag down. Printed per table: mean absolute error of
each, the share of batches whose 95% interval holds the truth, and the first
and last estimate against the truth.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from alcore.io.datasets import load_demo, make_dataset
from alcore.labeling.quality import cross_validated_accuracy
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore


def one_project(
    name: str, n_imported: int, n_batches: int, seed: int, folder: Path, holdout_share: float = 0.0
) -> pd.DataFrame:
    """Per batch: the page's estimate and interval, the old cross-validated estimate, the true accuracy."""
    demo = load_demo(name)
    truth = demo.frame[demo.label_column].astype(str).to_numpy()  # as a CSV upload would give them
    classes = sorted(set(truth))
    imported = np.random.default_rng(seed).choice(len(truth), size=n_imported, replace=False)
    frame = demo.frame.copy()
    frame[demo.label_column] = pd.Series([None] * len(frame), dtype=object)
    frame.loc[imported, demo.label_column] = truth[imported]
    dataset = make_dataset(frame, demo.label_column, name=name)
    session = LabelingSession.create(
        ProjectStore(folder),
        f"{name}-{seed}",
        dataset,
        classes,
        batch_size=10,
        random_state=seed,
        holdout_share=holdout_share,
    )
    rows = []
    for _ in range(n_batches):
        view = session.current_batch()
        if not view.rows:
            break
        session.submit({row: truth[row] for row in view.rows}, "bench")
        quality = session.quality().dropna(subset=["estimate"])
        if quality.empty or session.is_cold:
            continue
        labeled = session.pool.labeled_indices()
        unlabeled = np.setdiff1d(np.arange(len(truth)), labeled)
        if len(unlabeled) == 0:
            break
        predicted = session.learner.predict(session.train_pool)
        codes = np.searchsorted(classes, truth[labeled])
        old = cross_validated_accuracy(session.settings["model"], session.X[labeled], codes, seed)
        last = quality.iloc[-1]
        rows.append(
            {
                "n_labeled": len(labeled),
                "estimate": last["estimate"],
                "low": last["low"],
                "high": last["high"],
                "old_estimate": old["estimate"] if old else np.nan,
                "truth": float(np.mean(predicted[unlabeled] == truth[unlabeled])),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=12)
    parser.add_argument("--imported", type=int, default=20)
    parser.add_argument("--holdout-share", type=float, default=0.0)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tables", default="breast_cancer,wine,digits,iris")
    args = parser.parse_args()
    print(
        f"{args.imported} imported labels, {args.holdout_share:.0%} held out for an audit, {args.batches} batches "
        f"of 10 (default strategy, logreg), {args.seeds} seeds\n"
    )
    print(f"{'table':<15}{'|error| now':>12}{'|error| before':>16}{'interval holds':>16}   first → last (truth)")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.tables.split(","):
            runs = [
                one_project(
                    name, args.imported, args.batches, seed, Path(folder) / f"{name}-{seed}", args.holdout_share
                )
                for seed in range(args.seeds)
            ]
            table = pd.concat(runs, ignore_index=True)
            error = (table["estimate"] - table["truth"]).abs().mean()
            old_error = (table["old_estimate"] - table["truth"]).abs().mean()
            holds = ((table["low"] <= table["truth"]) & (table["truth"] <= table["high"])).mean()
            first, last = runs[0].iloc[0], runs[0].iloc[-1]
            path = (
                f"{first['estimate']:.1%} → {last['estimate']:.1%} (truth {first['truth']:.1%} → {last['truth']:.1%}); "
                f"before: {first['old_estimate']:.1%} → {last['old_estimate']:.1%}"
            )
            print(f"{name:<15}{error:>12.1%}{old_error:>16.1%}{holds:>16.0%}   {path}")


if __name__ == "__main__":
    main()
