"""A labeling session: cold start, labels saved first, a restart, undo, two tabs, simulation, quality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from alcore.core.learner import DEFAULT_STRATEGY
from alcore.core.models import fit_self_training, make_model
from alcore.io.datasets import DataError, make_dataset, read_table
from alcore.labeling.session import IMPORTED_LABELER, LabelingSession
from alcore.labeling.store import BatchClosed, ProjectStore

CLASSES = ["north", "east", "south"]


def blobs(n_rows: int = 90, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A CSV with an empty label column, read as a user's upload; and the true class of every row."""
    X, y = make_blobs(n_samples=n_rows, centers=[[0, 0, 0], [9, 0, 0], [0, 9, 0]], cluster_std=1.0, random_state=seed)
    truth = np.array(CLASSES)[y]
    lines = ["id,x1,x2,x3,colour,label"]
    lines += [f"r{i},{a:.4f},{b:.4f},{c:.4f},{'red' if i % 2 else 'blue'}," for i, (a, b, c) in enumerate(X)]
    frame = read_table("\n".join(lines).encode(), filename="upload.csv")
    return frame, truth


def answers(view, truth, skip=()) -> dict:
    return {row: (None if row in skip else truth[row]) for row in view.rows}


@pytest.fixture
def folder(store_location):
    """Where the store lives: a SQLite folder, or a PostgreSQL schema (every test runs on both)."""
    return store_location


@pytest.fixture
def project(folder):
    frame, truth = blobs()
    dataset = make_dataset(frame, "label")
    session = LabelingSession.create(ProjectStore(folder), "blobs", dataset, CLASSES, batch_size=6)
    return session, truth


def test_create_persists_the_table_and_the_settings(project, folder):
    session, _ = project
    stored = ProjectStore(folder).load_project(session.project_id)
    assert stored.label_column == "label" and stored.classes == CLASSES and len(stored.frame) == 90
    assert stored.settings["roles"]["x1"] == "numeric" and stored.settings["roles"]["id"] == "ignore"
    assert {
        "model": "logreg",
        "strategy": DEFAULT_STRATEGY,
        "batch_size": 6,
        "cold_start": "kcenter",
        "simulate": False,
    }.items() <= stored.settings.items()


def test_cold_start_batch_covers_the_data_and_says_so(project):
    session, truth = project
    view = session.current_batch()
    assert view.is_cold and session.is_cold
    assert view.reason.startswith("cold start") and "kcenter" in view.reason
    assert view.strategy == "kcenter" and view.guesses == [None] * 6
    assert len(set(truth[view.rows])) == 3  # far-apart picks reach all three blobs
    assert list(view.table.index) == view.rows and "label" not in view.table.columns


def test_one_class_keeps_it_cold_two_classes_warm_it_up(project):
    session, truth = project
    view = session.current_batch()
    view = session.submit({view.rows[0]: "north"}, "ann")
    assert session.is_cold and view.is_cold
    view = session.submit({row: truth[row] for row in view.rows}, "ann")
    assert not session.is_cold and not view.is_cold
    assert "least sure" in view.reason and all(guess in CLASSES for guess in view.guesses)
    assert "one from each group of similar rows" in view.reason  # the default, diverse_margin, in words
    assert all(0 < confidence <= 1 for confidence in view.confidences)
    assert not set(view.rows) & set(session.pool.labeled_indices())


def test_labels_are_saved_then_the_next_batch_never_repeats_a_labeled_row(project, folder):
    session, truth = project
    first = session.current_batch()
    second = session.submit(answers(first, truth), "ann")
    third = session.submit(answers(second, truth), "ann")
    labels = ProjectStore(folder).labels(session.project_id)
    assert sorted(labels["row"]) == sorted(first.rows + second.rows)
    assert (labels["label"].to_numpy() == truth[labels["row"]]).all()
    assert not set(third.rows) & set(first.rows + second.rows)
    assert session.progress() | {"by_class": None} == {
        "n_labeled": 12,
        "n_unlabeled": 78,
        "n_skipped": 0,
        "by_class": None,
        "batches_submitted": 2,
        "batches_undone": 0,
        "n_held_out": 0,
    }


def test_reopening_after_a_restart_finds_the_same_labels_and_batch(project, folder):
    session, truth = project
    view = session.submit(answers(session.current_batch(), truth), "ann")
    view = session.submit(answers(view, truth), "ann")
    reopened = LabelingSession.open(ProjectStore(folder), str(session.project_id))  # a new store object: a restart
    pd.testing.assert_frame_equal(reopened.store.labels(reopened.project_id), session.store.labels(session.project_id))
    again = reopened.current_batch()
    assert again.batch_id == view.batch_id and again.rows == view.rows
    assert again.guesses == view.guesses and np.allclose(again.confidences, view.confidences)


