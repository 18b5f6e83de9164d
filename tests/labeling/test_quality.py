"""Quality estimates and the stopping advisor, on hand-made cases whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alcore.labeling.quality import (
    QUALITY_COLUMNS,
    audit_accuracy,
    batch_name,
    cross_validated_accuracy,
    labels_at,
    live_label_events,
    numbered_batches,
    stopping_advice,
    submitted_batches,
    wilson_interval,
)


def curve(changed, estimates, width: float = 0.06) -> pd.DataFrame:
    n = len(changed)
    return pd.DataFrame(
        {
            "batch": range(1, n + 1),
            "batch_id": range(1, n + 1),
            "n_labeled": range(10, 10 * n + 1, 10),
            "estimate": estimates,
            "low": [e - width / 2 for e in estimates],
            "high": [e + width / 2 for e in estimates],
            "method": "cross-validation",
            "changed": changed,
        },
        columns=QUALITY_COLUMNS,
    )


def test_wilson_interval_matches_the_textbook_value():
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(10, 10)[1] == 1.0


def test_cross_validation_needs_two_rows_per_class():
    X = np.arange(10.0).reshape(-1, 1)
    assert cross_validated_accuracy("logreg", X, np.array([0] * 9 + [1])) is None
    result = cross_validated_accuracy("logreg", X, np.array([0] * 5 + [1] * 5))
    assert result["estimate"] == 1.0 and "(5-fold)" in result["method"]


def test_stable_predictions_are_advised_in_words():
    advice = stopping_advice(curve([None, 0.2, 0.004, 0.0, 0.009], [0.6, 0.7, 0.8, 0.9, 0.95]), 50, 500, None, False)
    assert advice.startswith("The last 3 batches changed fewer than 1% of predictions")
    assert "unlikely to help much" in advice


def test_a_plateau_is_advised():
    advice = stopping_advice(curve([None, 0.2, 0.1, 0.1, 0.05], [0.8, 0.9, 0.9, 0.902, 0.9]), 50, 500, None, False)
    assert advice.startswith("The estimated accuracy has not improved")


def test_no_stop_advice_while_the_interval_is_wide():
    # Issue 11.9: "more labels are unlikely to help much" after 3 batches, on an estimate from 30 rows.
    stable = curve([None, 0.2, 0.004, 0.0, 0.009], [0.6, 0.7, 0.8, 0.9, 0.95], width=0.3)
    advice = stopping_advice(stable, 50, 500, None, False)
    assert advice.startswith("Keep going: the estimated accuracy is 95%") and "too wide" in advice
    flat = curve([None, 0.2, 0.1, 0.1, 0.05], [0.8, 0.9, 0.9, 0.902, 0.9], width=0.11)
    assert stopping_advice(flat, 50, 500, None, False).startswith("Keep going")
    assert stopping_advice(
        curve([None, 0.2, 0.1, 0.1, 0.05], [0.8, 0.9, 0.9, 0.902, 0.9], width=0.09), 50, 500, None, False
    ).startswith("The estimated accuracy has not improved")


def test_keep_going_says_why():
    advice = stopping_advice(curve([None, 0.2, 0.1], [0.6, 0.7, 0.8]), 30, 500, 100, False)
    assert advice.startswith("Keep going: the last batch changed 10.0%") and "70 labels left" in advice


def test_replay_skips_undone_batches_and_keeps_relabels():
    events = pd.DataFrame(
        {
            "event_id": [1, 2, 3, 4, 5, 6],
            "row": [0, 1, 2, 0, 2, 1],
            "label": ["a", "b", "a", "b", None, "a"],
            "kind": ["label", "label", "label", "relabel", "undo", "label"],
            "batch_id": pd.array([1, 1, 2, None, 2, 3], dtype="Int64"),
        }
    )
    assert submitted_batches(events) == [(1, 2), (3, 6)]
    after = labels_at(live_label_events(events), 6).set_index("row")["label"].to_dict()
    assert after == {0: "b", 1: "a"}


def test_batches_are_numbered_as_people_saw_them_undone_ones_keeping_their_number():
    # Batch 7 holds the imported labels; 1 and 3 were answered, 3 undone; 5 came after (its answers saved first
    # though it was opened last would not matter: the order is the order answers were saved).
    events = pd.DataFrame(
        {
            "event_id": [1, 2, 3, 4, 5, 6, 7, 8],
            "row": [9, 0, 1, 2, 0, 2, 3, 4],
            "label": ["a", "a", "b", "a", "b", None, "a", "b"],
            "kind": ["label", "label", "label", "label", "relabel", "undo", "label", "label"],
            "batch_id": pd.array([7, 1, 1, 3, None, 3, 5, 5], dtype="Int64"),
        }
    )
    numbered = numbered_batches(events, imported_batch_id=7)
    assert numbered.values.tolist() == [[7, 0, False], [1, 1, False], [3, 2, True], [5, 3, False]]
    assert numbered_batches(events)["batch"].tolist() == [1, 2, 3, 4]  # no import: the table's labels are a batch
    assert [batch_name(n, u) for _, n, u in numbered.itertuples(index=False)] == ["imported", "1", "2 (undone)", "3"]


def test_audit_accuracy_predicts_each_imported_row_out_of_fold():
    # Two clean classes on a line; the audit rows are predicted by models that never saw them.
    X = np.arange(40.0).reshape(-1, 1)
    y = (X[:, 0] >= 20).astype(int)
    audit = np.zeros(40, dtype=bool)
    audit[::4] = True
    result = audit_accuracy("logreg", X, y, audit)
    assert result["estimate"] == 1.0 and "10 labels that were already in your table" in result["method"]
    flipped = y.copy()
    flipped[audit] = 1 - flipped[audit]  # audit labels that contradict every other label
    assert audit_accuracy("logreg", X, flipped, audit)["estimate"] == 0.0  # a model trained on them would say 1.0
