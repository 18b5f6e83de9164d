"""Monitoring on small hand-made cases whose answers are known."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from alcore.core.selection import selection_mix
from alcore.experiment import monitoring as comparison_monitoring
from alcore.labeling import monitoring
from alcore.labeling.store import ProjectStore

CLASSES = ["cat", "dog", "bird"]


@pytest.fixture
def store(store_location) -> ProjectStore:
    return ProjectStore(store_location)


@pytest.fixture
def project(store):
    frame = pd.DataFrame({"weight": np.arange(20.0), "label": [None] * 20})
    return store.create_project("pets", frame, "label", CLASSES).id


def submit(store, project_id, answers: dict, labeler: str = "ann", scores=None):
    batch = store.open_batch(project_id, list(answers), scores, "margin", "", 1)
    store.submit_batch(project_id, batch.id, answers, labeler)
    return batch


def events_frame(rows: list[tuple]) -> pd.DataFrame:
    """Synthetic events: (row, label, kind, labeler, seconds after start, batch_id)."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return pd.DataFrame(
        {
            "event_id": range(len(rows)),
            "row": [r[0] for r in rows],
            "label": pd.Series([r[1] for r in rows], dtype=object),
            "kind": [r[2] for r in rows],
            "labeler": [r[3] for r in rows],
            "created_at": pd.to_datetime([start + timedelta(seconds=r[4]) for r in rows], utc=True),
            "batch_id": pd.Series([r[5] for r in rows], dtype="Int64"),
            "round": 1,
        }
    )


# -- selection distribution ----------------------------------------------------------


def test_batches_from_events_leave_out_undone_batches_and_skips(store, project):
    first = submit(store, project, {0: "cat", 1: "dog", 2: None})
    submit(store, project, {3: "cat"})
    store.undo_last_batch(project, "ann")
    given = monitoring.label_batches(store.events(project))
    assert given["batch"].unique().tolist() == [first.id]
    assert dict(zip(given["row"], given["label"])) == {0: "cat", 1: "dog"}


