"""Durable labeling projects: one SQLite file, an append-only log of labels.

A person's labels are the one thing alcore cannot recompute, so they are
written before anything else happens and never overwritten: every answer,
skip, undo and correction is a new row of `events`. The current label of a
row is a replay of that log: the newest 'label' or 'relabel' event whose batch
was not undone. "Newest" means the highest event id; SQLite hands ids out
under its single write lock, so the order of commits decides, never the
clocks of two processes.

Tables (schema version `SCHEMA_VERSION`; the SQL is in `alcore.labeling.records`):
- projects: name, the table itself (Parquet bytes, so dtypes, NaN and text
  round-trip), label column, classes and settings (JSON), created/updated.
- batches: each batch shown to a labeler (rows, scores, strategy, reason,
  round) and its status: open -> submitted -> undone; who holds it and until
  when (the lease), and the newest event id when it was handed out.
- events: project, row, label (JSON; NULL for skip and undo), kind, labeler,
  created_at (UTC ISO), batch_id, round, late (1 = a second opinion that
  arrived after someone else labeled the row; it never replaces that label).

Several labelers: a batch handed to a person (`holder`) reserves its rows
until its lease runs out (`lease_seconds`, renewed while they work); a new
batch never takes a row someone else holds or anyone labeled, except a
deliberate second opinion, and the check runs inside the write transaction,
so two processes cannot hand out the same row. Each person resumes their own
open batch. A submit answers the rows as they were when the batch was handed
out: a row someone else labeled since gets the answer as a late second
opinion, and the result says so (`Submitted.late`).

Faults: a full disk, a read-only folder, a database locked too long or an
I/O error raise `StoreWriteError` with what to do, and the failed call wrote
nothing (its transaction is rolled back), so what a call acknowledges is what
is stored. A store in a folder that cannot be written opens read-only
(`read_only`): projects, labels and exports still work.

Concurrency: every call opens its own connection and closes it, so a store
object holds only a path and may be shared by threads (Streamlit sessions)
and kept in `st.cache_resource`. Writes run in `BEGIN IMMEDIATE`
transactions: the write lock is taken before anything is read, so a
check-then-write (is this batch already submitted?) cannot race, and a second
writer waits up to `BUSY_TIMEOUT_MS` instead of failing.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from alcore.labeling.members import MembersMixin
from alcore.labeling.records import (
    CURRENT_LABELS,
    MIGRATIONS,
    NO_SUCH_PROJECT,
    SCHEMA,
    SCHEMA_VERSION,
    Batch,
    BatchClosed,
    BatchNotFound,
    Project,
    ProjectNotFound,
    ProjectSummary,
    RowsTaken,
    StoreError,
    StoreWriteError,
    Submitted,
    check_labels,
    check_rows,
    clean_name,
    frame_to_parquet,
    label_frame,
    now_iso,
    parse_time,
    plain_label,
    project_key,
    settings_json,
    unique_classes,
)

DB_FILENAME = "alcore.sqlite3"
DATA_DIR_ENV = "ALCORE_DATA_DIR"
BUSY_TIMEOUT_MS = 30_000
LEASE_SECONDS = 900
"""How long a handed-out batch stays reserved for its labeler without a sign of life (a project
may set `lease_seconds`); the page renews it on every rerun and once a minute while the tab is open."""
_WRITE_FAULTS = {
    "SQLITE_FULL": ("the disk is full", "free some space on the disk and try again"),
    "SQLITE_READONLY": (
        "the data folder is read-only",
        "make the data folder writable (or point ALCORE_DATA_DIR at one that is) and try again",
    ),
    "SQLITE_BUSY": (
        "another program has held the database locked for too long",
        "wait a moment and try again; if it lasts, close the program that holds the file",
    ),
    "SQLITE_IOERR": ("the disk reported an error while writing", "check the disk and try again"),
    "SQLITE_CANTOPEN": ("the database file cannot be opened for writing", "check the data folder and try again"),
}


def default_data_dir() -> Path:
    """Folder of the store: $ALCORE_DATA_DIR, else ./alcore-data/ (made absolute now)."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(configured).expanduser() if configured else Path.cwd() / "alcore-data"


