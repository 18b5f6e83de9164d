"""How good is the model a person is training, and is more labeling worth it?

Everything here is recomputed from the store's event log (the one record of
what was labeled when), so it survives a restart and follows undo: a batch
that was undone simply has no point on the curve. For each submitted batch
(in the order its answers were saved) we replay the labels as they stood just
after it, then

- estimate accuracy: on held-out rows when enough of them are labeled, else
  by k-fold cross-validation on the labeled rows (k = min(5, the smallest
  class count), at least 2) with a 95% Wilson interval;
- predict a fixed "stop set" of up to 1,000 rows, so the share of predictions
  that changed since the previous batch is known (stabilizing predictions,
  Bloodgood & Vijay-Shanker 2009).

Each batch costs k + 1 fits of a small labeled set; results are cached by the
caller (in the project's settings), so a page pays for new batches only.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from alcore.core.models import fit_estimator, make_model
from alcore.core.stopping import plateaued, prediction_agreement

CV_FOLDS = 5
MIN_HOLDOUT_LABELS = 10
"""Below this many labeled held-out rows, cross-validation is used instead."""
STABLE_BATCHES = 3
STABLE_AGREEMENT = 0.99
PLATEAU_BATCHES = 3
PLATEAU_DELTA = 0.005
CV_CAVEAT = (
    "the rows were picked by the model, not at random, so this is not an unbiased estimate "
    "for the whole table (usually on the low side: picked rows are the hard ones)"
)
QUALITY_COLUMNS = ["batch", "batch_id", "n_labeled", "estimate", "low", "high", "method", "changed"]


def wilson_interval(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion correct/n (good at small n and near 0 or 1)."""
    if n == 0:
        return (math.nan, math.nan)
    p = correct / n
    denominator = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, center - half), min(1.0, center + half))


def cross_validated_accuracy(model, X, y: np.ndarray, random_state: int | None = 0) -> dict | None:
    """Out-of-fold accuracy of `model` on (X, y), or None with fewer than 2 rows in some class.

    X: (n, n_features) labeled rows; y: (n,) class codes. Stratified k-fold
    with k = min(5, smallest class count); the interval treats the n
    out-of-fold predictions as n trials (Wilson).
    """
    present, counts = np.unique(y, return_counts=True)
    if len(present) < 2 or counts.min() < 2:
        return None
    folds = StratifiedKFold(n_splits=min(CV_FOLDS, int(counts.min())), shuffle=True, random_state=random_state)
    predicted = np.empty_like(y)
    for train, test in folds.split(np.zeros(len(y)), y):
        if len(np.unique(y[train])) < 2:
            predicted[test] = y[train][0]
            continue
        estimator = fit_estimator(make_model(model, random_state), X[train], y[train])
        predicted[test] = estimator.predict(X[test])
    correct = int(np.sum(predicted == y))
    low, high = wilson_interval(correct, len(y))
    return {
        "estimate": correct / len(y),
        "low": low,
        "high": high,
        "method": f"cross-validation on {len(y)} labeled rows ({folds.n_splits}-fold); caveat: {CV_CAVEAT}",
    }


def holdout_accuracy(estimator, X, y: np.ndarray) -> dict:
    """Accuracy of a fitted estimator on labeled held-out rows, with a Wilson interval."""
    correct = int(np.sum(estimator.predict(X) == y))
    low, high = wilson_interval(correct, len(y))
    return {
        "estimate": correct / len(y),
        "low": low,
        "high": high,
        "method": f"held-out rows: {len(y)} rows labeled for evaluation only, never trained on",
    }


# -- replaying the event log --------------------------------------------------
def live_label_events(events: pd.DataFrame) -> pd.DataFrame:
    """Label/relabel events whose batch was not undone (relabels outside a batch always count)."""
    undone = set(events.loc[events["kind"] == "undo", "batch_id"].dropna())
    keep = events["kind"].isin(["label", "relabel"]) & ~events["batch_id"].isin(undone)
    return events[keep]


def submitted_batches(events: pd.DataFrame) -> list[tuple[int, int]]:
    """(batch_id, cutoff) of every answered, not undone batch, in the order they were saved.

    cutoff: the id of the batch's last event; the labels "after the batch" are
    the live events up to it.
    """
    undone = set(events.loc[events["kind"] == "undo", "batch_id"].dropna())
    answered = events[
        events["kind"].isin(["label", "skip", "relabel"])
        & events["batch_id"].notna()
        & ~events["batch_id"].isin(undone)
    ]
    cutoffs = answered.groupby("batch_id")["event_id"].max().sort_values()
    return [(int(batch), int(cutoff)) for batch, cutoff in cutoffs.items()]


def labels_at(live: pd.DataFrame, cutoff: int) -> pd.DataFrame:
    """DataFrame[row, label]: each row's newest live label among events up to `cutoff`."""
    upto = live[live["event_id"] <= cutoff]
    return upto.drop_duplicates("row", keep="last")[["row", "label"]]


