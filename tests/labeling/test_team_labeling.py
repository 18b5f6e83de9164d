"""Several people on one project: rows nobody else holds, no silent overwrite, undo of your own batch only."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from alcore.io.datasets import make_dataset
from alcore.labeling import monitoring
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore, RowsTaken
from tests.labeling.test_session import CLASSES, answers, blobs


@pytest.fixture
def folder(store_location):
    """Where the store lives: a SQLite folder, or a PostgreSQL schema (every test runs on both)."""
    return store_location


def team_project(folder, lease_seconds: float | None = None, n_rows: int = 90):
    frame, truth = blobs(n_rows)
    store = ProjectStore(folder)
    first = LabelingSession.create(store, "team", make_dataset(frame, "label"), CLASSES, batch_size=6, labeler="ann")
    if lease_seconds is not None:
        first.settings = store.update_settings(first.project_id, {"lease_seconds": lease_seconds})
        assert first.renew()  # the first batch now has the project's lease
    return first, truth


def open_rows(store, project_id) -> list[list[int]]:
    return [batch.rows for batch in store.batches(project_id) if batch.status == "open" and batch.lease_until]


# -- 1: each labeler gets rows nobody else holds, and resumes their own batch ------------------------
def test_three_labelers_get_three_disjoint_batches_and_each_resumes_their_own(folder):
    ann, truth = team_project(folder)
    bob = LabelingSession.open(ProjectStore(folder), ann.project_id, labeler="bob")
    cy = LabelingSession.open(ProjectStore(folder), ann.project_id, labeler="cy")
    shown = [session.current_batch().rows for session in (ann, bob, cy)]
    assert all(len(rows) == 6 for rows in shown)
    assert len(set().union(*map(set, shown))) == 18, "no row is in two open batches"

    again = LabelingSession.open(ProjectStore(folder), ann.project_id, labeler="bob")  # a refresh, a new tab
    assert again.current_batch().rows == shown[1]
    next_ann = ann.submit(answers(ann.current_batch(), truth), "ann")
    held = set(shown[1]) | set(shown[2])
    assert not set(next_ann.rows) & (held | set(shown[0]))
    assert sorted(map(len, open_rows(ann.store, ann.project_id))) == [6, 6, 6]


def test_the_store_refuses_a_row_someone_else_holds_or_labeled(folder):
    ann, truth = team_project(folder)
    store, project = ann.store, ann.project_id
    held = ann.current_batch().rows
    assert store.held_rows(project, "bob").tolist() == sorted(held)
    assert store.held_rows(project, "ann").size == 0
    with pytest.raises(RowsTaken) as taken:
        store.open_batch(project, [held[0], 89], holder="bob")
    assert taken.value.rows == [held[0]]
    ann.submit(answers(ann.current_batch(), truth), "ann")
    with pytest.raises(RowsTaken):
        store.open_batch(project, [held[1]], holder="bob")
    assert store.open_batch(project, [held[1]], holder="bob", second_opinions=[held[1]]).rows == [held[1]]


def test_a_lease_is_renewed_while_working_and_released_when_it_runs_out_or_on_leaving(folder):
    ann, truth = team_project(folder, lease_seconds=1.0)
    held = ann.current_batch().rows
    for _ in range(3):  # renewed while ann works: still hers after 1.5 s
        time.sleep(0.5)
        assert ann.renew()
    bob = LabelingSession.open(ProjectStore(folder), ann.project_id, labeler="bob")
    assert not set(bob.current_batch().rows) & set(held)
    time.sleep(1.2)  # ann stopped: her lease runs out and her rows go to the next person
    cy = LabelingSession.open(ProjectStore(folder), ann.project_id, labeler="cy")
    assert set(cy.current_batch().rows) & set(held)
    assert not ann.renew(), "a batch partly handed to someone else is no longer ann's to keep"
    bob.close()
    assert bob.current_batch().rows[0] not in ann.store.held_rows(ann.project_id, "ann")


def test_a_person_idle_for_two_leases_stops_renewing_and_their_rows_go_to_the_others(folder):
    """A tab left open renews its lease once a minute; past two leases without an action it stops."""
    ann, truth = team_project(folder, lease_seconds=1.0)
    held = ann.current_batch().rows
    time.sleep(0.5)
    assert ann.renew(idle_seconds=2.5), "idle for 2.5 leases: still hers until the lease runs out"
    time.sleep(0.8)  # 1.3 s after the last renewal: it was not renewed at 0.5 s, so it ran out
    bob = LabelingSession.open(ProjectStore(folder), ann.project_id, labeler="bob")
    assert set(bob.current_batch().rows) & set(held)
    assert not ann.renew(idle_seconds=0.0), "back at work: told that others took some of her rows"


# -- 2: no silent overwrite ---------------------------------------------------------------------------
def test_a_stale_form_becomes_a_second_opinion_and_the_person_is_told(folder):
    ann, truth = team_project(folder, lease_seconds=0.3)
    stale = ann.current_batch()  # ann walks away with this form open
    time.sleep(0.5)
    store = ProjectStore(folder)
    bobs = store.open_batch(ann.project_id, stale.rows, holder="bob")  # ann's lease ran out: the rows are free
    store.submit_batch(ann.project_id, bobs.id, {row: truth[row] for row in stale.rows}, "bob")

    wrong = {row: CLASSES[(CLASSES.index(truth[row]) + 1) % 3] for row in stale.rows}
    ann.submit(wrong, "ann")  # the old form: different, wrong labels
    assert sorted(ann.last_submitted.late) == sorted(stale.rows)
    assert sorted(ann.last_submitted.disagreeing) == sorted(stale.rows)
    labels = ann.store.labels(ann.project_id).set_index("row")
    assert (labels.loc[stale.rows, "labeler"] == "bob").all(), "bob's labels stand"
    assert list(labels.loc[stale.rows, "label"]) == [truth[row] for row in stale.rows]
    exported = ann.labeled_table().loc[stale.rows, "label"].tolist()
    assert exported == [truth[row] for row in stale.rows]
    events = ann.store.events(ann.project_id)
    assert "relabel" not in set(events["kind"]) and (events["kind"] == "opinion").sum() == 6
    found = monitoring.disagreements(events)
    assert sorted(found["row"]) == sorted(stale.rows)


# -- 5: undo only your own batch ----------------------------------------------------------------------
def test_undo_takes_back_only_your_own_batch(folder):
    ann, truth = team_project(folder)
    first = ann.current_batch()
    ann.submit(answers(first, truth), "ann")
    bob = LabelingSession.open(ProjectStore(folder), ann.project_id, labeler="bob")
    assert not bob.can_undo("bob")
    bob.undo_last_batch("bob")
    assert set(first.rows) <= set(ann.store.rows_labeled(ann.project_id)), "ann's batch is untouched"
    bob.submit(answers(bob.current_batch(), truth), "bob")
    ann_next = ann.current_batch().rows
    assert ann.can_undo("ann") and bob.can_undo("bob")
    asked_again = ann.undo_last_batch("ann")
    assert set(asked_again.rows) == set(first.rows)
    assert not set(first.rows) & set(ann.store.rows_labeled(ann.project_id))
    assert len(ann.store.labels(ann.project_id)) == 6, "bob's batch stays"
    assert not set(ann_next) & set(ann.store.held_rows(ann.project_id, "bob")), "her old batch was given back"


# -- 1 again, at load: labelers in separate processes -------------------------------------------------
LABELER = """
    import sys, time
    from alcore.labeling.session import LabelingSession
    from alcore.labeling.store import ProjectStore
    from tests.labeling.test_session import blobs

    folder, project_id, name, batches = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    _, truth = blobs(240)
    session = LabelingSession.open(ProjectStore(folder), project_id, labeler=name)
    for _ in range(batches):
        view = session.current_batch()
        if not view.rows:
            break
        session.submit({row: truth[row] for row in view.rows}, name)
        print(len(session.last_submitted.labeled), len(session.last_submitted.late), flush=True)
