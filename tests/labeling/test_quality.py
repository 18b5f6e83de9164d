"""Quality estimates and the stopping advisor, on hand-made cases whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alcore.labeling.quality import (
    MIN_MATCHED_ROWS,
    QUALITY_COLUMNS,
    audit_predictions,
    batch_name,
    cross_validated_accuracy,
    labels_at,
    live_label_events,
    matching_weights,
    numbered_batches,
    reference_accuracy,
    reweighted_accuracy,
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


def test_how_quality_was_estimated_writes_its_counts_with_thousands_separators():
    """The Label page read "Estimated by the 2532 labels alcore did not pick (2532 already in your table)"
    beside metrics that say 2,532."""
    rng = np.random.default_rng(0)
    entry = reference_accuracy(
        np.ones(2532, dtype=bool), rng.random(2532), rng.random(100), "2,532 already in your table"
    )
    assert entry["method"].startswith("the 2,532 labels alcore did not pick (2,532 already in your table)")
    X, y = rng.random((1200, 2)), np.arange(1200) % 2
    assert cross_validated_accuracy("logreg", X, y)["method"].startswith("cross-validation on 1,200 labeled rows")


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
    assert [batch_name(n, u) for _, n, u in numbered.itertuples(index=False)] == [
        "imported labels",
        "1",
        "2 (undone)",
        "3",
    ]


def test_audit_rows_are_predicted_out_of_fold():
    # Two clean classes on a line; the audit rows are predicted by models that never saw them.
    X = np.arange(40.0).reshape(-1, 1)
    y = (X[:, 0] >= 20).astype(int)
    audit = np.zeros(40, dtype=bool)
    audit[::4] = True
    correct, confidence = audit_predictions("logreg", X, y, audit)
    assert correct.all() and len(correct) == 10 and ((confidence > 0.5) & (confidence <= 1)).all()
    flipped = y.copy()
    flipped[audit] = 1 - flipped[audit]  # audit labels that contradict every other label
    assert not audit_predictions("logreg", X, flipped, audit)[0].any()  # a model trained on them would say right


def test_reweighting_stands_each_unlabeled_row_for_by_reference_rows_as_sure():
    """Reference rows: 20 unsure (half right), 20 sure (all right). Unlabeled rows that are all sure
    are estimated from sure rows alone; spread like the reference rows, as the plain mean."""
    confidence = np.r_[np.full(20, 0.55), np.full(20, 0.99)]
    correct = np.r_[np.arange(20) % 2 == 0, np.ones(20, dtype=bool)]
    estimate, low, high = reweighted_accuracy(correct, confidence, np.full(100, 0.98))
    assert estimate == 1.0 and 0.6 < low < 1.0 and high == 1.0
    assert reweighted_accuracy(correct, confidence, np.empty(0))[0] == pytest.approx(0.75)  # none left: as they are
    assert reweighted_accuracy(correct, confidence, np.full(10, 0.5))[0] == pytest.approx(0.5)
    spread = reweighted_accuracy(correct, confidence, np.r_[np.full(50, 0.55), np.full(50, 0.99)])
    assert spread[0] == pytest.approx(0.75)


def test_matching_weights_sum_to_one_over_the_nearest_quarter():
    weights = matching_weights(np.linspace(0.5, 1.0, 40), np.array([1.0]))
    assert weights.sum() == pytest.approx(1.0) and np.count_nonzero(weights) == 10
    assert (weights[-10:] == 0.1).all()  # the 10 surest rows stand for a row the model is sure of
    assert np.count_nonzero(matching_weights(np.linspace(0.5, 1.0, 12), np.array([1.0]))) == MIN_MATCHED_ROWS


def test_wilson_interval_reaches_one_exactly_when_every_answer_is_right():
    assert wilson_interval(7.3, 7.3)[1] == 1.0 and wilson_interval(0, 9)[0] == 0.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.floats(0.34, 1.0)), min_size=1, max_size=80),
    st.lists(st.floats(0.34, 1.0), max_size=50),
)
def test_the_reweighted_estimate_lies_in_its_interval_within_zero_and_one(reference, unlabeled):
    correct = np.array([right for right, _ in reference])
    confidence = np.array([sure for _, sure in reference])
    estimate, low, high = reweighted_accuracy(correct, confidence, np.array(unlabeled))
    assert 0.0 <= low <= estimate + 1e-9 and estimate <= high + 1e-9 and high <= 1.0
    if correct.all():  # weights that sum a hair off 1 must not stop the interval short of a perfect model
        assert estimate == 1.0 and high == 1.0
