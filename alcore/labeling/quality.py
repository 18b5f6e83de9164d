"""How good is the model a person is training, and is more labeling worth it?

Everything here is recomputed from the store's event log (the one record of
what was labeled when), so it survives a restart and follows undo: a batch
that was undone simply has no point on the curve. For each submitted batch
(in the order its answers were saved) we replay the labels as they stood just
after it, then

- estimate the accuracy on the rows not yet labeled, with a 95% interval,
  from rows whose choice did not depend on the model, so the estimate does
  not fall just because the model asks about hard rows:
  1. once MIN_REFERENCE_LABELS of them exist, the labels alcore did not pick:
     held-out rows (a random audit, setting `holdout_share`), predicted by the
     model that never trained on them, and the labels imported with the
     table, each predicted out-of-fold by a model trained on every other
     label; weighted by the model's confidence to stand for the rows still
     unlabeled, which are the easy ones (`reweighted_accuracy`);
  2. else k-fold cross-validation on all labeled rows, said plainly to be
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
MIN_REFERENCE_LABELS = 10
"""Labels alcore did not pick (held out, or imported with the table) needed to estimate from them;
below this, cross-validation on every label."""
MATCHED_SHARE = 0.25
MIN_MATCHED_ROWS = 5
"""Each unlabeled row is matched with this share of the reference rows (at least MIN_MATCHED_ROWS)."""
IMPORTED_LABELER = "imported"
"""The labeler of labels that were already in the table when the project started."""
ESTIMATE_VERSION = 3
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
    # At p = 0 or 1 the bound on that side is exactly 0 or 1; rounding must not leave it a hair short.
    return (0.0 if p == 0 else max(0.0, center - half), 1.0 if p == 1 else min(1.0, center + half))


def _out_of_fold(
    model, X, y: np.ndarray, test_folds: list[np.ndarray], random_state: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """(correct, confidence) of every row of the test folds, in the folds' order: each row predicted by a
    model trained on every row outside its fold, and that model's probability for its prediction.

    A training set of one class predicts that class, sure of it (no model can be fitted).
    """
    correct, confidence = [], []
    for fold in test_folds:
        train = np.setdiff1d(np.arange(len(y)), fold)
        if len(np.unique(y[train])) < 2:
            correct.append(y[fold] == y[train][0])
            confidence.append(np.ones(len(fold)))
            continue
        estimator = fit_estimator(make_model(model, random_state), X[train], y[train])
        right, sure = _graded(estimator, X[fold], y[fold])
        correct.append(right)
        confidence.append(sure)
    return np.concatenate(correct), np.concatenate(confidence)


def _graded(estimator, X, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(correct, confidence) of a fitted estimator on labeled rows: right or wrong, and the probability
    it gives its prediction. X: (n, n_features); y: (n,) codes; both results (n,)."""
    if len(y) == 0:
        return np.empty(0, dtype=bool), np.empty(0)
    probabilities = estimator.predict_proba(X)
    predicted = estimator.classes_[probabilities.argmax(axis=1)]
    return predicted == y, probabilities.max(axis=1)


def confidence_of(estimator, X) -> np.ndarray:
    """The probability a fitted estimator gives its prediction of each row: (n_rows,)."""
    return estimator.predict_proba(X).max(axis=1)


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
    correct = int(_out_of_fold(model, X, y, test_folds, random_state)[0].sum())
    low, high = wilson_interval(correct, len(y))
    return {
        "estimate": correct / len(y),
        "low": low,
        "high": high,
        "method": f"cross-validation on {len(y):,} labeled rows ({folds.n_splits}-fold); caveat: {CV_CAVEAT}",
    }