"""


def test_labelers_in_separate_processes_never_label_a_row_twice(folder):
    ann, _ = team_project(folder, n_rows=240)
    names = ["p1", "p2", "p3"]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(LABELER), str(folder), str(ann.project_id), name, "8"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    acknowledged = late = 0
    for child in children:
        out, errors = child.communicate(timeout=300)
        assert child.returncode == 0, errors
        counts = [tuple(map(int, line.split())) for line in out.strip().splitlines()]
        acknowledged += sum(labeled for labeled, _ in counts)
        late += sum(n_late for _, n_late in counts)
    events = ann.store.events(ann.project_id)
    given = events[events["kind"].isin(["label", "opinion"])]
    assert len(given) == acknowledged + late == 3 * 8 * 6, "every label submitted is stored"
    assert late == 0 and given["row"].is_unique, "no row was handed to two people"


def test_a_row_labeled_by_another_process_meanwhile_is_asked_once_as_a_second_opinion(folder):
    frame, truth = blobs()
    store = ProjectStore(folder)
    dataset = make_dataset(frame, "label")
    ann = LabelingSession.create(store, "2nd", dataset, CLASSES, batch_size=6, second_opinion_share=1.0, labeler="ann")
    bob = LabelingSession.open(ProjectStore(folder), ann.project_id, labeler="bob")  # bob's labels are read now
    first = ann.current_batch().rows
    ann.submit(answers(ann.current_batch(), truth), "ann")  # after bob read them: his model has not seen these
    rows, scores, _, seconds, spares = bob._next_rows(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), "bob")
    assert set(seconds) <= set(first) and seconds
    assert len(rows) == len(set(rows)) == len(scores), "a row appears once in a batch"
    assert spares and not set(spares) & set(rows), "spares are other rows (the store skips any labeled since)"


def test_rows_taken_while_a_batch_was_picked_are_replaced_by_its_spares(folder):
    ann, _ = team_project(folder)
    store, project = ann.store, ann.project_id
    held = ann.current_batch().rows
    free = [row for row in range(90) if row not in held][:3]
    spares = {held[2]: 0.6, free[1]: 0.5, free[2]: 0.4}  # best first; held[2] is ann's too
    batch = store.open_batch(project, [held[0], free[0], held[1]], [0.9, 0.8, 0.7], holder="bob", spares=spares)
    assert (batch.rows, batch.scores) == ([free[1], free[0], free[2]], [0.5, 0.8, 0.4])
    with pytest.raises(RowsTaken) as taken:  # more taken rows than free spares
        store.open_batch(project, [held[3], held[4]], holder="cy", spares={held[5]: 0.1, free[0]: 0.05})
    assert taken.value.rows == sorted([held[3], held[4], held[5], free[0]])  # the taken spares too: skip all
