"""Durable labeling projects: an append-only log of labels, in SQLite or PostgreSQL.

A person's labels are the one thing alcore cannot recompute, so they are
written before anything else happens and never overwritten: every answer,
skip, undo and correction is a new row of `events`. The current label of a
row is a replay of that log: the newest 'label' or 'relabel' event whose batch
was not undone. "Newest" means the highest event id; ids are handed out under
the write lock of the project (SQLite's one lock on the file; PostgreSQL's
lock on the project's row), so the order of commits decides, never the
clocks of two processes or servers.

Where: an embedded SQLite file by default (`alcore.labeling.sqlite_database`;
no server to set up), or a PostgreSQL database when the location is a
`postgresql://` URL, or `ALCORE_DATABASE_URL` holds one
(`alcore.labeling.postgres_database`), which several app servers share. One
interface, the same SQL and the same behaviour on both; each backend opens,
locks and explains its own faults.

Tables (schema version `SCHEMA_VERSION`; the SQL is in `alcore.labeling.records`,
upgraded step by step on start, on both databases):
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
after the project's write lock is taken, so two processes or two app servers
cannot hand out the same row. Each person resumes their own open batch. A
submit answers the rows as they were when the batch was handed out: a row
someone else labeled since gets the answer as a late second opinion, and the
result says so (`Submitted.late`).

Faults: a full disk, a read-only folder, a locked database, an I/O error or a
database server that cannot be reached raise `StoreWriteError` with what to
do, and the failed call wrote nothing (its transaction is rolled back), so
what a call acknowledges is what is stored.

Concurrency: a store object holds no project, label or connection of its own
(a SQLite store keeps one idle connection; PostgreSQL connections are pooled
per process), so it may be shared by threads (Streamlit sessions) and kept in
`st.cache_resource`.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Hashable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from alcore.labeling.members import MembersMixin, clean_person
from alcore.labeling.records import (
    CURRENT_LABELS,
    NO_SUCH_PROJECT,
    Batch,
    BatchClosed,
    BatchNotFound,
    Connection,
    Project,
    ProjectNotFound,
    ProjectSummary,
    RowsTaken,
    StoreError,
    StoreUnavailable,
    StoreWriteError,
    Submitted,
    TooManyProjects,
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
from alcore.labeling.sqlite_database import SqliteDatabase, sqlite_path

__all__ = [  # the store and what its callers catch and read (the errors and records live in `records`)
    "LEASE_SECONDS",
    "Batch",
    "BatchClosed",
    "ProjectNotFound",
    "ProjectStore",
    "RowsTaken",
    "StoreError",
    "StoreUnavailable",
    "StoreWriteError",
    "Submitted",
    "TooManyProjects",
    "default_data_dir",
    "default_location",
]
DATA_DIR_ENV = "ALCORE_DATA_DIR"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
DATABASE_URL_ENV = "ALCORE_DATABASE_URL"
LEASE_SECONDS = 900
"""How long a handed-out batch stays reserved for its labeler without a sign of life (a project
may set `lease_seconds`); the page renews it on every rerun and once a minute while the tab is open."""


def default_data_dir() -> Path:
    """Folder of the store: $ALCORE_DATA_DIR, else ./alcore-data/ (made absolute now)."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(configured).expanduser() if configured else Path.cwd() / "alcore-data"


def default_location() -> Path | str:
    """Where the store lives when nobody says: $ALCORE_DATABASE_URL (a PostgreSQL server), else the SQLite
    file in `default_data_dir()`."""
    return os.environ.get(DATABASE_URL_ENV, "").strip() or default_data_dir()


def open_database(location: str | os.PathLike):
    """The backend for `location`: a `postgresql://` URL, else a SQLite file or its folder. psycopg is
    imported only for a URL, so the embedded default needs nothing beyond the standard library."""
    if isinstance(location, str) and location.startswith(POSTGRES_SCHEMES):
        from alcore.labeling.postgres_database import PostgresDatabase

        return PostgresDatabase(location)
    return SqliteDatabase(sqlite_path(Path(location)))


def _with_spares(
    rows: list[int], scores: list[float] | None, taken: set[int], spares: Mapping[int, float]
) -> tuple[list[int], list[float] | None]:
    """`rows` (and their scores) with each taken row replaced by the next free spare; RowsTaken when the
    spares run out, naming every taken row among the batch and its spares, so the next try leaves them all
    out (with many labelers on a model that has not seen their labels yet, the spares are taken too)."""
    clashes = [position for position, row in enumerate(rows) if row in taken]
    if not clashes:
        return rows, scores
    in_batch = set(rows)
    free = (int(row) for row in spares if int(row) not in taken and int(row) not in in_batch)
    rows, scores = list(rows), None if scores is None else list(scores)
    for position in clashes:
        spare = next(free, None)
        if spare is None:
            raise RowsTaken(taken & (in_batch | {int(row) for row in spares}))
        rows[position] = spare
        if scores is not None:
            scores[position] = float(spares[spare])
    return rows, scores


