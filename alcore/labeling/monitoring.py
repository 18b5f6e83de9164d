"""Watching the loop while it runs: what is picked, what each batch bought, how good the labels are.

Pure functions of what the store (label events, batches) or a `Comparison`
already holds, plus a model where one is needed; pages and the report draw
the frames they return. Four groups:

- selection: the class mix each batch was given against the model's (or the
  data's) mix, and the scores of the picked rows;
- gains: quality gained per batch, predictions changed, cost per accuracy point;
- label quality: labels the model confidently disagrees with (confident
  learning), agreement between labelers (Cohen's kappa);
- pace: labels per minute and seconds per row, per labeler.

"batch" is the store's batch id. A comparison's counterparts are in alcore.experiment.monitoring;
the class mix itself is alcore.core.selection.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from alcore.core.models import DEFAULT_MODEL, make_model
from alcore.core.stopping import prediction_agreement
from alcore.formatting import format_money
from alcore.labeling.quality import live_label_events, submitted_batches

# -- selection distribution ------------------------------------------------------


def label_batches(events: pd.DataFrame) -> pd.DataFrame:
    """The labels given in each batch: DataFrame[batch, row, label, labeler].

    events: `ProjectStore.events()`. Undone batches and skips are left out; a
    batch answered twice (a second tab) counts its newest answer per row;
    relabels from the history table (outside any batch) are not a batch's mix.
    """
    live = live_label_events(events)
    live = live[live["batch_id"].notna()].drop_duplicates(["batch_id", "row"], keep="last")
    frame = live.rename(columns={"batch_id": "batch"})[["batch", "row", "label", "labeler"]]
    return frame.astype({"batch": np.int64}).reset_index(drop=True)


def labels_given(events: pd.DataFrame) -> pd.Series:
    """Labels given per answered batch, corrections included: Series[store batch id -> count].

    A batch counts the labels its answers gave (its newest answer per row, second opinions asked of
    the labeler included; an undone batch's too: they were given, and paid for), plus the corrections
    made in the table of labels since the batch before it was saved. A correction belongs to no batch;
    it counts towards the next one saved, whose quality estimate is the first to include it (corrections
    after the last batch wait for the next).
    """
    answers = events[(events["kind"] == "label") & events["batch_id"].notna()]
    counts = answers.drop_duplicates(["batch_id", "row"]).groupby("batch_id").size()
    live = submitted_batches(events)
    corrections = events.loc[(events["kind"] == "relabel") & events["batch_id"].isna(), "event_id"]
    if live and len(corrections):
        cutoffs = np.array([cutoff for _, cutoff in live])
        after = np.searchsorted(cutoffs, corrections.to_numpy(), side="left")
        counted = after[after < len(live)]
        extra = pd.Series([live[i][0] for i in counted], dtype=np.int64).value_counts()
        counts = counts.add(extra, fill_value=0)
    counts.index = counts.index.astype(np.int64)
    return counts.astype(np.int64)


def pick_scores(batches: Iterable) -> pd.DataFrame:
    """Where the picks fall: DataFrame[batch, row, score, strategy], one row per picked row.

    batches: store `Batch` objects (id, rows, scores, strategy, status); undone
    batches, batches given back unanswered (`Batch.given_back`: after an undo the chart drew the batch on
    screen before it as one more batch) and batches stored without scores are left out. Scores of
    different strategies (a cold-start distance, a margin) are not on one
    scale, hence the strategy column.
    """
    rows = [
        {"batch": batch.id, "row": row, "score": score, "strategy": batch.strategy}
        for batch in batches
        if batch.scores is not None and batch.status != "undone" and not batch.given_back
        for row, score in zip(batch.rows, batch.scores)
    ]
    return pd.DataFrame(rows, columns=["batch", "row", "score", "strategy"])


# -- what each batch bought ------------------------------------------------------


def batch_gains(quality: pd.DataFrame, cost_per_label: float = 1.0) -> pd.DataFrame:
    """Quality gained by each batch, and what a point of it cost.

    quality: DataFrame[batch, n_labeled, estimate] in batch order, estimate a
        fraction (accuracy 0.83); NaN where no estimate could be made.
    Returns the batch, n_labeled, estimate columns plus batch_size (labels
    added since the previous row), gain_points (percentage points), cost
    (batch_size x cost_per_label) and cost_per_point (cost / gain_points; NaN
    when the batch gained nothing, since no money buys a point there). The
    first row has no earlier estimate, so no gain.
    """
    frame = quality[["batch", "n_labeled", "estimate"]].reset_index(drop=True)
    frame["batch_size"] = frame["n_labeled"].diff()
    frame["gain_points"] = frame["estimate"].astype(float).diff() * 100
    frame["cost"] = frame["batch_size"] * cost_per_label
    gained = frame["gain_points"] > 0
    frame["cost_per_point"] = (frame["cost"] / frame["gain_points"]).where(gained)
    return frame


def prediction_changes(predictions: Mapping[Hashable, Sequence]) -> pd.DataFrame:
    """Share of pool predictions that changed from one model to the next.

    predictions: batch -> (n_rows,) predicted labels of the whole pool by the
    model trained after that batch, in batch order. Returns
    DataFrame[batch, changed_share]; the first batch has nothing to compare
    with (NaN).
    """
    rows, previous = [], None
    for batch, current in predictions.items():
        current = np.asarray(current, dtype=object)
        if previous is not None and len(previous) != len(current):
            raise ValueError(f"batch {batch!r} predicts {len(current)} rows, the one before {len(previous)}")
        changed = math.nan if previous is None else 1.0 - prediction_agreement(previous, current)
        rows.append({"batch": batch, "changed_share": changed})
        previous = current
    return pd.DataFrame(rows, columns=["batch", "changed_share"])


def small_gains_sentence(gains: pd.DataFrame, last: int = 3, min_points: float = 1.0, currency: str = "$") -> str:
    """Plain words when the last `last` batches each gained less than `min_points`; else "".

    gains: `batch_gains(...)` or one strategy of `strategy_gains(...)` (columns
    gain_points and cost), in batch order. The price quoted is the money of
    those batches over the points they gained together.
    """
    recent = gains.dropna(subset=["gain_points"]).tail(last)
    if len(recent) < last or not (recent["gain_points"] < min_points).all():
        return ""
    unit = f"{min_points:g} point" + ("" if min_points == 1 else "s")
    opening = f"The last {last} batches bought less than {unit} each"
    gained = recent["gain_points"].sum()
    cost = recent["cost"].sum()
    if gained <= 0 or not np.isfinite(cost):
        return f"{opening}, and nothing in total: more labels are unlikely to help much."
    return f"{opening}: {format_money(cost / gained, currency)} per point."


# -- labels that look wrong ------------------------------------------------------

ModelSpec = str | BaseEstimator | Callable[[], BaseEstimator]


def _fresh_model(model: ModelSpec, random_state: int | None) -> BaseEstimator:
    if isinstance(model, (str, BaseEstimator)):
        return make_model(model, random_state)
    return model()


def suspicious_labels(
    X,
    rows: Sequence[int],
    labels: Sequence,
    model: ModelSpec = DEFAULT_MODEL,
    min_confidence: float = 0.5,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Labeled rows whose given label the model, trained on the other labeled rows, confidently doubts.

    Confident learning (Northcutt, Jiang & Chuang 2021): out-of-fold
    probabilities (StratifiedKFold, k = min(5, smallest class count), at least
    2) so no row judges itself; class j's threshold is the mean probability of
    j over rows labeled j (its self-confidence). A row is flagged when its
    given label's probability is below that threshold AND another class has
    probability >= min_confidence.
    X: (n_rows, n_features) pool features; rows: (n_labeled,) row positions;
    labels: (n_labeled,) their labels. Classes with a single labeled row are
    not judged (there is nothing to cross-validate them against).
    Returns DataFrame[row, given, suggested, confidence, given_probability],
    most suspicious (highest confidence in the other class) first.
    """
    columns = ["row", "given", "suggested", "confidence", "given_probability"]
    rows = np.asarray(rows, dtype=np.int64)
    labels = pd.Series(list(labels), dtype=object)
    counts = labels.value_counts()
    judged = labels.isin(counts.index[counts >= 2]).to_numpy()
    if counts[counts >= 2].size < 2:
        return pd.DataFrame(columns=columns)
    codes, classes = pd.factorize(labels[judged], sort=False)
    k = max(2, min(5, int(counts[counts >= 2].min())))
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
    proba = cross_val_predict(
        _fresh_model(model, random_state), X[rows[judged]], codes, cv=folds, method="predict_proba"
    )
    given_probability = proba[np.arange(len(codes)), codes]
    thresholds = np.array([given_probability[codes == j].mean() for j in range(len(classes))])
    others = proba.copy()
    others[np.arange(len(codes)), codes] = -1.0
    suggested = others.argmax(axis=1)
    confidence = others.max(axis=1)
    flagged = (given_probability < thresholds[codes]) & (confidence >= min_confidence)
    found = pd.DataFrame(
        {
            "row": rows[judged][flagged],
            "given": classes[codes[flagged]].to_numpy(dtype=object),
            "suggested": classes[suggested[flagged]].to_numpy(dtype=object),
            "confidence": confidence[flagged],
            "given_probability": given_probability[flagged],
        }
    )
    return found.sort_values(["confidence", "given_probability"], ascending=[False, True], ignore_index=True)


# -- agreement between labelers ----------------------------------------------------


def labels_by_labeler(events: pd.DataFrame) -> pd.DataFrame:
    """Each labeler's newest live label per row: DataFrame[row, labeler, label] (undone batches left out).

    A late answer kept as a second opinion (kind 'opinion') is that labeler's label of the row here."""
    said = events.assign(kind=events["kind"].replace("opinion", "label"))
    live = live_label_events(said).drop_duplicates(["row", "labeler"], keep="last")
    return live[["row", "labeler", "label"]].sort_values(["row", "labeler"], ignore_index=True)


def cohens_kappa(labels_a: Sequence, labels_b: Sequence) -> float:
    """Cohen's kappa of two labelers on the same rows; NaN with no rows.

    Unlike sklearn's `cohen_kappa_score`, two labelers who both give one and the
    same label to every row agree perfectly (1.0) rather than NaN: chance
    agreement is 1 there, and 0/0 would hide that they never disagreed.
    """
    a, b = pd.Series(list(labels_a), dtype=object), pd.Series(list(labels_b), dtype=object)
    if len(a) != len(b):
        raise ValueError(f"{len(a)} labels against {len(b)}: kappa compares the same rows")
    if len(a) == 0:
        return math.nan
    observed = float((a.to_numpy() == b.to_numpy()).mean())
    share_a, share_b = a.value_counts(normalize=True), b.value_counts(normalize=True)
    expected = float(sum(share * share_b.get(value, 0.0) for value, share in share_a.items()))
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def _paired_labels(events: pd.DataFrame) -> pd.DataFrame:
    """One row per (row, pair of labelers who both labeled it): row, labeler_a, label_a, labeler_b, label_b."""
    latest = labels_by_labeler(events)
    pairs = latest.merge(latest, on="row", suffixes=("_a", "_b"))
    pairs = pairs[pairs["labeler_a"].astype(str) < pairs["labeler_b"].astype(str)]
    return pairs[["row", "labeler_a", "label_a", "labeler_b", "label_b"]].reset_index(drop=True)


def labeler_agreement(events: pd.DataFrame) -> pd.DataFrame:
    """Agreement of every pair of labelers on the rows both labeled.

    events: `ProjectStore.events()`. Returns DataFrame[labeler_a, labeler_b,
    n_rows, agreement (share of equal labels), kappa]; empty when no row was
    labeled by two people.
    """
    rows = [
        {
            "labeler_a": a,
            "labeler_b": b,
            "n_rows": len(pair),
            "agreement": float((pair["label_a"].to_numpy() == pair["label_b"].to_numpy()).mean()),
            "kappa": cohens_kappa(pair["label_a"], pair["label_b"]),
        }
        for (a, b), pair in _paired_labels(events).groupby(["labeler_a", "labeler_b"], sort=True)
    ]
    return pd.DataFrame(rows, columns=["labeler_a", "labeler_b", "n_rows", "agreement", "kappa"])


def disagreements(events: pd.DataFrame) -> pd.DataFrame:
    """Rows two labelers labeled differently: DataFrame[row, labeler_a, label_a, labeler_b, label_b]."""
    pairs = _paired_labels(events)
    return pairs[pairs["label_a"].to_numpy() != pairs["label_b"].to_numpy()].reset_index(drop=True)


def second_opinion_rows(rows: Sequence[int], share: float, rng: np.random.Generator) -> np.ndarray:
    """A random `share` of a batch's rows to send to a second labeler, in the batch's order.

    The count is rounded at random (0.5 rows -> 0 or 1, evenly), so a 5% share
    of 10-row batches still sends one row every other batch: the long-run
    share is the one asked for.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be between 0 and 1, not {share}")
    rows = np.asarray(rows)
    count = min(len(rows), math.floor(share * len(rows) + rng.random()))
    chosen = np.sort(rng.choice(len(rows), size=count, replace=False))
    return rows[chosen]


# -- labeling pace -----------------------------------------------------------------

IDLE_SECONDS_PER_ROW = 120.0
"""Beyond this many seconds per row a batch was left waiting (lunch, a meeting): it counts this much."""


def labeling_pace(
    events: pd.DataFrame, batches: Iterable | None = None, idle_seconds_per_row: float = IDLE_SECONDS_PER_ROW
) -> pd.DataFrame:
    """Labels per minute and seconds per row, per labeler.

    events: `ProjectStore.events()`; a batch's answers are its label and skip
    events (one submit). batches: store `Batch` objects; a batch's time is from
    its `created` (shown) to its submission. Without them, the time since the
    same labeler's previous submission is used, and each labeler's first batch
    cannot be timed. A batch's time is capped at idle_seconds_per_row per row,
    so an idle gap does not make a fast labeler look slow.
    Returns DataFrame[labeler, n_rows, n_labels, n_timed_rows, minutes,
    labels_per_minute, median_seconds_per_row]; rate and median cover timed batches only.
    """
    answers = events[events["kind"].isin(["label", "skip"]) & events["batch_id"].notna()]
    answers = answers.drop_duplicates(["labeler", "batch_id", "row"])
    submits = (
        answers.groupby(["labeler", "batch_id"], sort=False)
        .agg(
            submitted=("created_at", "max"),
            n_rows=("row", "size"),
            n_labels=("kind", lambda kind: int((kind == "label").sum())),
        )
        .reset_index()
        .sort_values(["labeler", "submitted"], ignore_index=True)
    )
    if batches is not None:
        shown = {int(batch.id): pd.Timestamp(batch.created) for batch in batches}
        submits["opened"] = pd.to_datetime(submits["batch_id"].astype(int).map(shown), utc=True)
    else:
        submits["opened"] = submits.groupby("labeler")["submitted"].shift()
    seconds = (submits["submitted"] - submits["opened"]).dt.total_seconds().clip(lower=0)
    submits["seconds"] = np.minimum(seconds, submits["n_rows"] * idle_seconds_per_row)
    rows = []
    for labeler, own in submits.groupby("labeler", sort=True):
        timed = own.dropna(subset=["seconds"])
        minutes = timed["seconds"].sum() / 60
        per_row = np.repeat((timed["seconds"] / timed["n_rows"]).to_numpy(), timed["n_rows"].to_numpy())
        rows.append(
            {
                "labeler": labeler,
                "n_rows": int(own["n_rows"].sum()),
                "n_labels": int(own["n_labels"].sum()),
                "n_timed_rows": int(timed["n_rows"].sum()),
                "minutes": minutes,
                "labels_per_minute": timed["n_labels"].sum() / minutes if minutes > 0 else math.nan,
                "median_seconds_per_row": float(np.median(per_row)) if len(per_row) else math.nan,
            }
        )
    columns = [
        "labeler",
        "n_rows",
        "n_labels",
        "n_timed_rows",
        "minutes",
        "labels_per_minute",
        "median_seconds_per_row",
    ]
    return pd.DataFrame(rows, columns=columns)
