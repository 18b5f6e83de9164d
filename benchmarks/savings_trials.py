"""Ideas measured for README's "Labels saved on real data" and not built: `bench_savings.py`'s protocol with one part
of alcore swapped for the length of a run.

These are trials, not switches: an idea that did not help should not live in alcore as an option nobody should
pick. So each trial replaces one function or model for the run and puts nothing back into alcore.

Two kinds of trial:
- a model (`--model C0.1`): the logistic regression's C swapped on every line, random's and the full-data
  target's included, so the whole comparison runs again (`bench_savings.run_data_set` with `diverse_margin`).
- a line (`--lines dm_density_cosine,semi_knn_agrees`): only the new lines run. Random's curves and the full-data
  scores are read from a stored `bench_savings.py --out` folder of the same data set and seeds (`--base`), which
  the protocol makes identical: the same split, first labels and seeds (replaying `diverse_margin` this way gives
  its stored curves exactly).

Run (the README gives the base run's command; seeds 0 to 5, as the README's trials):
    nice -n 10 python benchmarks/savings_trials.py --lines semi_oracle_all --base dm0 --out trials --data credit
    python benchmarks/savings_trials.py --table baseline=dm0 trials=trials
The table tests each line against its own folder's random alone (no Holm across the lines of a folder).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsClassifier

from alcore.core import models
from alcore.core.models import ModelChoice, one_blas_thread
from alcore.core.stopping import StoppingRule
from alcore.core.strategies import diversity
from alcore.core.strategies.density import mean_cosine_similarity
from alcore.experiment import simulation
from alcore.experiment.simulation import Comparison, simulate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.bench_savings, run from anywhere

from benchmarks import bench_savings as bench  # noqa: E402

# ------------------------------------------------------------------------------------------------ model trials
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
"""The Cs the cross-validated trial chooses among."""


class CrossValidatedLogistic(ClassifierMixin, BaseEstimator):
    """Logistic regression whose C is chosen at each fit by 3-fold cross-validated log loss on the rows it is given."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        y = np.asarray(y)
        classes = np.unique(y)
        losses = np.zeros(len(C_GRID))
        for train, test in KFold(3, shuffle=True, random_state=0).split(X):
            if len(np.unique(y[train])) < 2:
                continue
            truth = np.searchsorted(classes, y[test])
            for i, c in enumerate(C_GRID):
                fold_model = LogisticRegression(C=c, max_iter=1000).fit(X[train], y[train])
                proba = np.full((len(test), len(classes)), 1e-3)  # a class the fold never saw
                proba[:, np.searchsorted(classes, fold_model.classes_)] = np.maximum(
                    fold_model.predict_proba(X[test]), 1e-3
                )
                proba /= proba.sum(axis=1, keepdims=True)
                losses[i] -= np.log(proba[np.arange(len(test)), truth]).sum()
        self.C_ = C_GRID[int(np.argmin(losses))]
        self.model_ = LogisticRegression(C=self.C_, max_iter=1000, random_state=self.random_state).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.model_.predict(X)


def use_model(name: str) -> None:
    """Swap alcore's `logreg` for the trial's: "Ccv" (cross-validated C) or "C<number>" (a fixed C)."""
    if name == "Ccv":
        build: Callable = lambda seed: CrossValidatedLogistic(random_state=seed)  # noqa: E731
    else:
        c = float(name.removeprefix("C"))
        build = lambda seed: LogisticRegression(C=c, max_iter=1000, random_state=seed)  # noqa: E731
    models.MODELS["logreg"] = ModelChoice(f"trial: logistic regression, {name}", build)


# ------------------------------------------------------------------------------------------------ line trials
def pool_density(X, kind: str) -> np.ndarray:
    """(n_rows,) how dense the data is around each pool row, in [0, 1].

    "cosine": mean max(0, cosine similarity) to 1,000 pool rows (Settles & Craven 2008); "centroids": a Gaussian
    kernel over 50 k-means centroids, weighted by their clusters' sizes.
    """
    n = X.shape[0]
    if kind == "cosine":
        sample = np.sort(np.random.default_rng(0).choice(n, size=min(n, 1000), replace=False))
        return mean_cosine_similarity(X, np.arange(n), sample)
    k = min(50, n)
    clustering = KMeans(n_clusters=k, n_init=1, random_state=0).fit(X)
    sizes = np.bincount(clustering.labels_, minlength=k) / n
    squared = clustering.transform(X) ** 2
    density = np.exp(-squared / (2 * (np.median(squared.min(axis=1)) + 1e-12))) @ sizes
    return density / density.max()


