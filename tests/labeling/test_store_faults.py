"""Faults in plain words: a full disk, a read-only folder, a locked database. What a call
acknowledges is what is stored, nothing saved is lost, and a read-only store can still be read."""

from __future__ import annotations

import sqlite3

import pytest

from alcore.io.datasets import make_dataset
from alcore.labeling.session import LabelingSession, NextBatchError
from alcore.labeling.store import ProjectStore, StoreWriteError
from tests.faults import fill, remount_read_only, small_disk
from tests.labeling.test_session import CLASSES, answers, blobs


def _project(folder, n_rows: int = 300, batch_size: int = 50) -> tuple[LabelingSession, object]:
    frame, truth = blobs(n_rows)
    session = LabelingSession.create(
        ProjectStore(folder), "faults", make_dataset(frame, "label"), CLASSES, batch_size=batch_size, labeler="ann"
    )
    return session, truth


def test_a_full_disk_is_said_in_words_and_what_is_acknowledged_is_what_is_stored(tmp_path):
    with small_disk(tmp_path / "disk", 2048) as disk:
        session, truth = _project(disk)
        ballast = fill(disk)
        acknowledged, refusals = 0, []
        for _ in range(8):
            try:
                session.submit(answers(session.current_batch(), truth), "ann")
                acknowledged += len(session.last_submitted.labeled)
            except NextBatchError as error:  # saved; only the next batch could not be written
                acknowledged += len(error.saved.labeled)
                assert str(error).startswith("Your answers were saved (")
            except StoreWriteError as error:
                refusals.append(str(error))
            stored = len(ProjectStore(disk).labels(session.project_id))
            assert stored == acknowledged, "every label acknowledged is stored, and no other"
        assert refusals, "the disk filled up"
        assert refusals[0] == (
            "The store could not be written: the disk is full. Nothing already saved was lost; "
            "free some space on the disk and try again."
        )
        ballast.unlink()  # space again: the same batch saves
        view = session.current_batch()
        session.submit(answers(view, truth), "ann")
        assert len(ProjectStore(disk).labels(session.project_id)) == acknowledged + len(view.rows)


def test_a_read_only_folder_can_still_be_viewed_and_exported(tmp_path):
    with small_disk(tmp_path / "disk", 4096) as disk:
        session, truth = _project(disk, n_rows=90, batch_size=6)
        first = session.current_batch()
        session.submit(answers(first, truth), "ann")
        session.store.close()  # the mount is busy while a file on it is open for writing
        remount_read_only(disk)

        store = ProjectStore(disk)
        assert store.read_only
        (summary,) = store.list_projects()
        assert summary.n_labeled == 6
        reopened = LabelingSession.open(store, summary.id, labeler="ann")
        assert "the data folder is read-only" in reopened.write_problem
        assert reopened.current_batch().rows == []
        assert sorted(reopened.labeled_table().index) == sorted(first.rows)
        assert len(reopened.predictions_table()) == 90 and reopened.model_bytes()
        assert reopened.quality()["estimate"].notna().any()
        with pytest.raises(StoreWriteError, match="the data folder is read-only"):
            reopened.relabel(first.rows[0], "east", "ann")
        with pytest.raises(StoreWriteError, match="read-only"):
            session.submit(answers(session.current_batch(), truth), "ann")  # the session opened before


def test_an_empty_read_only_folder_says_what_to_do(tmp_path):
    with small_disk(tmp_path / "disk", 256) as disk:
        remount_read_only(disk)
        with pytest.raises(StoreWriteError, match="cannot be written.*ALCORE_DATA_DIR"):
            ProjectStore(disk / "alcore-data")


def test_a_database_locked_too_long_is_said_and_nothing_is_half_written(tmp_path):
    session, truth = _project(tmp_path, n_rows=90, batch_size=6)
    session.store.database.busy_timeout_ms = 200
    view = session.current_batch()
    holder = sqlite3.connect(session.store.location, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(StoreWriteError, match="locked for too long"):
            session.submit(answers(view, truth), "ann")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert session.store.labels(session.project_id).empty
    assert session.current_batch().rows == view.rows, "the same batch waits, answers to be sent again"
    session.submit(answers(view, truth), "ann")
    assert len(session.store.labels(session.project_id)) == 6


def test_the_database_server_stopped_mid_session_loses_nothing_and_doubles_nothing(own_postgres_server):
    database = own_postgres_server.new_schema_url()
    session, truth = _project(database, n_rows=90, batch_size=6)
    first = session.current_batch()
    session.submit(answers(first, truth), "ann")
    view = session.current_batch()

    own_postgres_server.stop("immediate")  # as if the server crashed, with the form filled in
    with pytest.raises(StoreWriteError, match="the database server cannot be reached") as refused:
        session.submit(answers(view, truth), "ann")
    assert "saving is paused" in str(refused.value)
    own_postgres_server.start()
    session.submit(answers(view, truth), "ann")  # the same answers, sent again: saved once
    again = session.store.submit_batch(session.project_id, view.batch_id, answers(view, truth), "ann")
    assert again == type(again)(), "a second send of the same answers (its reply lost) writes nothing"

    events = ProjectStore(database).events(session.project_id)
    assert sorted(events["row"]) == sorted(first.rows + view.rows), "every answer once: none lost, none doubled"
    assert events["kind"].eq("label").all()
    session.store.close()