class ProjectStore(MembersMixin):
    """Labeling projects in one database.

    location: a `postgresql://` URL, a folder (the SQLite file is `<folder>/alcore.sqlite3`) or the path
        of a .sqlite3/.sqlite/.db file; default `default_location()`. Created (or upgraded) on first use.
    """

    def __init__(self, location: str | os.PathLike | None = None):
        self.database = open_database(default_location() if location is None else location)
        self.database.open()

    @property
    def location(self) -> Path | str:
        """What opens this store again: the SQLite file's path, or the PostgreSQL URL."""
        return self.database.location

    @property
    def read_only(self) -> bool:
        """True while the store can be read but not written (a SQLite file in a read-only folder)."""
        return self.database.read_only

    def __repr__(self) -> str:
        return f"ProjectStore({str(self.database)!r})"

    def reachable(self) -> bool:
        """Whether the database server answers now (always True for SQLite): a cheap check before sending
        again what it could not take."""
        return self.database.reachable()

    def close(self) -> None:
        """Let go of the database: before a SQLite folder is unmounted, moved or made read-only, or to close
        this process's PostgreSQL connections."""
        self.database.close()

    def _transaction(self, write: bool):
        return self.database.transaction(write)

    def _require_project(self, connection: Connection, project_id) -> tuple:
        """(id, n_rows, classes) of the project, or ProjectNotFound. In a write, its row is locked until the
        commit (PostgreSQL), so writes to one project take turns and a check-then-write cannot race."""
        key = project_key(project_id)
        found = connection.execute(
            "SELECT id, n_rows, classes FROM projects WHERE id = ?" + connection.row_lock, (key,)
        ).fetchone()
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
        owner: str | None = None,
        most_owned: int | None = None,
    ) -> Project:
        """Store a new project. The frame's index is replaced by row positions 0..n-1
        (row identity); keep a meaningful id in a column.

        owner: the signed-in person who creates it, made its owner in the same transaction (so no project
        is ever left without one). most_owned: refuse (TooManyProjects) when the owner already owns this
        many projects, archived ones included (each keeps its whole table); with no owner, the projects
        nobody owns are counted (a server open to a network without sign-in). None: no limit.
        """
        name = clean_name(name)
        if label_column not in frame.columns:
            raise ValueError(f"label column {label_column!r} is not a column of the table; add it first")
        classes = unique_classes(classes)
        if owner is not None:
            owner = clean_person(owner)
        blob = frame_to_parquet(frame)
        now = now_iso()
        with self._transaction(write=True) as connection:
            if most_owned is not None:
                self._check_room_for_project(connection, owner, most_owned)
            (project_id,) = connection.execute(
                "INSERT INTO projects (name, label_column, classes, settings, n_rows, frame, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (name, label_column, json.dumps(classes), settings_json(settings or {}), len(frame), blob, now, now),
            ).fetchone()
            if owner is not None:
                connection.execute(
                    "INSERT INTO members (project_id, person, role, added_at) VALUES (?, ?, 'owner', ?)",
                    (project_id, owner, now),
                )
        return self.load_project(project_id)

    @staticmethod
    def _check_room_for_project(connection: Connection, owner: str | None, most_owned: int) -> None:
        """Raise TooManyProjects when `owner` (None: nobody) already owns `most_owned` projects. On PostgreSQL
        the owner's rows are locked until the commit, so two of their creates at once take turns."""
        if owner is None:
            owned = connection.execute(
                "SELECT id FROM projects WHERE NOT EXISTS"
                " (SELECT 1 FROM members WHERE project_id = projects.id AND role = 'owner')" + connection.row_lock
            ).fetchall()
        else:
            owned = connection.execute(
                "SELECT project_id FROM members WHERE person = ? AND role = 'owner'" + connection.row_lock, (owner,)
            ).fetchall()
        if len(owned) < most_owned:
            return
        whose = "you own" if owner is not None else "that no signed-in person owns"
        raise TooManyProjects(
            f"Projects {whose}: {len(owned):,}, the most this server allows. Delete a project you no longer "
            "need (export its labels first), or ask the server's operator to raise the limit."
        )

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
                        f"SELECT count(*) FROM ({CURRENT_LABELS}) AS current_labels", {"project": key, "labeler": None}
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
        spares: Mapping[int, float] | None = None,
    ) -> Batch:
        """Record the batch about to be shown, so a refresh shows the same one.

        rows: (batch_size,) row positions, most wanted first; scores: one per
        row (the strategy's score), or None; reason: why, in words.
        holder: the person it is for. Their other open batches are released, and it is
        refused with `RowsTaken` if a row is held by someone else's batch or has a label,
        bar `second_opinions` (rows asked again on purpose). None: a batch nobody holds
        (imported labels, scripts), with no such checks.
        spares: {row: score}, most wanted first: rows to put in place of rows someone took while this
        batch was being picked (the first free ones), so labelers asking at once, whose models rank the
        rows alike, each get free rows instead of clashing again; RowsTaken only when they run out.
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
                rows, scores = _with_spares(rows, scores, taken, spares or {})
                connection.execute(
                    "UPDATE batches SET lease_until = NULL WHERE project_id = ? AND holder = ? AND status = 'open'",
                    (key, holder),
                )
                lease_until = (now + timedelta(seconds=lease_seconds)).isoformat(timespec="microseconds")
            (newest_event,) = connection.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
            (batch_id,) = connection.execute(
                "INSERT INTO batches (project_id, rows, scores, strategy, reason, round, status, created_at,"
                " holder, lease_until, opened_after) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?) RETURNING id",
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
            ).fetchone()
            return self._batch(connection, key, batch_id)

    def _open_batches(self, connection: Connection, key: int) -> list[Batch]:
        ids = connection.execute("SELECT id FROM batches WHERE project_id = ? AND status = 'open'", (key,)).fetchall()
        return [self._batch(connection, key, batch_id) for (batch_id,) in ids]

    def _held_rows(self, connection: Connection, key: int, holder: str | None, now: datetime) -> set[int]:
        held = [batch.rows for batch in self._open_batches(connection, key) if batch.held_by_other(holder, now)]
        return {row for rows in held for row in rows}

    def _labeled_rows(self, connection: Connection, key: int) -> set[int]:
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

    def _batch(self, connection: Connection, project_key: int, batch_id) -> Batch:
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