def test_skipped_rows_are_not_asked_in_the_next_batch(project):
    session, truth = project
    first = session.current_batch()
    skipped = first.rows[:2]
    second = session.submit(answers(first, truth, skip=skipped), "ann")
    assert not set(second.rows) & set(skipped)
    assert session.progress()["n_skipped"] == 2 and session.pool.n_labeled == 4


def test_undo_takes_the_last_batch_back_and_asks_its_rows_again(project):
    session, truth = project
    first = session.current_batch()
    second = session.submit(answers(first, truth), "ann")
    session.submit(answers(second, truth), "ann")
    view = session.undo_last_batch("ann")
    assert session.pool.n_labeled == 6 and not session.pool.labeled_mask[second.rows].any()
    assert sorted(view.rows) == sorted(second.rows) and "undo" in view.reason
    history = session.history()
    assert (history["kind"] == "undo").sum() == 6 and (history["kind"] == "label").sum() == 12
    assert history["preview"].str.contains("x1:").all()
    assert session.progress()["batches_submitted"] == 2 and session.progress()["batches_undone"] == 1


def test_relabel_from_the_history_is_kept(project):
    session, truth = project
    first = session.current_batch()
    session.submit(answers(first, truth), "ann")
    row = first.rows[0]
    other = next(c for c in CLASSES if c != truth[row])
    session.relabel(row, other, "bob")
    assert session.labeled_table().loc[row, "label"] == other
    assert session.pool.labels([row])[0] == other
    history = session.history()
    assert history.iloc[-1][["row", "kind", "labeler"]].tolist() == [row, "relabel", "bob"]


def test_two_tabs_keep_each_others_labels_and_never_ask_them_again(project, folder):
    tab_a, truth = project
    tab_b = LabelingSession.open(ProjectStore(folder), tab_a.project_id)
    shared = tab_a.current_batch()
    assert tab_b.current_batch().rows == shared.rows  # both tabs show the open batch
    next_a = tab_a.submit(answers(shared, truth), "ann")
    next_b = tab_b.submit(answers(shared, truth), "bob")  # same answers: nothing duplicated
    assert not set(next_b.rows) & set(shared.rows)  # labeled in tab A: never asked in tab B
    assert not set(next_b.rows) & set(next_a.rows)  # and not tab A's open batch either
    after_a = tab_a.submit(answers(next_a, truth), "ann")
    tab_b.submit(answers(next_b, truth), "bob")
    labels = ProjectStore(folder).labels(tab_a.project_id)
    assert set(labels["row"]) == set(shared.rows + next_a.rows + next_b.rows)
    assert set(labels.loc[labels["row"].isin(next_b.rows), "labeler"]) == {"bob"}
    assert not set(after_a.rows) & set(next_b.rows)


def test_simulate_uses_the_label_column_as_the_oracle(folder):
    frame, truth = blobs()
    frame["label"] = truth
    dataset = make_dataset(frame, "label")
    session = LabelingSession.create(ProjectStore(folder), "demo", dataset, CLASSES, batch_size=5, simulate=True)
    assert session.pool.n_labeled == 0  # the column answers; it is not imported
    view = session.current_batch()
    assert view.oracle == truth[view.rows].tolist()
    session.submit_oracle()
    session.submit_oracle()
    labels = session.store.labels(session.project_id)
    assert len(labels) == 10 and (labels["label"].to_numpy() == truth[labels["row"]]).all()
    assert set(labels["labeler"]) == {"simulated oracle"}


def test_simulate_needs_labels_in_the_column(folder):
    frame, _ = blobs()
    with pytest.raises(DataError, match="empty"):
        LabelingSession.create(ProjectStore(folder), "demo", make_dataset(frame, "label"), CLASSES, simulate=True)


def test_labels_already_in_the_table_are_imported_and_undo_keeps_them(folder):
    frame, truth = blobs()
    frame["label"] = pd.Series([*truth[:10], *[None] * 80], dtype=object)
    session = LabelingSession.create(
        ProjectStore(folder), "partly", make_dataset(frame, "label"), CLASSES, batch_size=5
    )
    assert session.pool.n_labeled == 10 and not session.is_cold
    assert set(session.history()["labeler"]) == {IMPORTED_LABELER}
    assert session.progress()["batches_submitted"] == 0
    session.undo_last_batch("ann")  # nothing of a person's to undo
    assert session.pool.n_labeled == 10
    assert session.predictions_table().loc[0, "label_source"] == "imported"


