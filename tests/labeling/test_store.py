"""The store keeps every label: after a commit, a crash, a second writer, an undo."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alcore.labeling.records import SCHEMA, SCHEMA_VERSION, frame_to_parquet
from alcore.labeling.sqlite_database import DB_FILENAME
from alcore.labeling.store import (
    BatchClosed,
    ProjectNotFound,
    ProjectStore,
    StoreError,
    default_data_dir,
    open_database,
)

CLASSES = ["cat", "dog", "bird"]
SETTINGS = {"model": "logreg", "strategy": "margin", "batch_size": 5, "cost_per_label": 0.5}


def pets_frame(n_rows: int = 30) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "weight": np.linspace(1.0, 9.0, n_rows),
            "note": [f"pet number {i}" for i in range(n_rows)],
            "label": [None] * n_rows,
        }
    )


@pytest.fixture
def store(store_location) -> ProjectStore:
    return ProjectStore(store_location)


@pytest.fixture
def project(store):
    return store.create_project("pets", pets_frame(), "label", CLASSES, SETTINGS)


def label_batch(store, project_id, answers: dict, labeler="ann", round_number=1):
    """Open a batch of answers' rows and submit the answers: what the page does once per batch."""
    rows = list(answers)
    batch = store.open_batch(project_id, rows, [0.5] * len(rows), "margin", "closest to the boundary", round_number)
    store.submit_batch(project_id, batch.id, answers, labeler)
    return batch


def current(store, project_id) -> dict:
    found = store.labels(project_id)
    return dict(zip(found["row"], found["label"]))