def test_selection_shares_sum_to_one_per_batch_and_show_classes_never_asked():
    given = pd.DataFrame({"batch": [1, 1, 1, 1, 2, 2], "label": ["cat", "cat", "cat", "dog", "dog", "dog"]})
    predicted = {1: ["cat"] * 5 + ["dog"] * 4 + ["bird"], 2: ["cat"] * 8 + ["dog"] * 2}
    mix = selection_mix(given, predicted, classes=CLASSES)
    assert mix.groupby("batch")["given_share"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert mix.groupby("batch")["predicted_share"].sum().tolist() == pytest.approx([1.0, 1.0])
    first = mix[mix["batch"] == 1].set_index("class")
    assert first.loc["cat", "given_share"] == 0.75 and first.loc["bird", "given"] == 0
    assert first.loc["bird", "predicted_share"] == pytest.approx(0.1)
    # one array: today's model stands for every batch; none: no predicted mix
    today = selection_mix(given, ["dog"] * 4, classes=CLASSES)
    assert today.loc[today["class"] == "dog", "predicted_share"].tolist() == [1.0, 1.0]
    assert selection_mix(given)["predicted_share"].isna().all()


def test_comparison_mix_is_against_the_true_mix_of_the_data():
    batches = pd.DataFrame(
        {
            "strategy": ["margin"] * 4 + ["random"] * 2,
            "seed": [0, 0, 1, 1, 0, 0],
            "round": [1, 1, 1, 2, 1, 1],
            "row": [5, 6, 5, 7, 1, 2],
            "label": ["a", "b", "a", "a", "b", "b"],
            "score": 0.1,
        }
    )
    y = ["a"] * 3 + ["b"] * 1
    mix = comparison_monitoring.comparison_selection_mix(batches, y)
    assert mix.groupby(["strategy", "batch"])["given_share"].sum().tolist() == pytest.approx([1, 1, 1])
    margin_first = mix[(mix["strategy"] == "margin") & (mix["batch"] == 1)].set_index("class")
    assert margin_first.loc["a", "given_share"] == pytest.approx(2 / 3)
    assert mix.set_index(["strategy", "batch", "class"])["pool_share"].loc[("random", 1, "b")] == 0.25


def test_pick_scores_come_per_batch_without_undone_ones(store, project):
    kept = submit(store, project, {0: "cat", 1: "dog"}, scores=[0.9, 0.4])
    submit(store, project, {2: "cat"}, scores=[0.7])
    undone = store.undo_last_batch(project, "ann")
    opened = store.open_batch(project, [3], None, "kcenter")
    scores = monitoring.pick_scores([kept, undone, opened])
    assert scores[["batch", "row", "score"]].values.tolist() == [[kept.id, 0, 0.9], [kept.id, 1, 0.4]]
    assert list(scores.columns) == ["batch", "row", "score", "strategy"]


def test_pick_scores_leave_out_a_batch_given_back_unanswered(store, project):
    """After an undo the undone rows come back in a new batch and the one on screen is given back: the chart
    drew it as one more batch nobody answered."""
    first = store.open_batch(project, [0, 1], [0.9, 0.8], "margin", holder="ann")
    second = store.open_batch(project, [2], [0.7], "margin", holder="ann")  # ann's first is given back
    batches = {batch.id: batch for batch in store.batches(project)}
    assert batches[first.id].given_back and not batches[second.id].given_back
    scores = monitoring.pick_scores(batches.values())
    assert scores[["batch", "row"]].values.tolist() == [[second.id, 2]]


# -- what each batch bought ------------------------------------------------------------


def quality_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "batch": [1, 2, 3, 4, 5, 6],
            "n_labeled": [10, 20, 30, 40, 50, 60],
            "estimate": [0.60, 0.70, 0.75, 0.755, 0.76, 0.759],
        }
    )


def test_gain_and_cost_per_point_arithmetic():
    gains = monitoring.batch_gains(quality_frame(), cost_per_label=2.0)
    assert math.isnan(gains.loc[0, "gain_points"])
    assert gains["gain_points"].tolist()[1:] == pytest.approx([10, 5, 0.5, 0.5, -0.1])
    assert gains["cost"].tolist()[1:] == [20.0] * 5
    assert gains["cost_per_point"].tolist()[1:5] == pytest.approx([2.0, 4.0, 40.0, 40.0])
    assert math.isnan(gains.loc[5, "cost_per_point"])  # a batch that lost quality buys no point


def test_small_gain_sentence_appears_only_when_gains_are_small():
    gains = monitoring.batch_gains(quality_frame(), cost_per_label=2.0)
    sentence = monitoring.small_gains_sentence(gains, currency="$")
    # 60 dollars for 0.9 points over the last three batches
    assert sentence == "The last 3 batches bought less than 1 point each: $66.67 per point."
    assert monitoring.small_gains_sentence(gains.head(4)) == ""  # batch 2 still bought 10 points
    flat = monitoring.batch_gains(quality_frame().assign(estimate=[0.6, 0.7, 0.7, 0.7, 0.69, 0.69]))
    assert "nothing in total" in monitoring.small_gains_sentence(flat)


def test_prediction_changes_between_successive_models():
    changes = monitoring.prediction_changes({1: ["a", "a", "b", "b"], 2: ["a", "b", "b", "b"], 3: ["a", "b", "b", "b"]})
    assert math.isnan(changes.loc[0, "changed_share"])
    assert changes["changed_share"].tolist()[1:] == [0.25, 0.0]
    with pytest.raises(ValueError):
        monitoring.prediction_changes({1: ["a"], 2: ["a", "b"]})