class QualityHistory:
    """The per-batch quality curve of one project, computed from events and cached.

    X: (n_rows, n_features) the project's features; classes: the project's
    classes (labels are coded by position); holdout: (n,) rows whose labels
    are for evaluation only; stop_set: (m,) rows predicted after each batch.
    cache: {str(batch_id): entry} from an earlier run (the project settings).
    """

    def __init__(
        self,
        X,
        classes: Sequence[Hashable],
        model,
        random_state: int | None,
        holdout: np.ndarray,
        stop_set: np.ndarray,
        cache: Mapping | None = None,
    ):
        self.X, self.model, self.random_state = X, model, random_state
        self.code_of = {value: code for code, value in enumerate(classes)}
        self.holdout, self.stop_set = holdout, stop_set
        self.cache = dict(cache or {})
        self.dirty = False

    def _coded(self, labels: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        rows = labels["row"].to_numpy(dtype=np.int64)
        codes = np.array(
            [self.code_of.setdefault(value, len(self.code_of)) for value in labels["label"]], dtype=np.int64
        )
        return rows, codes

    def _fit(self, rows: np.ndarray, codes: np.ndarray):
        if len(np.unique(codes)) < 2:
            return None
        return fit_estimator(make_model(self.model, self.random_state), self.X[rows], codes)

    def _stop_predictions(self, live: pd.DataFrame, cutoff: int) -> np.ndarray | None:
        rows, codes = self._coded(labels_at(live, cutoff))
        training = ~np.isin(rows, self.holdout)
        estimator = self._fit(rows[training], codes[training])
        return None if estimator is None else estimator.predict(self.X[self.stop_set])

    def _entry(self, live: pd.DataFrame, cutoff: int, previous: np.ndarray | None) -> tuple[dict, np.ndarray | None]:
        rows, codes = self._coded(labels_at(live, cutoff))
        held_out = np.isin(rows, self.holdout)
        estimator = self._fit(rows[~held_out], codes[~held_out])
        predictions = None if estimator is None else estimator.predict(self.X[self.stop_set])
        if estimator is not None and held_out.sum() >= MIN_HOLDOUT_LABELS:
            estimate = holdout_accuracy(estimator, self.X[rows[held_out]], codes[held_out])
        else:
            estimate = cross_validated_accuracy(
                self.model, self.X[rows[~held_out]], codes[~held_out], self.random_state
            )
        if estimate is None:
            estimate = {
                "estimate": None,
                "low": None,
                "high": None,
                "method": "no estimate yet: every class needs at least 2 labeled rows",
            }
        changed = None
        if previous is not None and predictions is not None:
            changed = 1.0 - prediction_agreement(previous, predictions)
        entry = {"cutoff": cutoff, "n_labeled": len(rows), **estimate, "changed": changed}
        return entry, predictions

    def curve(self, events: pd.DataFrame) -> pd.DataFrame:
        """DataFrame[batch (1, 2, ...), batch_id, n_labeled, estimate, low, high, method, changed].

        changed: share of the stop set whose prediction differs from the model
        after the previous batch (None while either model is cold).
        """
        live = live_label_events(events)
        records, previous, previous_cutoff = [], None, None
        for number, (batch_id, cutoff) in enumerate(submitted_batches(events), start=1):
            entry = self.cache.get(str(batch_id))
            if entry is None or entry.get("cutoff") != cutoff:
                if previous is None and previous_cutoff is not None:
                    previous = self._stop_predictions(live, previous_cutoff)
                entry, previous = self._entry(live, cutoff, previous)
                self.cache[str(batch_id)] = entry
                self.dirty = True
            else:
                previous = None  # known only if needed by a later, uncached batch
            previous_cutoff = cutoff
            records.append({"batch": number, "batch_id": batch_id, **entry})
        return pd.DataFrame(records, columns=QUALITY_COLUMNS)


def stopping_advice(curve: pd.DataFrame, n_labeled: int, n_unlabeled: int, budget: int | None, is_cold: bool) -> str:
    """The stopping advisor in words: budget, stable predictions, a plateau, or keep going."""
    if n_unlabeled == 0:
        return "Every row is labeled: there is nothing left to ask."
    if budget is not None and n_labeled >= budget:
        return f"Budget reached: {n_labeled:,} labels of the {budget:,} planned. Stop here, or raise the budget."
    if is_cold:
        return (
            "Keep going: there is no model yet. Label rows of at least two classes so one can be trained; "
            "until then rows are picked to cover the data."
        )
    changed = curve["changed"].dropna().tolist()
    if len(changed) >= STABLE_BATCHES and max(changed[-STABLE_BATCHES:]) < 1 - STABLE_AGREEMENT:
        return (
            f"The last {STABLE_BATCHES} batches changed fewer than {1 - STABLE_AGREEMENT:.0%} of predictions "
            f"(at most {max(changed[-STABLE_BATCHES:]):.1%}); more labels are unlikely to help much."
        )
    estimates = curve["estimate"].dropna().tolist()
    if plateaued(estimates, PLATEAU_BATCHES, PLATEAU_DELTA):
        return (
            f"The estimated accuracy has not improved by more than {PLATEAU_DELTA * 100:.1f} points over the "
            f"last {PLATEAU_BATCHES} batches (now {estimates[-1]:.0%}); more labels are unlikely to help much."
        )
    words = ["Keep going"]
    if changed:
        words.append(f"the last batch changed {changed[-1]:.1%} of predictions")
    if estimates:
        last = curve.dropna(subset=["estimate"]).iloc[-1]
        words.append(
            f"estimated accuracy {last['estimate']:.0%} (95% interval {last['low']:.0%} to {last['high']:.0%})"
        )
    if budget is not None:
        words.append(f"{budget - n_labeled:,} labels left in the budget")
    return words[0] + (": " + "; ".join(words[1:]) if len(words) > 1 else "") + "."