def test_quality_per_batch_is_cross_validated_with_the_caveat_and_cached(project, folder):
    session, truth = project
    view = session.current_batch()
    for _ in range(3):
        view = session.submit(answers(view, truth), "ann")
    curve = session.quality()
    assert curve["batch"].tolist() == [1, 2, 3] and curve["n_labeled"].tolist() == [6, 12, 18]
    usable = curve.dropna(subset=["estimate"])
    assert len(usable) >= 2
    assert ((usable["low"] <= usable["estimate"]) & (usable["estimate"] <= usable["high"])).all()
    assert usable["method"].str.startswith("cross-validation").all()
    assert usable["method"].str.contains("not at random").all()
    assert curve["changed"].iloc[1:].notna().all()
    cached = ProjectStore(folder).load_project(session.project_id).settings["quality_cache"]
    assert set(cached) == {str(batch) for batch in curve["batch_id"]}
    reopened = LabelingSession.open(ProjectStore(folder), session.project_id)
    pd.testing.assert_frame_equal(reopened.quality(), curve)
    session.undo_last_batch("ann")
    assert session.quality()["batch"].tolist() == [1, 2]
    assert session.advice().startswith("Keep going")


def test_held_out_rows_are_asked_but_never_trained_on(folder):
    frame, truth = blobs(120)
    session = LabelingSession.create(
        ProjectStore(folder), "held", make_dataset(frame, "label"), CLASSES, batch_size=10, holdout_share=0.3
    )
    view = session.current_batch()
    for _ in range(4):
        held = [row for row, why in zip(view.rows, view.row_reasons) if why.startswith("held out")]
        assert len(held) >= 1
        view = session.submit(answers(view, truth), "ann")
    labeled_held_out = session.pool.labeled_mask[session.holdout_order]
    assert labeled_held_out.sum() >= 10
    assert not session.train_pool.labeled_mask[session.holdout_order].any()
    assert "held out for evaluation" in session.quality()["method"].iloc[-1]


def test_budget_advice(folder):
    frame, truth = blobs()
    session = LabelingSession.create(
        ProjectStore(folder), "budget", make_dataset(frame, "label"), CLASSES, batch_size=6, budget=12
    )
    view = session.current_batch()
    assert "no model yet" in session.advice()
    for _ in range(2):
        view = session.submit(answers(view, truth), "ann")
    assert session.advice().startswith("Budget reached: 12 labels")


def test_a_batch_undone_in_another_tab_is_refused_and_the_session_moves_on(project, folder):
    tab_a, truth = project
    shown = tab_a.submit(answers(tab_a.current_batch(), truth), "ann")
    tab_b = LabelingSession.open(ProjectStore(folder), tab_a.project_id)
    tab_b.submit(answers(tab_b.current_batch(), truth), "bob")  # the batch tab A is still showing
    tab_b.undo_last_batch("bob")
    with pytest.raises(BatchClosed):
        tab_a.submit(answers(shown, truth), "ann")
    assert tab_a.current_batch().batch_id != shown.batch_id


def test_typed_classes_match_the_labels_already_in_the_column(folder):
    frame, truth = blobs()
    frame["label"] = pd.Series([*range(3), *[None] * 87], dtype="Int64")
    session = LabelingSession.create(ProjectStore(folder), "typed", make_dataset(frame, "label"), ["0", "1", "2"])
    assert session.classes == [0, 1, 2]


def test_second_opinions_go_to_another_labeler_with_the_guess_hidden(folder):
    from alcore.labeling import monitoring

    frame, truth = blobs()
    session = LabelingSession.create(
        ProjectStore(folder),
        "two people",
        make_dataset(frame, "label"),
        CLASSES,
        batch_size=6,
        second_opinion_share=1.0,
    )
    first = session.current_batch()
    after_ann = session.submit(answers(first, truth), "ann")
    assert not set(after_ann.rows) & set(first.rows), "ann is never asked for a second opinion on her own rows"
    for_bo = session.submit(answers(after_ann, truth), "bo")
    again = [row for row in for_bo.rows if row in first.rows]
    assert len(again) == 5 and len(for_bo.rows) == 6, "one new row always; the rest of the room for second opinions"
    assert "second opinion" in for_bo.reason
    for row, guess, why in zip(for_bo.rows, for_bo.guesses, for_bo.row_reasons):
        assert (guess is None) == (row in again) and ("second opinion" in why) == (row in again)
    session.submit(answers(for_bo, truth), "bo")
    agreement = monitoring.labeler_agreement(session.store.events(session.project_id))
    assert agreement[["labeler_a", "labeler_b", "n_rows", "kappa"]].values.tolist() == [["ann", "bo", 5, 1.0]]
    later = session.submit(answers(session.current_batch(), truth), "bo")
    assert not set(later.rows) & set(again), "a row with two opinions is not asked a third time"