def density_weighted_margin(kind: str) -> Callable:
    """`diverse_margin`'s scores times each row's density: its shortlist and each cluster's pick change with them."""
    plain, held = diversity.uncertainty_scores, {}

    def scores(model, X, candidates, kind_of_doubt):
        if held.get("pool") is not X:  # one pool per run, whose rows never change: its density is computed once
            held.update(pool=X, density=pool_density(X, kind))
        return plain(model, X, candidates, kind_of_doubt) * held["density"][candidates]

    return scores


TRUTH: list[np.ndarray] = []
"""The training pool's true class codes of the run in progress: what the oracle trials hand the model."""


def split_remembering_truth(y, seed, test_size, initial):
    """`simulation.split_for_simulation`, keeping the pool's true labels for the oracle trials."""
    train, test, first = plain_split(y, seed, test_size, initial)
    TRUTH[:] = [np.asarray(y)[train]]
    return train, test, first


plain_split = simulation.split_for_simulation
plain_pseudo_labels = models.pseudo_labels


def guesses_of(model, X, y, threshold):
    """(unlabeled rows, the model's guess for each, whether it is at least `threshold` sure)."""
    unlabeled = np.flatnonzero(np.asarray(y) < 0)
    with one_blas_thread():
        proba = model.predict_proba(X[unlabeled])
    return unlabeled, proba, model.classes_[proba.argmax(axis=1)], proba.max(axis=1) >= threshold


def pseudo_labels_knn_agrees(model, X, y, threshold=0.9):
    """alcore's capped guesses, a guess kept only where the vote of its 5 nearest labeled rows gives the same class."""
    y = np.asarray(y)
    unlabeled, proba, guesses, sure = guesses_of(model, X, y, threshold)
    labeled = np.flatnonzero(y >= 0)
    vote = KNeighborsClassifier(n_neighbors=min(5, len(labeled))).fit(X[labeled], y[labeled])
    disagrees = sure & (vote.predict(X[unlabeled]) != guesses)
    proba[disagrees] = 1.0 / proba.shape[1]  # below any threshold: the cap then takes the next surest
    vetoed = SimpleNamespace(classes_=model.classes_, predict_proba=lambda _: proba)
    return plain_pseudo_labels(vetoed, X, y, threshold)


def pseudo_labels_uncapped(answer: str) -> Callable:
    """Every guess the model is at least `threshold` sure of, no cap per class, and in place of the guess:
    "guess" the guess itself (self-training before the cap); "right" the guess only where it is right (the best any
    filter of the guesses could do); "truth" the row's true label (every confident mistake corrected).
    The last two read the true labels: diagnostics of what self-training could reach, not something alcore could do.
    """

    def choose(model, X, y, threshold=0.9):
        trained_on = np.array(y, copy=True)
        unlabeled, _, guesses, sure = guesses_of(model, X, y, threshold)
        truth = TRUTH[0][unlabeled] if answer != "guess" else guesses
        keep = sure & (guesses == truth) if answer == "right" else sure
        trained_on[unlabeled[keep]] = (truth if answer == "truth" else guesses)[keep]
        return trained_on

    return choose


LINES: dict[str, tuple[str, bool, list[tuple[object, str, object]]]] = {
    "dm_density_cosine": (
        "diverse_margin",
        False,
        [(diversity, "uncertainty_scores", density_weighted_margin("cosine"))],
    ),
    "dm_density_centroids": (
        "diverse_margin",
        False,
        [(diversity, "uncertainty_scores", density_weighted_margin("centroids"))],
    ),
    "semi_as_built": ("diverse_margin", True, []),
    "semi_knn_agrees": ("diverse_margin", True, [(models, "pseudo_labels", pseudo_labels_knn_agrees)]),
    "semi_uncapped": ("diverse_margin", True, [(models, "pseudo_labels", pseudo_labels_uncapped("guess"))]),
    "semi_oracle_right_only": (
        "diverse_margin",
        True,
        [
            (models, "pseudo_labels", pseudo_labels_uncapped("right")),
            (simulation, "split_for_simulation", split_remembering_truth),
        ],
    ),
    "semi_oracle_truth": (
        "diverse_margin",
        True,
        [
            (models, "pseudo_labels", pseudo_labels_uncapped("truth")),
            (simulation, "split_for_simulation", split_remembering_truth),
        ],
    ),
}
"""Line name -> (strategy, semi-supervised, the (module, name, replacement) swaps it runs under)."""