def run_child(script: str, *args, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


# -- the file -------------------------------------------------------------------
def test_data_dir_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("ALCORE_DATABASE_URL", raising=False)
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_data_dir() == tmp_path / "elsewhere"
    assert ProjectStore().location == tmp_path / "elsewhere" / DB_FILENAME
    monkeypatch.delenv("ALCORE_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    assert default_data_dir() == tmp_path / "alcore-data"


def test_database_is_wal_with_a_schema_version(tmp_path):
    store = ProjectStore(tmp_path / "named.sqlite3")
    assert store.location == tmp_path / "named.sqlite3"
    with sqlite3.connect(store.location) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(
            SCHEMA_VERSION
        )


def test_a_store_written_by_the_first_schema_is_upgraded_with_its_labels(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:  # what alcore wrote before leases existed
        connection.executescript(SCHEMA + ";INSERT INTO meta VALUES ('schema_version', '1');")
        connection.execute(
            "INSERT INTO projects VALUES (1, 'old', 'label', '[\"cat\", \"dog\"]', '{}', 30, ?, 'x', 'x')",
            (frame_to_parquet(pets_frame()),),
        )
        connection.execute(
            "INSERT INTO batches (project_id, rows, strategy, reason, round, status, created_at)"
            " VALUES (1, '[0, 1]', 'margin', '', 1, 'submitted', '2026-01-01T00:00:00+00:00')"
        )
        connection.execute(
            "INSERT INTO events (project_id, row_index, label, kind, labeler, created_at, batch_id, round)"
            " VALUES (1, 0, '\"cat\"', 'label', 'ann', '2026-01-01T00:00:00+00:00', 1, 1)"
        )
    store = ProjectStore(path)
    assert current(store, 1) == {0: "cat"}
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION)
    leased = store.open_batch(1, [2, 3], holder="bob")
    assert leased.holder == "bob" and leased.lease_until is not None


def test_a_database_url_in_the_environment_switches_to_postgresql(monkeypatch, tmp_path, postgres_server):
    url = postgres_server.new_schema_url()
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALCORE_DATABASE_URL", url)
    store = ProjectStore()
    assert (
        store.location == url
        and repr(store) == f"ProjectStore('postgresql://127.0.0.1:{postgres_server.port}/postgres')"
    )
    project = store.create_project("pets", pets_frame(), "label", CLASSES)
    label_batch(store, project.id, {0: "cat"})
    assert current(ProjectStore(url), project.id) == {0: "cat"}
    assert not list(tmp_path.iterdir()), "no SQLite file beside it"


def test_a_store_of_the_previous_schema_is_upgraded_on_start_with_its_labels(store_location):
    old = open_database(store_location)
    old.open(target_version=SCHEMA_VERSION - 1)  # what the previous alcore made
    with old.transaction(write=True) as connection:
        (project_id,) = connection.execute(
            "INSERT INTO projects (name, label_column, classes, settings, n_rows, frame, created_at, updated_at)"
            " VALUES ('old', 'label', '[\"cat\", \"dog\"]', '{}', 30, ?, ?, ?) RETURNING id",
            (frame_to_parquet(pets_frame()), "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"),
        ).fetchone()
        (batch_id,) = connection.execute(
            "INSERT INTO batches (project_id, rows, strategy, reason, round, status, created_at, holder)"
            " VALUES (?, '[0, 1]', 'margin', '', 1, 'submitted', '2026-01-01T00:00:00+00:00', 'ann') RETURNING id",
            (project_id,),
        ).fetchone()
        connection.execute(
            "INSERT INTO events (project_id, row_index, label, kind, labeler, created_at, batch_id, round)"
            " VALUES (?, 0, '\"cat\"', 'label', 'ann', '2026-01-01T00:00:00+00:00', ?, 1)",
            (project_id, batch_id),
        )
    old.close()

    store = ProjectStore(store_location)
    with store.database.transaction(write=False) as connection:
        (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert int(version) == SCHEMA_VERSION
    assert current(store, project_id) == {0: "cat"} and store.load_project(project_id).name == "old"
    assert store.members(project_id) == {} and store.archived_at(project_id) is None  # what step 3 added
    label_batch(store, project_id, {1: "dog"})
    assert current(ProjectStore(store_location), project_id) == {0: "cat", 1: "dog"}


def test_a_file_that_is_not_sqlite_gets_a_clear_message(tmp_path):
    (tmp_path / "notes.db").write_bytes(b"these are my notes, not a database\n" * 50)
    with pytest.raises(StoreError, match="not a SQLite database"):
        ProjectStore(tmp_path / "notes.db")
    with sqlite3.connect(tmp_path / "other.db") as connection:
        connection.execute("CREATE TABLE invoices (amount REAL)")
    with pytest.raises(StoreError, match="not an alcore store"):
        ProjectStore(tmp_path / "other.db")


def test_unknown_project_is_a_key_error_with_a_message(store, project):
    for missing in (999, "999", "not-a-number"):
        with pytest.raises(ProjectNotFound) as caught:
            store.labels(missing)
        assert isinstance(caught.value, KeyError)
        assert str(caught.value).startswith("No such project")
    assert store.load_project(str(project.id)).id == project.id  # ids from a URL are text


# -- projects --------------------------------------------------------------------
def test_frame_round_trip_keeps_dtypes_nan_categories_and_text(store):
    frame = pd.DataFrame(
        {
            "height": [1.5, np.nan, 3.25, -0.0],
            "count": [1, 2, 3, 4],
            "maybe_count": pd.array([1, None, 3, 4], dtype="Int64"),
            "flag": [True, False, True, False],
            "colour": pd.Categorical(["red", "blue", None, "red"]),
            "review": ["Great!\nWould buy again", "=SUM(A1)", None, "naïve café ☕, «quoted»"],
            "when": pd.to_datetime(["2024-01-01", None, "2024-03-01", "2024-04-01"], utc=True),
            "label": ["spam", None, None, "ham"],
        },
        index=[10, 20, 30, 40],
    )
    loaded = ProjectStore(store.location).load_project(
        store.create_project("mixed", frame, "label", ["ham", "spam"]).id
    )
    pd.testing.assert_frame_equal(loaded.frame, frame.reset_index(drop=True))
    assert list(loaded.frame["colour"].cat.categories) == ["blue", "red"]
    assert loaded.frame["height"].isna().tolist() == [False, True, False, False]


def test_project_list_rename_settings_classes_delete(store, project):
    other = store.create_project("other", pets_frame(5), "label", ["x", "y"])
    label_batch(store, project.id, {0: "cat", 1: "dog", 2: None})
    summaries = {summary.id: summary for summary in store.list_projects()}
    assert (summaries[project.id].n_rows, summaries[project.id].n_labeled) == (30, 2)
    assert summaries[project.id].updated >= summaries[project.id].created

    store.rename(project.id, "  pets, round two ")
    assert store.update_settings(project.id, {"batch_size": np.int64(8)}) == {**SETTINGS, "batch_size": 8}
    assert store.add_class(project.id, "fish") == CLASSES + ["fish"]
    assert store.add_class(project.id, "fish") == CLASSES + ["fish"]
    reopened = ProjectStore(store.location).load_project(project.id)
    assert (reopened.name, reopened.classes, reopened.settings["batch_size"]) == (
        "pets, round two",
        CLASSES + ["fish"],
        8,
    )
    assert reopened.settings["cost_per_label"] == 0.5

    store.delete_project(project.id)
    assert [summary.id for summary in store.list_projects()] == [other.id]
    with pytest.raises(ProjectNotFound):
        store.events(project.id)


def test_bad_input_is_refused_with_reasons(store, project):
    with pytest.raises(ValueError, match="not a column"):
        store.create_project("x", pets_frame(), "target", CLASSES)
    with pytest.raises(IndexError, match="outside the table"):
        store.open_batch(project.id, [29, 30])
    batch = store.open_batch(project.id, [0, 1])
    with pytest.raises(ValueError, match="not a class"):
        store.submit_batch(project.id, batch.id, {0: "horse"}, "ann")
    with pytest.raises(ValueError, match="not in batch"):
        store.submit_batch(project.id, batch.id, {5: "cat"}, "ann")
    assert store.events(project.id).empty  # a refused submit writes nothing


# -- durability ------------------------------------------------------------------
def test_every_event_is_durable_after_its_commit(store, project):
    def reopened_events():
        return ProjectStore(store.location).events(project.id).drop(columns="created_at")

    label_batch(store, project.id, {0: "cat", 1: "dog", 2: None})
    assert len(reopened_events()) == 3
    store.relabel(project.id, 1, "bird", "bob")
    assert reopened_events().iloc[-1][["row", "label", "kind", "labeler"]].tolist() == [1, "bird", "relabel", "bob"]
    label_batch(store, project.id, {3: "cat", 4: "cat"}, round_number=2)
    store.undo_last_batch(project.id, "ann")
    assert reopened_events()["kind"].tolist() == ["label", "label", "skip", "relabel", "label", "label", "undo", "undo"]
    shown = store.open_batch(project.id, [7, 5, 6], [0.9, 0.8, 0.7], "margin", "uncertain", 3)

    printed = run_child(
        """
        import json, sys
        from alcore.labeling.store import ProjectStore
        store = ProjectStore(sys.argv[1])
        labels = store.labels(int(sys.argv[2]))
        batch = store.current_batch(int(sys.argv[2]))
        print(json.dumps({"labels": dict(zip(labels["row"].tolist(), labels["label"])), "n_events": len(store.events(int(sys.argv[2]))),
                          "batch": [batch.id, batch.rows, batch.scores, batch.reason]}))
        """,
        store.location,
        project.id,
    )
    seen = json.loads(printed.stdout)
    assert seen["labels"] == {"0": "cat", "1": "bird"}
    assert seen["n_events"] == 8
    assert seen["batch"] == [shown.id, [7, 5, 6], [0.9, 0.8, 0.7], "uncertain"]


def test_a_refresh_brings_back_the_open_batch(store, project):
    assert store.current_batch(project.id) is None
    shown = store.open_batch(project.id, [4, 2, 9], [3.0, 2.0, 1.0], "margin", "closest to the boundary", 1)
    again = ProjectStore(store.location).current_batch(project.id)
    assert again == shown and again.status == "open"
    store.submit_batch(project.id, shown.id, {4: "cat", 2: "dog", 9: "cat"}, "ann")
    assert store.current_batch(project.id) is None


KILLED_CHILD = """
    import sys, time
    from pathlib import Path
    import pandas as pd
    from alcore.labeling.sqlite_database import SqliteDatabase
    from alcore.labeling.store import ProjectStore

    folder, marker = Path(sys.argv[1]), Path(sys.argv[2])
    store = ProjectStore(folder)
    project = store.create_project("crash", pd.DataFrame({"x": range(40), "label": [None] * 40}), "label", ["a", "b"])
    for first in (0, 10):
        batch = store.open_batch(project.id, range(first, first + 10))
        store.submit_batch(project.id, batch.id, {row: "a" for row in range(first, first + 10)}, "child")
    third = store.open_batch(project.id, range(20, 30))

    def pause(row):
        # Runs inside batch 3's transaction, after each of its events is inserted.
        marker.write_text(str(row))
        if row == 25:
            time.sleep(60)
        return 0

    class PausingDatabase(SqliteDatabase):
        def _connect(self):
            connection = super()._connect()
            connection.create_function("pause", 1, pause)
            connection.execute(
                "CREATE TEMP TRIGGER pause_batch AFTER INSERT ON main.events"
                f" WHEN NEW.batch_id = {third.id} BEGIN SELECT pause(NEW.row_index); END"
            )
            return connection

    store.database = PausingDatabase(store.database.path)
    store.submit_batch(project.id, third.id, {row: "b" for row in range(20, 30)}, "child")
"""


def test_a_process_killed_mid_batch_leaves_earlier_batches_intact(tmp_path):
    marker = tmp_path / "progress"
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_CHILD), str(tmp_path / "data"), str(marker)],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180  # the child starts Python and pandas on a loaded machine
    while not (marker.exists() and marker.read_text() == "25"):
        assert child.poll() is None, child.stderr.read()
        assert time.monotonic() < deadline, "the child never reached the middle of batch 3"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)  # 6 of batch 3's 10 events are inserted, none committed
    child.wait()
    child.stderr.close()

    store = ProjectStore(tmp_path / "data")
    with sqlite3.connect(store.location) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    (summary,) = store.list_projects()
    assert current(store, summary.id) == {row: "a" for row in range(20)}
    events = store.events(summary.id)
    assert len(events) == 20 and set(events["batch_id"]) == {1, 2}
    unfinished = store.current_batch(summary.id)  # batch 3 is entirely absent: still open, to be labeled again
    assert (unfinished.rows, unfinished.status) == (list(range(20, 30)), "open")