def test_second_opinions_are_off_by_default_and_the_share_is_checked(project, folder):
    session, truth = project
    first = session.current_batch()
    session.submit(answers(first, truth), "ann")
    assert not set(session.submit(answers(session.current_batch(), truth), "bo").rows) & set(first.rows)
    with pytest.raises(ValueError, match="second_opinion_share"):
        session.set_second_opinion_share(1.5)
    session.set_second_opinion_share(0.05)
    assert ProjectStore(folder).load_project(session.project_id).settings["second_opinion_share"] == 0.05


def test_auto_keeps_learning_across_rounds_and_says_what_it_chose(tmp_path):
    from alcore.io.datasets import load_demo
    from alcore.labeling.session import LabelingSession
    from alcore.labeling.store import ProjectStore

    dataset = load_demo("iris")
    session = LabelingSession.create(
        ProjectStore(tmp_path), "auto", dataset, classes=dataset.classes(), strategy="auto", batch_size=6, simulate=True
    )
    for _ in range(4):
        session.submit_oracle()
    assert "auto chose" in session.current_batch().reason
    assert sum(session.learner.memory_.pulls) >= 2  # rounds added up despite the rebuilt pools


def test_a_semi_supervised_project_learns_from_unlabeled_rows_and_stores_only_real_labels(folder):
    frame, truth = blobs()
    dataset = make_dataset(frame, "label")
    store = ProjectStore(folder)
    session = LabelingSession.create(store, "semi", dataset, CLASSES, batch_size=6, semi_supervised=True)
    for _ in range(2):
        session.submit(answers(session.current_batch(), truth), "ann")
    pool = session.pool
    _, trained_on = fit_self_training(make_model("logreg", 0), pool.X, pool.label_codes)
    guessed = (trained_on >= 0) & ~pool.labeled_mask
    assert guessed.any()  # the model learned from rows nobody labeled
    plain = make_model("logreg", 0).fit(pool.X[pool.labeled_mask], pool.label_codes[pool.labeled_mask])
    assert not np.allclose(plain.predict_proba(pool.X), session.learner.estimator_.predict_proba(pool.X))
    assert len(store.labels(session.project_id)) == 12 == session.pool.n_labeled
    reopened = LabelingSession.open(store, session.project_id)
    assert reopened.settings["semi_supervised"] is True and reopened.learner.semi_supervised


def test_semi_supervised_and_held_out_rows_do_not_mix(folder):
    frame, _ = blobs()
    with pytest.raises(ValueError, match="Turn one of the two off"):
        LabelingSession.create(
            ProjectStore(folder), "both", make_dataset(frame, "label"), CLASSES, holdout_share=0.1, semi_supervised=True
        )


def test_a_project_records_its_strategy_settings_and_reopens_with_them(tmp_path):
    from alcore.io.datasets import load_demo

    dataset = load_demo("iris")
    store = ProjectStore(tmp_path)
    session = LabelingSession.create(
        store,
        "committee",
        dataset,
        classes=dataset.classes(),
        strategy="qbc_vote_entropy",
        strategy_params={"n_members": 3},
        simulate=True,
    )
    assert store.load_project(session.project_id).settings["strategy_settings"] == {"n_members": 3}
    assert LabelingSession.open(store, session.project_id).learner.strategy_settings() == {"n_members": 3}
    with pytest.raises(ValueError, match="has no setting 'members'"):
        LabelingSession.create(
            store,
            "typo",
            dataset,
            classes=dataset.classes(),
            strategy="qbc_vote_entropy",
            strategy_params={"members": 3},
        )


def test_the_quality_estimate_follows_the_true_accuracy_on_rows_not_yet_labeled(folder):
    """Issue 11.9: with 15 imported labels the estimate fell as picked (hard) rows came in."""
    frame, truth = blobs(n_rows=300, seed=3)
    imported = np.random.default_rng(0).choice(300, size=15, replace=False)
    frame["label"] = frame["label"].astype(object)
    frame.loc[imported, "label"] = truth[imported]
    session = LabelingSession.create(
        ProjectStore(folder), "audit", make_dataset(frame, "label"), CLASSES, batch_size=10
    )
    for _ in range(5):
        view = session.current_batch()
        session.submit(answers(view, truth), "ann")
    quality = session.quality().dropna(subset=["estimate"])
    last = quality.iloc[-1]
    assert "15 already in your table" in last["method"]
    unlabeled = np.setdiff1d(np.arange(300), session.pool.labeled_indices())
    true_accuracy = np.mean(session.learner.predict(session.train_pool)[unlabeled] == truth[unlabeled])
    assert last["low"] <= true_accuracy <= last["high"] and abs(last["estimate"] - true_accuracy) < 0.1
    assert quality["estimate"].diff().min() > -0.07  # no fall for no reason

    from alcore.labeling.project_monitoring import gains

    bought = gains(session)
    assert bought["cost"].iloc[0] == 0.0  # the 15 imported labels were not bought
    assert (bought["cost"].iloc[1:] == 10.0).all()