def test_strategy_gains_average_seeds_per_round():
    curves = pd.DataFrame(
        {
            "strategy": ["margin"] * 4 + ["random"] * 2,
            "seed": [0, 0, 1, 1, 0, 0],
            "round": [0, 1, 0, 1, 0, 1],
            "n_labeled": [20, 30, 20, 30, 20, 30],
            "accuracy": [0.60, 0.70, 0.62, 0.68, 0.60, 0.61],
        }
    )
    gains = comparison_monitoring.strategy_gains(curves, cost_per_label=0.5)
    margin = gains[gains["strategy"] == "margin"].iloc[0]
    assert margin["gain_points"] == pytest.approx(8.0) and margin["n_seeds"] == 2
    assert margin["cost_per_point"] == pytest.approx(5.0 / 8.0)
    assert gains["strategy"].tolist() == ["margin", "random"]


# -- labels that look wrong ------------------------------------------------------------


def two_blobs(n_per_class: int = 15):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-3, 0.5, (n_per_class, 2)), rng.normal(3, 0.5, (n_per_class, 2))])
    labels = np.array(["cat"] * n_per_class + ["dog"] * n_per_class, dtype=object)
    return X, labels


def test_a_planted_wrong_label_is_found_and_nothing_else():
    X, labels = two_blobs()
    labels[4] = "dog"  # a cat, deep in the cats' cluster, labeled dog
    rows = np.arange(len(labels)) + 100  # pool positions need not start at 0
    X_pool = np.vstack([np.zeros((100, 2)), X])
    found = monitoring.suspicious_labels(X_pool, rows, labels)
    assert found["row"].tolist() == [104]
    assert found.loc[0, "given"] == "dog" and found.loc[0, "suggested"] == "cat"
    assert found.loc[0, "confidence"] >= 0.5 > found.loc[0, "given_probability"]


def test_clean_labels_and_too_few_labels_flag_nothing():
    X, labels = two_blobs(6)
    assert monitoring.suspicious_labels(X, np.arange(12), labels).empty
    # one class with a single row cannot be judged; with one judged class, nothing is
    assert monitoring.suspicious_labels(X[:7], np.arange(7), labels[:7]).empty


def test_the_model_can_be_a_factory():
    from sklearn.neighbors import KNeighborsClassifier

    X, labels = two_blobs()
    labels[20] = "cat"
    found = monitoring.suspicious_labels(X, np.arange(30), labels, model=lambda: KNeighborsClassifier(3))
    assert found["row"].tolist() == [20]


# -- agreement between labelers --------------------------------------------------------


def test_labelers_who_always_agree_have_kappa_one(store, project):
    submit(store, project, {0: "cat", 1: "dog", 2: "bird"}, "ann")
    submit(store, project, {0: "cat", 1: "dog", 2: "bird"}, "bob")
    agreement = monitoring.labeler_agreement(store.events(project))
    assert agreement[["labeler_a", "labeler_b", "n_rows", "agreement", "kappa"]].values.tolist() == [
        ["ann", "bob", 3, 1.0, 1.0]
    ]
    assert monitoring.disagreements(store.events(project)).empty


@pytest.mark.filterwarnings("ignore")  # sklearn warns on the very case we fix
def test_one_constant_label_from_both_is_perfect_agreement_not_nan():
    assert math.isnan(cohen_kappa_score(["cat"] * 4, ["cat"] * 4))  # why we have our own
    assert monitoring.cohens_kappa(["cat"] * 4, ["cat"] * 4) == 1.0
    assert monitoring.cohens_kappa(["cat"] * 4, ["dog"] * 4) == 0.0
    assert math.isnan(monitoring.cohens_kappa([], []))