def audit_predictions(
    model, X, y: np.ndarray, audit: np.ndarray, random_state: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(correct, confidence) of each audit row, predicted by a model trained on every other labeled row.

    X: (n, n_features) every labeled training row; y: (n,) their codes;
    audit: (n,) bool, the rows not picked by the model (imported labels). The
    audit rows are split in k = min(5, their count) folds; each fold is
    predicted by a model trained on every other row (audit and picked), so
    each prediction comes from nearly the whole labeled set. Results are in
    the order of a fixed shuffle of the audit rows, shape (n_audit,).
    """
    audit_rows = np.flatnonzero(audit)
    folds = np.array_split(np.random.default_rng(random_state).permutation(audit_rows), min(CV_FOLDS, len(audit_rows)))
    return _out_of_fold(model, X, y, folds, random_state)


def matching_weights(reference_confidence: np.ndarray, unlabeled_confidence: np.ndarray) -> np.ndarray:
    """Each reference row's weight (n_reference,), summing to 1: the share of unlabeled rows it stands for.

    Every unlabeled row is represented by the k reference rows closest to it in confidence (k a quarter of
    them, at least MIN_MATCHED_ROWS), each with 1/k of its weight; with no unlabeled row left, every
    reference row counts equally.
    """
    n_reference = len(reference_confidence)
    if len(unlabeled_confidence) == 0:
        return np.full(n_reference, 1.0 / n_reference)
    k = min(n_reference, max(MIN_MATCHED_ROWS, round(n_reference * MATCHED_SHARE)))
    distance = np.abs(np.asarray(unlabeled_confidence)[:, None] - np.asarray(reference_confidence)[None, :])
    nearest = np.argsort(distance, axis=1, kind="stable")[:, :k]
    return np.bincount(nearest.ravel(), minlength=n_reference) / (k * len(unlabeled_confidence))


def reweighted_accuracy(
    correct: np.ndarray, reference_confidence: np.ndarray, unlabeled_confidence: np.ndarray
) -> tuple[float, float, float]:
    """Accuracy on the unlabeled rows, from reference rows the model did not pick: (estimate, low, high).

    correct, reference_confidence: (n_reference,) each reference row predicted right or wrong by a model
    that did not learn from it, and how sure that model was; unlabeled_confidence: (n_unlabeled,) how
    sure the current model is of each unlabeled row (a random sample of them will do).

    Reference rows stand for the whole table, but the rows left unlabeled are the ones the model was
    sure of (it asked about the others), so a plain average errs low. Matching fixes that: each
    unlabeled row is stood for by the reference rows of about its confidence (`matching_weights`).
    The interval is Wilson's at the weighted mean's effective sample size, 1 / sum(weights**2) (Kish).
    """
    weights = matching_weights(np.asarray(reference_confidence, dtype=float), unlabeled_confidence)
    correct = np.asarray(correct, dtype=bool)
    counted = correct[weights > 0]
    # A weighted mean of all-right (all-wrong) rows is exactly 1 (0); summing the weights leaves it a
    # hair off, and the interval's bound on that side must not stop short of the truth.
    estimate = 1.0 if counted.all() else 0.0 if not counted.any() else float(np.sum(weights * correct))
    effective_n = 1.0 / float(np.sum(weights**2))
    low, high = wilson_interval(estimate * effective_n, effective_n)
    return estimate, low, high


def reference_accuracy(
    correct: np.ndarray, reference_confidence: np.ndarray, unlabeled_confidence: np.ndarray, sources: str
) -> dict:
    """`reweighted_accuracy` as a quality-curve entry; sources: which rows the reference rows are, in words."""
    estimate, low, high = reweighted_accuracy(correct, reference_confidence, unlabeled_confidence)
    return {
        "estimate": estimate,
        "low": low,
        "high": high,
        "method": f"the {len(correct):,} labels alcore did not pick ({sources}), each predicted by a model that "
        "did not learn from it, weighted to match how sure the model is of the rows still unlabeled (they are "
        "mostly the easy ones: alcore asked about the hard ones)",
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
    """How a batch is named in tables and reports: "3", "3 (undone)", or "imported labels" for the table's own."""
    if number == IMPORTED_BATCH:
        return "imported labels"
    return f"{number:,} (undone)" if undone else f"{number:,}"


def method_name(method: str | None) -> str:
    """The short name of how a quality estimate was made (its `method` says it in full, caveat included)."""
    method = method or ""
    if "alcore did not pick" in method:
        return "labels alcore did not pick"
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
        if estimator is not None and held_out.sum() + audit.sum() >= MIN_REFERENCE_LABELS:
            estimate = self._reference_estimate(estimator, rows, codes, held_out, audit)
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

    def _reference_estimate(self, estimator, rows, codes, held_out: np.ndarray, audit: np.ndarray) -> dict:
        """Accuracy on the unlabeled rows from the labels alcore did not pick: held-out rows (predicted by
        the current model, which never saw them) and imported ones (predicted out-of-fold), weighted
        to the unlabeled rows of the stop set (a random sample of the table)."""
        held_correct, held_confidence = _graded(estimator, self.X[rows[held_out]], codes[held_out])
        audit_correct, audit_confidence = (
            audit_predictions(self.model, self.X[rows[~held_out]], codes[~held_out], audit, self.random_state)
            if audit.any()
            else _graded(estimator, self.X[:0], codes[:0])
        )
        unlabeled = self.stop_set[~np.isin(self.stop_set, rows)]
        sources = [
            f"{count:,} {words}"
            for count, words in [(audit.sum(), "already in your table"), (held_out.sum(), "held out for evaluation")]
            if count
        ]
        return reference_accuracy(
            np.concatenate([audit_correct, held_correct]),
            np.concatenate([audit_confidence, held_confidence]),
            confidence_of(estimator, self.X[unlabeled]) if len(unlabeled) else np.empty(0),
            " and ".join(sources),
        )

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
