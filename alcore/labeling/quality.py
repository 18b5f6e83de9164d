"""How good is the model a person is training, and is more labeling worth it?

Everything here is recomputed from the store's event log (the one record of
what was labeled when), so it survives a restart and follows undo: a batch
that was undone simply has no point on the curve. For each submitted batch
(in the order its answers were saved) we replay the labels as they stood just
after it, then

- estimate the accuracy on the rows not yet labeled, with a 95% Wilson
  interval, from rows whose choice did not depend on the model, so the
  estimate does not fall just because the model asks about hard rows:
  1. labeled held-out rows (a random audit, setting `holdout_share`), never
     trained on, once MIN_HOLDOUT_LABELS of them are labeled;
  2. else the labels imported with the table (alcore did not pick them), once
     MIN_AUDIT_LABELS of them exist: each predicted out-of-fold by a model
     trained on every other label (`audit_accuracy`);
  3. else k-fold cross-validation on all labeled rows, said plainly to be
     biased (the picked rows are the hard ones);
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
"""Below this many labeled held-out rows, the imported labels (or cross-validation) are used instead."""
MIN_AUDIT_LABELS = 10
"""Imported labels needed to estimate from them (below this, cross-validation on every label)."""
IMPORTED_LABELER = "imported"
"""The labeler of labels that were already in the table when the project started."""
ESTIMATE_VERSION = 2
"""Cached curve entries from another version of the estimate are computed again."""
MAX_INTERVAL_WIDTH = 0.10
"""The advisor says more labels are unlikely to help only once the accuracy interval is this narrow."""
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


def _correct_out_of_fold(model, X, y: np.ndarray, test_folds: list[np.ndarray], random_state: int | None) -> int:
    """Rows of the test folds that a model trained on every row outside their fold predicts right.

    A training set of one class predicts that class (no model can be fitted).
    """
    correct = 0
    for fold in test_folds:
        train = np.setdiff1d(np.arange(len(y)), fold)
        if len(np.unique(y[train])) < 2:
            correct += int(np.sum(y[fold] == y[train][0]))
            continue
        estimator = fit_estimator(make_model(model, random_state), X[train], y[train])
        correct += int(np.sum(estimator.predict(X[fold]) == y[fold]))
    return correct


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
    test_folds = [test for _, test in folds.split(np.zeros(len(y)), y)]
    correct = _correct_out_of_fold(model, X, y, test_folds, random_state)
    low, high = wilson_interval(correct, len(y))
    return {
        "estimate": correct / len(y),
        "low": low,
        "high": high,
        "method": f"cross-validation on {len(y)} labeled rows ({folds.n_splits}-fold); caveat: {CV_CAVEAT}",
    }


def audit_accuracy(model, X, y: np.ndarray, audit: np.ndarray, random_state: int | None = 0) -> dict:
    """Accuracy of `model` trained on (X, y) on the audit rows, each predicted out-of-fold.

    X: (n, n_features) every labeled training row; y: (n,) their codes;
    audit: (n,) bool, the rows not picked by the model (imported labels). The
    audit rows are split in k = min(5, their count) folds; each fold is
    predicted by a model trained on every other row (audit and picked), so
    each prediction comes from nearly the whole labeled set.
    """
    audit_rows = np.flatnonzero(audit)
    folds = np.array_split(np.random.default_rng(random_state).permutation(audit_rows), min(CV_FOLDS, len(audit_rows)))
    correct = _correct_out_of_fold(model, X, y, folds, random_state)
    low, high = wilson_interval(correct, len(audit_rows))
    return {
        "estimate": correct / len(audit_rows),
        "low": low,
        "high": high,
        "method": f"the {len(audit_rows)} labels that were already in your table (alcore did not pick them, so "
        "they stand for the table as a whole), each predicted by a model trained on every other label; the rows "
        "still unlabeled are usually easier, since alcore asked about the hard ones, so this errs on the low side",
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


IMPORTED_BATCH = 0
"""The number of the labels that were already in the table: no batch anyone answered, so the loop's start at 1."""
NUMBERED_COLUMNS = ["batch_id", "batch", "undone"]