def test_kappa_matches_sklearn_on_an_ordinary_case():
    a = ["cat", "dog", "dog", "bird", "cat", "cat", "dog", "bird"]
    b = ["cat", "dog", "cat", "bird", "cat", "dog", "dog", "cat"]
    assert monitoring.cohens_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_disagreements_list_the_rows_with_each_labelers_newest_label(store, project):
    submit(store, project, {0: "cat", 1: "dog", 2: "bird", 3: "cat"}, "ann")
    submit(store, project, {0: "cat", 1: "cat", 2: "bird", 5: "dog"}, "bob")
    store.relabel(project, 3, "dog", "bob")  # bob's second opinion on row 3, from the history table
    store.relabel(project, 1, "cat", "ann")  # ann changes her mind: now they agree on row 1
    events = store.events(project)
    found = monitoring.disagreements(events)
    assert found.values.tolist() == [[3, "ann", "cat", "bob", "dog"]]
    agreement = monitoring.labeler_agreement(events).iloc[0]
    assert agreement["n_rows"] == 4 and agreement["agreement"] == 0.75
    assert agreement["kappa"] == pytest.approx(
        monitoring.cohens_kappa(["cat", "cat", "bird", "cat"], ["cat", "cat", "bird", "dog"])
    )


def test_second_opinion_share_is_met_in_the_long_run():
    rng = np.random.default_rng(0)
    picked = [monitoring.second_opinion_rows(np.arange(10) + 50, 0.05, rng) for _ in range(2000)]
    assert sum(len(rows) for rows in picked) / 20000 == pytest.approx(0.05, abs=0.01)
    some = next(rows for rows in picked if len(rows))
    assert set(some) <= set(range(50, 60))
    assert len(monitoring.second_opinion_rows([1, 2, 3], 1.0, rng)) == 3
    with pytest.raises(ValueError):
        monitoring.second_opinion_rows([1, 2], 1.5, rng)


# -- labeling pace -----------------------------------------------------------------------


def test_pace_from_successive_submissions_with_an_idle_gap_capped():
    events = events_frame(
        [
            (0, "cat", "label", "ann", 0, 1),
            (1, "dog", "label", "ann", 0, 1),  # first: not timed
            (2, "cat", "label", "ann", 60, 2),
            (3, None, "skip", "ann", 60, 2),  # 60 s for 2 rows
            (4, "cat", "label", "ann", 90, 3),
            (5, "dog", "label", "ann", 90, 3),  # 30 s for 2 rows
            (6, "cat", "label", "ann", 90 + 3600, 4),
            (7, "dog", "label", "ann", 90 + 3600, 4),  # lunch: capped
            (8, "bird", "label", "bob", 10, 5),
            (9, "bird", "label", "bob", 40, 6),
        ]
    )
    pace = monitoring.labeling_pace(events, idle_seconds_per_row=100).set_index("labeler")
    ann = pace.loc["ann"]
    assert ann["n_rows"] == 8 and ann["n_labels"] == 7 and ann["n_timed_rows"] == 6
    assert ann["minutes"] == pytest.approx((60 + 30 + 200) / 60)
    assert ann["labels_per_minute"] == pytest.approx(5 / ((60 + 30 + 200) / 60))
    assert ann["median_seconds_per_row"] == pytest.approx(30.0)  # per-row times 30, 30, 15, 15, 100, 100
    assert pace.loc["bob", "median_seconds_per_row"] == pytest.approx(30.0)


def test_pace_uses_the_time_a_batch_was_shown_when_known():
    events = events_frame([(0, "cat", "label", "ann", 100, 1), (1, "dog", "label", "ann", 100, 1)])
    shown = SimpleNamespace(id=1, created=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=40))
    pace = monitoring.labeling_pace(events, batches=[shown]).iloc[0]
    assert pace["labels_per_minute"] == pytest.approx(2.0)
    assert pace["median_seconds_per_row"] == pytest.approx(30.0)


def test_pace_on_a_real_store(store, project):
    for start in (0, 3, 6):
        submit(store, project, {start: "cat", start + 1: "dog", start + 2: None}, "ann")
    pace = monitoring.labeling_pace(store.events(project))
    assert pace["labeler"].tolist() == ["ann"] and pace.loc[0, "n_rows"] == 9 and pace.loc[0, "n_labels"] == 6