class ProjectStore(MembersMixin):
    """Labeling projects in one SQLite file.

    location: a folder (the file is `<folder>/alcore.sqlite3`) or the path of
        a .sqlite3/.sqlite/.db file; default `default_data_dir()`. Created on
        first use.
    """

    def __init__(self, location: str | os.PathLike | None = None):
        location = Path(location) if location is not None else default_data_dir()
        if location.suffix in {".sqlite3", ".sqlite", ".db"} or location.is_file():
            self.path = location
        else:
            self.path = location / DB_FILENAME
        self.busy_timeout_ms = BUSY_TIMEOUT_MS
        self.read_only, self.write_fault = False, _WRITE_FAULTS["SQLITE_READONLY"]
        self._keeper: sqlite3.Connection | None = None
        self._open_for_writing()

    def _open_for_writing(self) -> bool:
        """Make or upgrade the schema; True when the store can be written.

        When it cannot (a read-only folder, a full disk, an I/O error) but the file is there, the store
        is read: `read_only` is set and `write_fault` says why; each later write tries again, so the
        store writes once the fault is fixed, without a restart.
        """
        self.read_only = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._create_schema()
            self._keep_open()
            return True
        except (StoreWriteError, OSError) as error:
            if isinstance(error, StoreWriteError) and error.reason == _WRITE_FAULTS["SQLITE_BUSY"][0]:
                raise
            fault = (error.reason, error.what_to_do) if isinstance(error, StoreWriteError) else self.write_fault
            if not self.path.is_file():
                raise StoreWriteError(
                    f"the data folder {self.path.parent} cannot be written ({fault[0]})",
                    "make it writable, or point ALCORE_DATA_DIR at a folder that is",
                ) from error
            self.read_only, self.write_fault = True, fault  # labels can still be read and exported
            self._check_version()
            return False

    def _keep_open(self) -> None:
        """One idle connection for the life of this object. While one is open, SQLite keeps the -wal and
        -shm files, so the connection of each call never has to create them, which a full disk refuses
        (and reads would then fail too); it also spares a checkpoint at the end of every call."""
        if self._keeper is None:
            self._keeper = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._keeper.execute("SELECT count(*) FROM meta").fetchone()  # maps the -shm file

    def __repr__(self) -> str:
        return f"ProjectStore({str(self.path)!r})"

    def close(self) -> None:
        """Let go of the file (the idle connection): before the folder is unmounted, moved or made read-only."""
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None

    # -- connections -------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        if self.read_only:
            # A read-only folder holds no new -shm or lock file. After a clean close there is no WAL:
            # immutable reads the file alone, safe as nothing can write there. After a crash the WAL
            # (and its -shm) hold the last commits: mode=ro reads them through the -shm left beside it.
            left_behind = self.path.with_name(self.path.name + "-wal").exists()
            target, uri = f"{self.path.resolve().as_uri()}?{'mode=ro' if left_behind else 'immutable=1'}", True
        else:
            target, uri = self.path, False
        try:
            connection = sqlite3.connect(target, timeout=self.busy_timeout_ms / 1000, isolation_level=None, uri=uri)
        except sqlite3.DatabaseError as error:
            self._explain(error)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            # FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on a
            # power cut or OS crash; a submitted batch must survive both. The cost
            # is one fsync per commit, i.e. per batch, which a person never notices.
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as error:
            connection.close()
            self._explain(error)
        return connection

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction on a fresh connection: committed on success, rolled back on error.

        A read that cannot open the file for writing (a full disk refuses the -shm file) reads it read-only."""
        if write and self.read_only and not self._open_for_writing():
            raise StoreWriteError(*self.write_fault)
        connection = self._connect()
        try:
            try:
                connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                if not write:
                    connection.execute("SELECT count(*) FROM meta").fetchone()
            except sqlite3.DatabaseError as error:
                name = getattr(error, "sqlite_errorname", "")
                if write or self.read_only or not name.startswith(("SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN")):
                    raise
                connection.close()
                self.read_only = True
                self.write_fault = next(words for prefix, words in _WRITE_FAULTS.items() if name.startswith(prefix))
                connection = self._connect()
                connection.execute("BEGIN")
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            self._explain(error)
        finally:
            connection.close()

    def _explain(self, error: sqlite3.DatabaseError) -> NoReturn:
        """Re-raise `error` as a StoreError a person can act on: not a database, or a write fault."""
        name = getattr(error, "sqlite_errorname", "")
        if name in {"SQLITE_NOTADB", "SQLITE_CORRUPT"}:
            raise StoreError(
                f"{self.path} is not a usable alcore store: it is not a SQLite database, or it is damaged "
                f"({error}). Point alcore at another data folder, or move this file away."
            ) from error
        if name.startswith("SQLITE_CANTOPEN") and not os.access(self.path.parent, os.W_OK):
            name = "SQLITE_READONLY"  # cannot make its -shm or journal file there: the folder is read-only
        fault = next((words for prefix, words in _WRITE_FAULTS.items() if name.startswith(prefix)), None)
        if fault is not None:
            raise StoreWriteError(*fault) from error
        raise error

    def _create_schema(self) -> None:
        """Create the first schema in a new file, then bring any store up to `SCHEMA_VERSION`, step by step."""
        connection = self._connect()
        try:
            # WAL: readers never block the writer, and a commit is one append.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("BEGIN IMMEDIATE")
            tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" not in tables:
                if tables - {"sqlite_sequence"}:
                    raise StoreError(f"{self.path} is a SQLite database, but not an alcore store. Choose another file.")
                for statement in SCHEMA.split(";"):
                    connection.execute(statement)
                connection.execute("INSERT INTO meta VALUES ('schema_version', '1')")
            (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            for step in range(int(version) + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    connection.execute(statement)
                connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(step),))
            connection.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            self._explain(error)
        finally:
            connection.close()
        self._check_version()

    def _check_version(self) -> None:
        with self._transaction(write=False) as connection:
            (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if int(version) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer alcore (schema {version}); upgrade alcore to open it."
            )
        if int(version) < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by an older alcore (schema {version}) and its folder cannot be written, "
                "so it cannot be upgraded; make the folder writable once, or use the older alcore to read it."
            )

    def _require_project(self, connection: sqlite3.Connection, project_id) -> tuple:
        key = project_key(project_id)
        found = connection.execute("SELECT id, n_rows, classes FROM projects WHERE id = ?", (key,)).fetchone()
        if found is None:
            raise ProjectNotFound(NO_SUCH_PROJECT)
        return key, found[1], json.loads(found[2])

    # -- projects ----------------------------------------------------------
    def create_project(
        self,
        name: str,
        frame: pd.DataFrame,
        label_column: str,
        classes: Sequence[Hashable],
        settings: Mapping | None = None,
    ) -> Project:
        """Store a new project. The frame's index is replaced by row positions 0..n-1
        (row identity); keep a meaningful id in a column."""
        name = clean_name(name)
        if label_column not in frame.columns:
            raise ValueError(f"label column {label_column!r} is not a column of the table; add it first")
        classes = unique_classes(classes)
        blob = frame_to_parquet(frame)
        now = now_iso()
        with self._transaction(write=True) as connection:
            cursor = connection.execute(
                "INSERT INTO projects (name, label_column, classes, settings, n_rows, frame, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (name, label_column, json.dumps(classes), settings_json(settings or {}), len(frame), blob, now, now),
            )
            project_id = cursor.lastrowid
        return self.load_project(project_id)

    def list_projects(self) -> list[ProjectSummary]:
        """Every project, most recently updated first."""
        with self._transaction(write=False) as connection:
            found = connection.execute(
                "SELECT id, name, created_at, updated_at, n_rows, archived_at FROM projects"
                " ORDER BY updated_at DESC, id DESC"
            ).fetchall()
            return [
                ProjectSummary(
                    id=key,
                    name=name,
                    created=parse_time(created),
                    updated=parse_time(updated),
                    n_rows=n_rows,
                    n_labeled=connection.execute(
                        f"SELECT count(*) FROM ({CURRENT_LABELS})", {"project": key, "labeler": None}
                    ).fetchone()[0],
                    archived=archived is not None,
                )
                for key, name, created, updated, n_rows, archived in found
            ]

    def load_project(self, project_id) -> Project:
        with self._transaction(write=False) as connection:
            key, _, _ = self._require_project(connection, project_id)
            name, label_column, classes, settings, blob, created, updated = connection.execute(
                "SELECT name, label_column, classes, settings, frame, created_at, updated_at FROM projects WHERE id = ?",
                (key,),
            ).fetchone()
        return Project(
            id=key,
            name=name,
            frame=pd.read_parquet(io.BytesIO(blob)),
            label_column=label_column,
            classes=json.loads(classes),
            settings=json.loads(settings),
            created=parse_time(created),
            updated=parse_time(updated),
        )

    def rename(self, project_id, name: str) -> None:
        name = clean_name(name)
        with self._transaction(write=True) as connection:
            key, _, _ = self._require_project(connection, project_id)
            connection.execute("UPDATE projects SET name = ?, updated_at = ? WHERE id = ?", (name, now_iso(), key))

    def delete_project(self, project_id) -> None:
        """Delete the project with its whole history (this, and only this, forgets labels)."""
        with self._transaction(write=True) as connection:
            key, _, _ = self._require_project(connection, project_id)
            connection.execute("DELETE FROM projects WHERE id = ?", (key,))

    def add_class(self, project_id, value: Hashable) -> list:
        """Make `value` a class of the project (no-op if known); returns the classes."""
        value = plain_label(value)
        with self._transaction(write=True) as connection:
            key, _, classes = self._require_project(connection, project_id)
            if value not in classes:
                classes.append(value)
                connection.execute(
                    "UPDATE projects SET classes = ?, updated_at = ? WHERE id = ?",
                    (json.dumps(classes), now_iso(), key),
                )
        return classes

    def update_settings(self, project_id, settings: Mapping) -> dict:
        """Merge `settings` into the project's settings (given keys replace); returns the result."""
        with self._transaction(write=True) as connection:
            key, _, _ = self._require_project(connection, project_id)
            (stored,) = connection.execute("SELECT settings FROM projects WHERE id = ?", (key,)).fetchone()
            merged = {**json.loads(stored), **settings}
            connection.execute(
                "UPDATE projects SET settings = ?, updated_at = ? WHERE id = ?", (settings_json(merged), now_iso(), key)
            )
        return json.loads(settings_json(merged))

    # -- batches -----------------------------------------------------------
    def open_batch(
        self,
        project_id,
        rows: Sequence[int],
        scores: Sequence[float] | None = None,
        strategy: str = "",
        reason: str = "",
        round_number: int = 0,
        holder: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        second_opinions: Sequence[int] = (),
    ) -> Batch:
        """Record the batch about to be shown, so a refresh shows the same one.

        rows: (batch_size,) row positions, most wanted first; scores: one per
        row (the strategy's score), or None; reason: why, in words.
        holder: the person it is for. Their other open batches are released, and it is
        refused with `RowsTaken` if a row is held by someone else's batch or has a label,
        bar `second_opinions` (rows asked again on purpose). None: a batch nobody holds
        (imported labels, scripts), with no such checks.
        """
        rows = [int(row) for row in rows]
        if not rows:
            raise ValueError("a batch needs at least one row")
        if len(set(rows)) != len(rows):
            raise ValueError("a row appears twice in one batch")
        if scores is not None:
            scores = [float(score) for score in scores]
            if len(scores) != len(rows):
                raise ValueError(f"{len(rows)} rows but {len(scores)} scores")
        with self._transaction(write=True) as connection:
            key, n_rows, _ = self._require_project(connection, project_id)
            check_rows(rows, n_rows)
            now = datetime.now(UTC)
            lease_until = None
            if holder is not None:
                taken = self._held_rows(connection, key, holder, now) | (
                    self._labeled_rows(connection, key) - {int(row) for row in second_opinions}
                )
                if taken & set(rows):
                    raise RowsTaken(taken & set(rows))
                connection.execute(
                    "UPDATE batches SET lease_until = NULL WHERE project_id = ? AND holder = ? AND status = 'open'",
                    (key, holder),
                )
                lease_until = (now + timedelta(seconds=lease_seconds)).isoformat(timespec="microseconds")
            (newest_event,) = connection.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
            cursor = connection.execute(
                "INSERT INTO batches (project_id, rows, scores, strategy, reason, round, status, created_at,"
                " holder, lease_until, opened_after) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
                (
                    key,
                    json.dumps(rows),
                    None if scores is None else json.dumps(scores),
                    strategy,
                    reason,
                    int(round_number),
                    now.isoformat(timespec="microseconds"),
                    holder,
                    lease_until,
                    newest_event,
                ),
            )
            return self._batch(connection, key, cursor.lastrowid)

    def _open_batches(self, connection: sqlite3.Connection, key: int) -> list[Batch]:
        ids = connection.execute("SELECT id FROM batches WHERE project_id = ? AND status = 'open'", (key,)).fetchall()
        return [self._batch(connection, key, batch_id) for (batch_id,) in ids]

    def _held_rows(self, connection: sqlite3.Connection, key: int, holder: str | None, now: datetime) -> set[int]:
        held = [batch.rows for batch in self._open_batches(connection, key) if batch.held_by_other(holder, now)]
        return {row for rows in held for row in rows}

    def _labeled_rows(self, connection: sqlite3.Connection, key: int) -> set[int]:
        found = connection.execute(CURRENT_LABELS, {"project": key, "labeler": None}).fetchall()
        return {row for row, *_ in found}

    def held_rows(self, project_id, holder: str | None = None) -> np.ndarray:
        """(n,) rows reserved by open batches of people other than `holder` whose lease runs, ascending."""
        with self._transaction(write=False) as connection:
            key, _, _ = self._require_project(connection, project_id)
            return np.asarray(sorted(self._held_rows(connection, key, holder, datetime.now(UTC))), dtype=np.int64)

    def current_batch(self, project_id, holder: str | None = None) -> Batch | None:
        """The newest open batch of `holder` (their own, to resume), or None.

        holder None: the project's newest open batch, whoever has it (a single-person project).
        """
        with self._transaction(write=False) as connection:
            key, _, _ = self._require_project(connection, project_id)
            found = connection.execute(
                "SELECT max(id) FROM batches WHERE project_id = ? AND status = 'open'"
                + ("" if holder is None else " AND holder = ? AND lease_until IS NOT NULL"),
                (key,) if holder is None else (key, holder),
            ).fetchone()[0]
            return None if found is None else self._batch(connection, key, found)

    def renew_lease(self, project_id, batch_id: int, holder: str, lease_seconds: float = LEASE_SECONDS) -> bool:
        """Keep `holder`'s open batch reserved for another `lease_seconds`; False if it is no longer theirs
        to keep (submitted, undone, released, or a row of it went to someone else after its lease ran out)."""
        with self._transaction(write=True) as connection:
            key, _, _ = self._require_project(connection, project_id)
            batch = self._batch(connection, key, batch_id)
            now = datetime.now(UTC)
            if batch.status != "open" or batch.holder != holder or batch.lease_until is None:
                return False
            if batch.lease_until <= now and self._held_rows(connection, key, holder, now) & set(batch.rows):
                return False
            until = (now + timedelta(seconds=lease_seconds)).isoformat(timespec="microseconds")
            connection.execute("UPDATE batches SET lease_until = ? WHERE id = ?", (until, batch.id))
            return True

    def release(self, project_id, holder: str) -> None:
        """Give back every open batch of `holder` (they closed the project): its rows may be asked of others."""
        with self._transaction(write=True) as connection:
            key, _, _ = self._require_project(connection, project_id)
            connection.execute(
                "UPDATE batches SET lease_until = NULL WHERE project_id = ? AND holder = ? AND status = 'open'",
                (key, holder),
            )

    def batches(self, project_id) -> list[Batch]:
        """Every batch of the project, oldest first (open, submitted and undone), for monitoring:
        which rows were picked with what scores, and when each was shown and submitted."""
        with self._transaction(write=False) as connection:
            key, _, _ = self._require_project(connection, project_id)
            ids = connection.execute("SELECT id FROM batches WHERE project_id = ? ORDER BY id", (key,)).fetchall()
            return [self._batch(connection, key, batch_id) for (batch_id,) in ids]

    def submit_batch(self, project_id, batch_id: int, labels: Mapping[int, Hashable | None], labeler: str) -> Submitted:
        """Save the answers to a batch in one transaction; returns what was written.

        labels: row -> class, or None for "skip: not sure"; rows of the batch
        left out are simply not answered. The answers are to the rows as they were when
        the batch was handed out: an answer to a row someone labeled since (another
        person's batch, or an earlier submit of this same batch with another answer) is
        kept as a late second opinion and never replaces that label. Submitting the same
        answers again (double click, a second tab) writes nothing.
        """
        answers = {int(row): (None if label is None else plain_label(label)) for row, label in labels.items()}
        with self._transaction(write=True) as connection:
            key, _, classes = self._require_project(connection, project_id)
            batch = self._batch(connection, key, batch_id)
            if batch.status == "undone":
                raise BatchClosed(f"batch {batch.id} was undone; its rows can be asked again in a new batch")
            strays = sorted(set(answers) - set(batch.rows))
            if strays:
                raise ValueError(f"rows {strays} are not in batch {batch.id}")
            check_labels(answers.values(), classes)
            saved = dict(
                connection.execute(
                    "SELECT row_index, label FROM events WHERE batch_id = ? AND kind != 'undo' AND late = 0"
                    " ORDER BY id",
                    (batch.id,),
                ).fetchall()
            )
            standing = {
                row: (label, event_id)
                for row, label, *_, event_id in connection.execute(CURRENT_LABELS, {"project": key, "labeler": None})
            }
            now = now_iso()
            written: dict[str, list[int]] = {"labeled": [], "skipped": [], "late": [], "disagreeing": []}
            for row in batch.rows:
                if row not in answers:
                    continue
                label = None if answers[row] is None else json.dumps(answers[row])
                if row in saved and saved[row] == label:
                    continue
                current, version = standing.get(row, (None, 0))
                # Late: this batch already gave the row another label, or someone labeled it since it was handed out.
                late = label is not None and (saved.get(row) is not None or version > batch.opened_after)
                kind = "skip" if label is None else "label"
                written["late" if late else ("labeled" if label is not None else "skipped")].append(row)
                if late and current != label:
                    written["disagreeing"].append(row)
                connection.execute(
                    "INSERT INTO events (project_id, row_index, label, kind, labeler, created_at, batch_id, round, late)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, row, label, kind, labeler, now, batch.id, batch.round_number, int(late)),
                )
            if batch.status == "open":
                connection.execute(
                    "UPDATE batches SET status = 'submitted', submitted_at = ?, submitted_by = ?, lease_until = NULL,"
                    " submit_order = (SELECT coalesce(max(submit_order), 0) + 1 FROM batches WHERE project_id = ?)"
                    " WHERE id = ?",
                    (now, labeler, key, batch.id),
                )
            if any(written.values()) or batch.status == "open":
                connection.execute("UPDATE projects SET updated_at = ? WHERE id = ?", (now, key))
        return Submitted(**{name: tuple(rows) for name, rows in written.items()})

    def undo_last_batch(self, project_id, labeler: str, anyone: bool = False) -> Batch | None:
        """Undo `labeler`'s most recently submitted batch (anyone's, with `anyone`): an 'undo'
        event per answered row; the answers stay in the history. Returns the
        undone batch (to show its rows again), or None if there is none."""
        with self._transaction(write=True) as connection:
            key, _, _ = self._require_project(connection, project_id)
            found = connection.execute(
                "SELECT id FROM batches WHERE project_id = ? AND status = 'submitted'"
                + ("" if anyone else " AND submitted_by = ?")
                + " ORDER BY submit_order DESC LIMIT 1",
                (key,) if anyone else (key, labeler),
            ).fetchone()
            if found is None:
                return None
            batch = self._batch(connection, key, found[0])
            now = now_iso()
            connection.execute(
                "INSERT INTO events (project_id, row_index, label, kind, labeler, created_at, batch_id, round)"
                " SELECT ?, row_index, NULL, 'undo', ?, ?, ?, ? FROM events"
                " WHERE batch_id = ? AND kind != 'undo' GROUP BY row_index ORDER BY min(id)",
                (key, labeler, now, batch.id, batch.round_number, batch.id),
            )
            connection.execute("UPDATE batches SET status = 'undone' WHERE id = ?", (batch.id,))
            connection.execute("UPDATE projects SET updated_at = ? WHERE id = ?", (now, key))
            return self._batch(connection, key, batch.id)

    def relabel(self, project_id, row: int, label: Hashable, labeler: str) -> None:
        """Change one row's label (from the history table); a new 'relabel' event,
        outside any batch, so undoing a batch never takes it back."""
        label = plain_label(label)
        with self._transaction(write=True) as connection:
            key, n_rows, classes = self._require_project(connection, project_id)
            check_rows([int(row)], n_rows)
            check_labels([label], classes)
            (round_number,) = connection.execute(
                "SELECT coalesce(max(round), 0) FROM batches WHERE project_id = ?", (key,)
            ).fetchone()
            now = now_iso()
            connection.execute(
                "INSERT INTO events (project_id, row_index, label, kind, labeler, created_at, batch_id, round)"
                " VALUES (?, ?, ?, 'relabel', ?, ?, NULL, ?)",
                (key, int(row), json.dumps(label), labeler, now, round_number),
            )
            connection.execute("UPDATE projects SET updated_at = ? WHERE id = ?", (now, key))

    def _batch(self, connection: sqlite3.Connection, project_key: int, batch_id) -> Batch:
        found = connection.execute(
            "SELECT id, project_id, rows, scores, strategy, reason, round, status, created_at, submitted_at,"
            " submitted_by, holder, lease_until, opened_after FROM batches WHERE id = ? AND project_id = ?",
            (int(batch_id), project_key),
        ).fetchone()
        if found is None:
            raise BatchNotFound(f"No batch {batch_id!r} in project {project_key}.")
        key, project, rows, scores, strategy, reason, round_number, status, created, submitted, by = found[:11]
        holder, lease_until, opened_after = found[11:]
        return Batch(
            id=key,
            project_id=project,
            rows=json.loads(rows),
            scores=None if scores is None else json.loads(scores),
            strategy=strategy,
            reason=reason,
            round_number=round_number,
            status=status,
            created=parse_time(created),
            submitted=None if submitted is None else parse_time(submitted),
            submitted_by=by,
            holder=holder,
            lease_until=None if lease_until is None else parse_time(lease_until),
            opened_after=opened_after,
        )

    # -- labels ------------------------------------------------------------
    def labels(self, project_id, labeler: str | None = None) -> pd.DataFrame:
        """Current labels: DataFrame[row, label, labeler, labeled_at, batch_id, round], one line
        per labeled row, by row. labeler: only that person's labels (for agreement checks)."""
        with self._transaction(write=False) as connection:
            key, _, _ = self._require_project(connection, project_id)
            found = connection.execute(CURRENT_LABELS, {"project": key, "labeler": labeler}).fetchall()
        return label_frame(found, ["row", "label", "labeler", "labeled_at", "batch_id", "round"])

    def events(self, project_id) -> pd.DataFrame:
        """Full history: DataFrame[event_id, row, label, kind, labeler, created_at, batch_id, round], oldest first.

        kind: label, skip, relabel, undo, or opinion (a late answer kept as a second opinion)."""
        with self._transaction(write=False) as connection:
            key, _, _ = self._require_project(connection, project_id)
            found = connection.execute(
                "SELECT id, row_index, label, CASE WHEN late = 1 THEN 'opinion' ELSE kind END, labeler, created_at,"
                " batch_id, round FROM events"
                " WHERE project_id = ? ORDER BY id",
                (key,),
            ).fetchall()
        return label_frame(found, ["event_id", "row", "label", "kind", "labeler", "created_at", "batch_id", "round"])

    def rows_labeled(self, project_id) -> np.ndarray:
        """(n_labeled,) int64 row positions that have a current label, ascending."""
        return self.labels(project_id)["row"].to_numpy(dtype=np.int64)