WRITER_CHILD = """
    import sys, time
    from pathlib import Path
    from alcore.labeling.store import ProjectStore

    location, signals, project_id, labeler, first = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    store = ProjectStore(location)
    (signals / f"ready-{labeler}").touch()
    while not (signals / "go").exists():
        time.sleep(0.005)
    for start in range(first, first + 200, 10):
        rows = list(range(start, start + 10))
        store.labels(project_id)  # the page reads before it asks
        batch = store.open_batch(project_id, rows, strategy="random")
        store.submit_batch(project_id, batch.id, {row: labeler for row in rows}, labeler)
"""


def test_two_writers_at_once_lose_nothing(store, tmp_path):
    project = store.create_project("busy", pets_frame(300), "label", ["ann", "bob"])
    writers = [
        subprocess.Popen(
            [
                *(sys.executable, "-c", textwrap.dedent(WRITER_CHILD), str(store.location), str(tmp_path)),
                *(str(project.id), labeler, str(first)),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for labeler, first in (("ann", 0), ("bob", 100))  # rows 100..199 are labeled by both
    ]
    deadline = time.monotonic() + 180  # two Python processes importing pandas on a loaded 2-core machine
    while not all((tmp_path / f"ready-{name}").exists() for name in ("ann", "bob")):
        assert all(writer.poll() is None for writer in writers), [writer.stderr.read() for writer in writers]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for writer in writers:
        _, errors = writer.communicate(timeout=60)
        assert writer.returncode == 0, errors

    events = store.events(project.id)
    assert len(events) == 400
    for labeler, first in (("ann", 0), ("bob", 100)):
        theirs = events[events["labeler"] == labeler]
        assert sorted(theirs["row"]) == list(range(first, first + 200))
        assert (theirs["label"] == labeler).all()
    labels = store.labels(project.id)
    assert labels["row"].tolist() == list(range(300))
    # Rows both labeled: both answers are kept; the label is the newest answer that was not a late second
    # opinion (an answer to a row labeled after its batch was handed out never replaces that label).
    both = events[events["row"].between(100, 199)]
    assert (both.groupby("row")["labeler"].nunique() == 2).all()
    standing = both[both["kind"] != "opinion"].groupby("row")["labeler"].last()
    assert (standing.to_numpy() == labels.set_index("row").loc[100:199, "label"].to_numpy()).all()


def test_threads_sharing_one_store_lose_nothing(store, project):
    def labeler(name, rows):
        for row in rows:
            label_batch(store, project.id, {row: "cat"}, labeler=name)

    threads = [threading.Thread(target=labeler, args=(f"tab{i}", range(i, 30, 3))) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.rows_labeled(project.id).tolist() == list(range(30))


# -- history -----------------------------------------------------------------------
def test_submitting_twice_is_idempotent_and_a_second_tab_is_not_lost(store, project):
    batch = label_batch(store, project.id, {0: "cat", 1: "dog", 2: None})
    store.submit_batch(project.id, batch.id, {0: "cat", 1: "dog", 2: None}, "ann")  # double click
    assert len(store.events(project.id)) == 3

    # The same batch from a stale tab: a changed answer is a second opinion, never over the saved label.
    saved = store.submit_batch(project.id, batch.id, {0: "cat", 1: "bird", 2: "cat"}, "bob")
    assert (saved.late, saved.disagreeing, saved.labeled) == ((1,), (1,), (2,))
    events = store.events(project.id)
    assert events[["row", "label", "kind", "labeler"]].iloc[3:].values.tolist() == [
        [1, "bird", "opinion", "bob"],
        [2, "cat", "label", "bob"],
    ]
    assert current(store, project.id) == {0: "cat", 1: "dog", 2: "cat"}


def test_two_tabs_with_their_own_batches_both_count(store, project):
    other_tab = ProjectStore(store.location)
    batch_a = store.open_batch(project.id, [0, 1, 2])
    batch_b = other_tab.open_batch(project.id, [2, 3])
    store.submit_batch(project.id, batch_a.id, {0: "cat", 1: "cat", 2: "cat"}, "ann")
    assert other_tab.rows_labeled(project.id).tolist() == [0, 1, 2]  # seen at once by the other tab
    saved = other_tab.submit_batch(project.id, batch_b.id, {2: "dog", 3: "dog"}, "bob")
    assert (saved.labeled, saved.late, saved.disagreeing) == ((3,), (2,), (2,))
    assert current(store, project.id) == {0: "cat", 1: "cat", 2: "cat", 3: "dog"}  # bob is told, ann's label stands
    assert store.events(project.id)["kind"].tolist() == ["label"] * 3 + ["opinion", "label"]


def test_undo_keeps_history_and_cannot_be_resubmitted(store, project):
    first = label_batch(store, project.id, {0: "cat", 1: "dog"}, round_number=1)
    second = label_batch(store, project.id, {1: "bird", 2: "cat"}, round_number=2)
    undone = store.undo_last_batch(project.id, "ann")
    assert (undone.id, undone.status, undone.rows) == (second.id, "undone", [1, 2])
    assert current(store, project.id) == {0: "cat", 1: "dog"}  # row 1 is back to its earlier label
    events = store.events(project.id)
    assert events["kind"].tolist() == ["label"] * 4 + ["undo"] * 2
    assert events["batch_id"].tolist() == [first.id] * 2 + [second.id] * 4
    with pytest.raises(BatchClosed):
        store.submit_batch(project.id, second.id, {1: "bird"}, "ann")

    assert store.undo_last_batch(project.id, "ann").id == first.id
    assert store.undo_last_batch(project.id, "ann") is None
    assert store.labels(project.id).empty and len(store.events(project.id)) == 8


def test_batches_lists_every_batch_with_its_status_scores_and_times(store, project):
    first = label_batch(store, project.id, {0: "cat", 1: "dog"}, labeler="ann", round_number=1)
    second = label_batch(store, project.id, {2: "bird"}, labeler="bo", round_number=2)
    store.undo_last_batch(project.id, "bo")
    shown = store.open_batch(project.id, [3, 4], None, "kcenter", "cover the data", 3)
    listed = store.batches(project.id)
    assert [b.id for b in listed] == [first.id, second.id, shown.id]
    assert [b.status for b in listed] == ["submitted", "undone", "open"]
    assert listed[0].scores == [0.5, 0.5] and listed[2].scores is None
    assert listed[0].submitted_by == "ann" and listed[0].submitted >= listed[0].created
    assert store.batches(store.create_project("empty", pets_frame(3), "label", CLASSES).id) == []
    with pytest.raises(ProjectNotFound):
        store.batches(999)


def test_relabel_keeps_history_and_outlives_an_undo(store, project):
    label_batch(store, project.id, {0: "cat", 1: "dog"}, round_number=4)
    store.relabel(project.id, 0, "bird", "bob")
    labels = store.labels(project.id).set_index("row")
    assert (labels.loc[0, "label"], labels.loc[0, "labeler"], labels.loc[0, "round"]) == ("bird", "bob", 4)
    assert pd.isna(labels.loc[0, "batch_id"])
    store.undo_last_batch(project.id, "ann")
    assert current(store, project.id) == {0: "bird"}
    assert store.events(project.id)["label"].tolist() == ["cat", "dog", "bird", None, None]
    with pytest.raises(ValueError):
        store.relabel(project.id, 0, None, "bob")


def test_a_second_labeler_keeps_their_own_labels(store, project):
    label_batch(store, project.id, {0: "cat", 1: "dog"}, labeler="ann")
    label_batch(store, project.id, {0: "dog", 1: "dog"}, labeler="bob")
    assert current(store, project.id) == {0: "dog", 1: "dog"}
    ann = store.labels(project.id, labeler="ann")
    assert dict(zip(ann["row"], ann["label"])) == {0: "cat", 1: "dog"}


# -- replay equals a simple model --------------------------------------------------
operation = st.one_of(
    st.tuples(
        st.just("submit"), st.dictionaries(st.integers(0, 7), st.sampled_from(CLASSES + [None]), min_size=1, max_size=4)
    ),
    st.tuples(st.just("resubmit"), st.dictionaries(st.integers(0, 7), st.sampled_from(CLASSES + [None]), max_size=4)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("undo_other")),
    st.tuples(st.just("relabel"), st.integers(0, 7), st.sampled_from(CLASSES)),
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_store(request, tmp_path_factory) -> ProjectStore:
    """One store for every example of the property test (a new store per example is slow to make)."""
    if request.param == "sqlite":
        return ProjectStore(tmp_path_factory.mktemp("replay"))
    return ProjectStore(request.getfixturevalue("postgres_server").new_schema_url())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=10))
def test_replaying_events_matches_a_simple_model(shared_store, operations):
    store = shared_store
    project = store.create_project("replay", pets_frame(8), "label", CLASSES)
    # row -> [(batch, label, version)]; version counts label events, as the store's event ids do
    history: dict[int, list[tuple[int | None, str, int]]] = {row: [] for row in range(8)}
    answers: dict[int, dict] = {}  # batch -> row -> latest answer that counts (late ones do not)
    opened_at: dict[int, int] = {}  # batch -> the version when it was handed out
    submitted: list = []  # batches not undone, in submission order
    version = 0
    for name, *args in operations:
        if name == "submit":
            opened = version
            batch = label_batch(store, project.id, args[0])
            answers[batch.id], opened_at[batch.id] = dict(args[0]), opened
            submitted.append(batch)
            for row, label in args[0].items():
                if label is not None:
                    version += 1
                    history[row].append((batch.id, label, version))
        elif name == "resubmit" and submitted:
            batch = submitted[-1]
            given_answers = {row: label for row, label in args[0].items() if row in batch.rows}
            saved = store.submit_batch(project.id, batch.id, given_answers, "tab2")
            late = []
            for row, label in given_answers.items():
                if answers[batch.id].get(row) == label:
                    continue
                standing = history[row][-1][2] if history[row] else 0
                if label is not None and (answers[batch.id].get(row) is not None or standing > opened_at[batch.id]):
                    late.append(row)  # a second opinion: the standing label stays
                    continue
                answers[batch.id][row] = label
                if label is not None:
                    version += 1
                    history[row].append((batch.id, label, version))
            assert sorted(saved.late) == sorted(late)
        elif name == "undo_other":
            assert store.undo_last_batch(project.id, "someone else") is None  # only your own batches
        elif name == "undo":
            undone = store.undo_last_batch(project.id, "ann")
            expected_undone = submitted.pop().id if submitted else None
            assert (undone.id if undone else None) == expected_undone
            if undone is not None:
                for row in history:
                    history[row] = [entry for entry in history[row] if entry[0] != undone.id]
        elif name == "relabel":
            store.relabel(project.id, args[0], args[1], "bob")
            version += 1
            history[args[0]].append((None, args[1], version))
    expected = {row: entries[-1][1] for row, entries in history.items() if entries}
    assert current(store, project.id) == expected
    assert store.rows_labeled(project.id).tolist() == sorted(expected)