def run_line(line: str, X, y, protocol, seed: int, full_score: float) -> tuple[pd.DataFrame, str]:
    """One seed of one trial line: its curve and why it stopped; alcore's functions are put back afterwards."""
    strategy, semi_supervised, swaps = LINES[line]
    saved = [(module, name, getattr(module, name)) for module, name, _ in swaps]
    for module, name, replacement in swaps:
        setattr(module, name, replacement)
    try:
        run = simulate(
            X,
            y,
            strategy,
            protocol.model,
            seed,
            protocol.initial,
            protocol.batch_size,
            protocol.budget(len(y)),
            bench.TEST_SIZE,
            StoppingRule(target=bench.TARGET_SHARE * full_score),
            semi_supervised=semi_supervised,
        )
    finally:
        for module, name, original in saved:
            setattr(module, name, original)
    curve = pd.DataFrame(run.records)
    curve["strategy"] = line
    return curve, run.stop_reason


def lines_beside(name: str, lines: list[str], base: Path) -> Comparison:
    """The stored comparison of data set `name` in folder `base`, with the trial lines run on its seeds."""
    data = bench.SUITE_BY_NAME[name]
    with (base / f"{name}.pkl").open("rb") as file:
        stored: Comparison = pickle.load(file)
    X, y = bench.suite_arrays(data)
    protocol = bench.FULL.scaled(data.scale)
    curves, stops = [stored.curves], [stored.stop_reasons]
    for line in lines:
        for seed in stored.settings["seeds"]:
            curve, reason = run_line(line, X, y, protocol, seed, stored.full_scores[seed])
            curves.append(curve)
            stops.append(pd.DataFrame([{"strategy": line, "seed": seed, "reason": reason}]))
    return Comparison(
        curves=pd.concat(curves, ignore_index=True),
        stop_reasons=pd.concat(stops, ignore_index=True),
        batches=stored.batches,
        full_scores=stored.full_scores,
        settings=stored.settings | {"strategies": list(stored.settings["strategies"]) + lines},
    )


# ------------------------------------------------------------------------------------------------ the table
def line_alone(comparison: Comparison, line: str) -> Comparison:
    """`comparison` with only random and `line`, so the line is tested against random by itself."""

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["strategy"].isin(["random", line])].reset_index(drop=True)

    return Comparison(
        keep(comparison.curves),
        keep(comparison.stop_reasons),
        keep(comparison.batches),
        comparison.full_scores,
        comparison.settings | {"strategies": ["random", line]},
    )


def trials_table(folders: dict[str, Path]) -> pd.DataFrame:
    """Every line of every folder against its own folder's random; a folder's `diverse_margin` is named by its label."""
    tables = []
    for label, folder in folders.items():
        for path in sorted(folder.glob("*.pkl")):
            with path.open("rb") as file:
                comparison = pickle.load(file)
            for line in comparison.curves["strategy"].unique():
                if line == "random":
                    continue
                table = bench.savings_table(path.stem, line_alone(comparison, line))
                table["contender"] = table["contender"].replace(
                    {"diverse_margin": label, "random": f"random ({label})"}
                )
                tables.append(table)
    return (
        pd.concat(tables, ignore_index=True).drop_duplicates(["data", "contender"]).sort_values("data", kind="stable")
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a model trial: C0.1, C0.3, C3 (any number) or Ccv")
    parser.add_argument("--lines", help=f"comma-separated line trials: {', '.join(LINES)}")
    parser.add_argument("--base", type=Path, help="the bench_savings.py --out folder the lines are run beside")
    parser.add_argument("--data", help="comma-separated data set names")
    parser.add_argument("--out", type=Path, help="folder to save each data set's comparison in")
    parser.add_argument("--table", nargs="+", metavar="LABEL=FOLDER", help="print the table of these folders")
    args = parser.parse_args(argv)
    if args.table:
        table = trials_table({label: Path(folder) for label, folder in (item.split("=", 1) for item in args.table)})
        print(bench.format_wide(table))
        print()
        print(bench.format_summary(bench.suite_summary(table[~table["contender"].str.startswith("random")])))
        return
    if not (args.data and args.out) or bool(args.model) == bool(args.lines) or (args.lines and not args.base):
        parser.error("give --data and --out, and either --model, or --lines with --base")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.model:
        use_model(args.model)
    for name in args.data.split(","):
        started = time.perf_counter()
        if args.model:
            comparison = bench.run_data_set(bench.SUITE_BY_NAME[name], ["diverse_margin"], bench.FULL)
        else:
            comparison = lines_beside(name, args.lines.split(","), args.base)
        with (args.out / f"{name}.pkl").open("wb") as file:
            pickle.dump(comparison, file)
        print(f"{name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