def numbered_batches(events: pd.DataFrame, imported_batch_id: int | None = None) -> pd.DataFrame:
    """DataFrame[batch_id, batch, undone]: every answered batch, numbered as people saw them.

    The one numbering of the Label page, its charts and the report: batches 1, 2, ... in the order their
    answers were saved, an undone batch keeping its number (undone=True) so the batches after it do not
    change theirs; the imported labels are batch IMPORTED_BATCH (0). The store's ids are never shown.
    """
    undone = set(events.loc[events["kind"] == "undo", "batch_id"].dropna().astype(int))
    answered = events[events["kind"].isin(["label", "skip", "relabel", "opinion"]) & events["batch_id"].notna()]
    order = answered.groupby("batch_id")["event_id"].max().sort_values().index.astype(int).tolist()
    loop = [batch_id for batch_id in order if batch_id != imported_batch_id]
    numbered = [(batch_id, number, batch_id in undone) for number, batch_id in enumerate(loop, start=1)]
    if imported_batch_id is not None and imported_batch_id in order:
        numbered.insert(0, (int(imported_batch_id), IMPORTED_BATCH, False))
    return pd.DataFrame(numbered, columns=NUMBERED_COLUMNS).astype({"batch_id": np.int64, "batch": np.int64})


def batch_name(number: int, undone: bool = False) -> str:
    """How a batch is named in tables and reports: "3", "3 (undone)", or "imported" for the table's own labels."""
    if number == IMPORTED_BATCH:
        return "imported"
    return f"{number:,} (undone)" if undone else f"{number:,}"


def method_name(method: str | None) -> str:
    """The short name of how a quality estimate was made (its `method` says it in full, caveat included)."""
    method = method or ""
    if method.startswith("held-out"):
        return "held-out rows"
    if "already in your table" in method:
        return "labels already in the table"
    if method.startswith("cross-validation"):
        return "cross-validation"
    return "no estimate yet"


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
        self.imported = np.array([], dtype=np.int64)
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
        audit = np.isin(rows[~held_out], self.imported)
        if estimator is not None and held_out.sum() >= MIN_HOLDOUT_LABELS:
            estimate = holdout_accuracy(estimator, self.X[rows[held_out]], codes[held_out])
        elif estimator is not None and audit.sum() >= MIN_AUDIT_LABELS:
            estimate = audit_accuracy(self.model, self.X[rows[~held_out]], codes[~held_out], audit, self.random_state)
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
        entry = {"cutoff": cutoff, "n_labeled": len(rows), **estimate, "changed": changed, "version": ESTIMATE_VERSION}
        return entry, predictions

    def curve(self, events: pd.DataFrame, imported_batch_id: int | None = None) -> pd.DataFrame:
        """DataFrame[batch, batch_id, n_labeled, estimate, low, high, method, changed], one row per live batch.

        batch: its number as people saw it (`numbered_batches`: the imported labels 0, undone batches
        keep their numbers and have no row here).
        changed: share of the stop set whose prediction differs from the model
        after the previous batch (None while either model is cold).
        """
        live = live_label_events(events)
        self.imported = live.loc[live["labeler"] == IMPORTED_LABELER, "row"].to_numpy(dtype=np.int64)
        records, previous, previous_cutoff = [], None, None
        numbers = numbered_batches(events, imported_batch_id).set_index("batch_id")["batch"]
        for batch_id, cutoff in submitted_batches(events):
            number = int(numbers[batch_id])
            entry = self.cache.get(str(batch_id))
            if entry is None or entry.get("cutoff") != cutoff or entry.get("version") != ESTIMATE_VERSION:
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
    estimated = curve.dropna(subset=["estimate"])
    if len(estimated) and estimated.iloc[-1]["high"] - estimated.iloc[-1]["low"] > MAX_INTERVAL_WIDTH:
        last = estimated.iloc[-1]
        return (
            f"Keep going: the estimated accuracy is {last['estimate']:.0%}, but its 95% interval ({last['low']:.0%} "
            f"to {last['high']:.0%}) is too wide to tell whether more labels would help."
        )
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
