"""What the labeling store holds, and how values go in and out of its database.

`alcore.labeling.store` does the work (the operations), on SQLite (`sqlite_database`) or
PostgreSQL (`postgres_database`); this module names its records (`Project`, `ProjectSummary`,
`Batch`), its errors, the schema and its migrations (one text for both databases), and the
conversions of labels, settings and tables to and from the values the database keeps, so each
part reads on its own.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import pandas as pd

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    label_column TEXT NOT NULL,
    classes TEXT NOT NULL,
    settings TEXT NOT NULL,
    n_rows INTEGER NOT NULL,
    frame BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    rows TEXT NOT NULL,
    scores TEXT,
    strategy TEXT NOT NULL,
    reason TEXT NOT NULL,
    round INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'undone')),
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    submitted_by TEXT,
    submit_order INTEGER
);
CREATE INDEX batches_by_project ON batches(project_id, status);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    row_index INTEGER NOT NULL,
    label TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('label', 'skip', 'relabel', 'undo')),
    labeler TEXT NOT NULL,
    created_at TEXT NOT NULL,
    batch_id INTEGER REFERENCES batches(id) ON DELETE CASCADE,
    round INTEGER NOT NULL
);
CREATE INDEX events_by_row ON events(project_id, row_index, id);
CREATE INDEX events_by_batch ON events(batch_id, kind)
"""
"""The first schema (version 1). Later versions are the MIGRATIONS below, applied in order to a new
store and to an old one alike, so the upgrade path is the path every store takes."""

MIGRATIONS: dict[int, tuple[str, ...]] = {
    # 2: several labelers at once. A batch is held by one person (`holder`) until `lease_until`
    # (UTC ISO; NULL = not held), and remembers the newest event id when it was handed out
    # (`opened_after`), the version of its rows: an answer to a row someone else labeled after that
    # is kept with `late` = 1, a second opinion that never replaces the label. Only columns added.
    2: (
        "ALTER TABLE batches ADD COLUMN holder TEXT",
        "ALTER TABLE batches ADD COLUMN lease_until TEXT",
        "ALTER TABLE batches ADD COLUMN opened_after INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE events ADD COLUMN late INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX batches_by_holder ON batches(project_id, holder, status)",
    ),
    # 3: sign-in. Each project's members with their role (alcore.labeling.members), and when it was
    # archived (NULL = active). Only a table and a column added.
    3: (
        "CREATE TABLE members (project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
        " person TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('owner', 'labeler', 'viewer')),"
        " added_at TEXT NOT NULL, PRIMARY KEY (project_id, person))",
        "CREATE INDEX members_by_person ON members(person)",
        "ALTER TABLE projects ADD COLUMN archived_at TEXT",
    ),
}
SCHEMA_VERSION = max(MIGRATIONS)


class Connection(Protocol):
    """What a backend's transaction yields: `execute` takes the store's SQL as written here (`?` and
    `:name` placeholders) and returns a cursor. row_lock is appended to the SELECT of the project a write
    works on: " FOR UPDATE" where writers lock rows (PostgreSQL), "" where a transaction holds the
    whole database (SQLite)."""

    row_lock: str

    def execute(self, sql: str, parameters: Sequence | Mapping = ...) -> Any: ...


def upgrade_schema(connection: Connection, empty: bool, target_version: int, ddl: Callable[[str], str]) -> None:
    """Create the first schema in an `empty` database, then apply MIGRATIONS up to `target_version`, in
    one transaction the caller holds (so a half-upgraded store is never seen, and two servers starting
    together upgrade once). ddl: a statement as this database spells its types."""
    if empty:
        for statement in SCHEMA.split(";"):
            connection.execute(ddl(statement))
        connection.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    for step in range(int(version) + 1, target_version + 1):
        for statement in MIGRATIONS[step]:
            connection.execute(ddl(statement))
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(step),))


# The one definition of "current labels": per row, the newest label/relabel
# event whose batch has no undo event, late answers (second opinions) left out.
# :labeler NULL means any labeler. The last column is the event's id (the row's version).
CURRENT_LABELS = """
WITH undone AS (
    SELECT DISTINCT batch_id FROM events
    WHERE project_id = :project AND kind = 'undo' AND batch_id IS NOT NULL
), live AS (
    SELECT row_index, label, labeler, created_at, batch_id, round, id,
           ROW_NUMBER() OVER (PARTITION BY row_index ORDER BY id DESC) AS newest
    FROM events
    WHERE project_id = :project AND kind IN ('label', 'relabel') AND late = 0
      AND (batch_id IS NULL OR batch_id NOT IN (SELECT batch_id FROM undone))
      AND (CAST(:labeler AS TEXT) IS NULL OR labeler = :labeler)
)
SELECT row_index, label, labeler, created_at, batch_id, round, id
FROM live WHERE newest = 1 ORDER BY row_index
"""


class StoreError(Exception):
    """The store cannot be used as asked; the message says what to do."""


class ProjectNotFound(StoreError, KeyError):
    """No project with this id (never created, or deleted)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class BatchNotFound(StoreError, KeyError):
    """No batch with this id in this project."""

    def __str__(self) -> str:
        return str(self.args[0])


class BatchClosed(StoreError):
    """The batch was undone; answers to it are no longer accepted."""


class RowsTaken(StoreError):
    """Rows of a batch about to be handed out are held by someone else's batch, or labeled meanwhile."""

    def __init__(self, rows: Sequence[int]):
        self.rows = sorted(int(row) for row in rows)
        super().__init__(f"rows {self.rows} are held by another labeler or already labeled; ask for other rows")


class TooManyProjects(StoreError):
    """The person already owns as many projects as the server allows; the message says what to do."""


class StoreWriteError(StoreError):
    """The store could not be written (full disk, read-only folder, locked database, I/O error).

    reason: what went wrong, in words; what_to_do: the fix. Nothing was written by the failed call.
    """

    def __init__(self, reason: str, what_to_do: str):
        self.reason, self.what_to_do = reason, what_to_do
        super().__init__(f"The store could not be written: {reason}. Nothing already saved was lost; {what_to_do}.")


class StoreUnavailable(StoreWriteError):
    """The database server cannot be reached (stopped, restarting, off the network). Nothing was written by
    the failed call, so the same call can be sent again as it is once the server is back."""


@dataclass(frozen=True)
class Submitted:
    """What one submit wrote. labeled: rows given a label; skipped: rows answered "not sure";
    late: rows someone else labeled after the batch was handed out, whose answers were kept as
    second opinions instead (never over the other label); disagreeing: the late rows whose answer
    differs from the label that stands."""

    labeled: tuple[int, ...] = ()
    skipped: tuple[int, ...] = ()
    late: tuple[int, ...] = ()
    disagreeing: tuple[int, ...] = ()


@dataclass(eq=False)
class Project:
    """A labeling project as stored. frame: (n_rows, n_columns), RangeIndex = row ids."""

    id: int
    name: str
    frame: pd.DataFrame
    label_column: str
    classes: list
    settings: dict
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class ProjectSummary:
    """One line of the project list; cheap (the table itself is not read)."""

    id: int
    name: str
    created: datetime
    updated: datetime
    n_rows: int
    n_labeled: int
    archived: bool = False


@dataclass(frozen=True)
class Batch:
    """Rows shown to a labeler together. scores: one per row (why it was picked), or None."""

    id: int
    project_id: int
    rows: list[int]
    scores: list[float] | None
    strategy: str
    reason: str
    round_number: int
    status: str
    created: datetime
    submitted: datetime | None
    submitted_by: str | None
    holder: str | None = None
    lease_until: datetime | None = None
    opened_after: int = 0

    @property
    def given_back(self) -> bool:
        """An open batch whose holder was handed another in its place (undo asks the undone rows again in a new
        batch; a new batch releases the holder's others): nobody will answer it, so it is no batch of the loop."""
        return self.status == "open" and self.holder is not None and self.lease_until is None

    def held_by_other(self, holder: str | None, now: datetime) -> bool:
        """True while this open batch's lease, given to someone other than `holder`, runs."""
        return (
            self.status == "open" and self.holder != holder and self.lease_until is not None and self.lease_until > now
        )


# -- values in and out ---------------------------------------------------------
def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


NO_SUCH_PROJECT = "No such project: it may have been deleted, or the link is mistyped."
MAX_PROJECT_ID = 2**53  # ids are SQLite rowids; anything larger is no project (and would overflow SQLite's int64)
MAX_NAME_CHARS = 120
MAX_CLASS_CHARS = 200


def project_key(project_id) -> int:
    """Ids come as ints, or as text from a URL (?project=3): a small positive whole number, or no project.

    The message names no path and no Python error: a URL is typed by anyone.
    """
    if isinstance(project_id, (int, np.integer)) and not isinstance(project_id, bool):
        key = int(project_id)
    elif isinstance(project_id, str) and re.fullmatch(r"[0-9]{1,16}", project_id.strip()):
        key = int(project_id.strip())  # ASCII digits only: "²".isdigit() is True, int("²") fails
    else:
        raise ProjectNotFound(NO_SUCH_PROJECT)
    if not 0 < key <= MAX_PROJECT_ID:
        raise ProjectNotFound(NO_SUCH_PROJECT)
    return key


def check_length(text: str, limit: int, what: str) -> str:
    """`text` if it has at most `limit` characters, else a ValueError saying so (the engine, not the browser,
    enforces it: a script or a crafted request skips the browser's max_chars)."""
    if len(text) > limit:
        raise ValueError(f"{what} has {len(text):,} characters; the limit is {limit}. Shorten it and try again.")
    return text


def clean_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a project needs a name")
    return check_length(name.strip(), MAX_NAME_CHARS, "The project name")


def plain_label(value: Hashable):
    """A class or label as a plain JSON scalar (NumPy scalars unwrapped)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("a missing value cannot be a class or a label (use None in submit_batch to skip a row)")
    if not isinstance(value, (str, int, float, bool)):
        raise TypeError(f"classes must be text or numbers, not {type(value).__name__}")
    if isinstance(value, str):
        check_length(value, MAX_CLASS_CHARS, "A class name")
    return value


def unique_classes(classes: Sequence[Hashable]) -> list:
    unique: list = []
    for value in map(plain_label, classes):
        if value not in unique:
            unique.append(value)
    return unique


def check_labels(labels, classes: list) -> None:
    unknown = [label for label in labels if label is not None and label not in classes]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a class of this project ({classes}); add it with add_class first")


def check_rows(rows: list[int], n_rows: int) -> None:
    outside = [row for row in rows if not 0 <= row < n_rows]
    if outside:
        raise IndexError(f"rows {outside} are outside the table (rows 0..{n_rows - 1})")


def settings_json(settings: Mapping) -> str:
    def plain(value):
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
        raise TypeError(f"setting values must be text, numbers, lists or dicts, not {type(value).__name__}")

    if not isinstance(settings, Mapping):
        raise TypeError("settings must be a dict")
    return json.dumps(dict(settings), default=plain)


def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    """The table as Parquet bytes: dtypes, NaN, categories and text survive the trip."""
    not_text = [column for column in frame.columns if not isinstance(column, str)]
    if not_text:
        raise ValueError(f"column names must be text; rename {not_text[:3]} (e.g. frame.columns.astype(str))")
    if frame.columns.duplicated().any():
        raise ValueError("two columns have the same name; rename one")
    buffer = io.BytesIO()
    try:
        frame.reset_index(drop=True).to_parquet(buffer, index=False)
    except (TypeError, ValueError) as error:  # pyarrow's ArrowTypeError / ArrowInvalid
        raise ValueError(
            f"the table cannot be stored: {error}. A column mixing text and numbers can be made text with "
            "frame[column].astype(str)."
        ) from error
    return buffer.getvalue()


def label_frame(found: list[tuple], columns: list[str]) -> pd.DataFrame:
    """Rows of the events table as a DataFrame: labels decoded, times as UTC timestamps."""
    by_name = dict(zip(columns, zip(*found))) if found else {name: () for name in columns}
    time_column = "labeled_at" if "labeled_at" in columns else "created_at"
    converters = {
        "event_id": lambda values: pd.Series(values, dtype=np.int64),
        "row": lambda values: pd.Series(values, dtype=np.int64),
        "label": lambda values: pd.Series(
            [None if text is None else json.loads(text) for text in values], dtype=object
        ),
        "kind": lambda values: pd.Series(values, dtype=object),
        "labeler": lambda values: pd.Series(values, dtype=object),
        time_column: lambda values: pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601").astype(
            "datetime64[us, UTC]"
        ),
        "batch_id": lambda values: pd.Series(values, dtype="Int64"),
        "round": lambda values: pd.Series(values, dtype=np.int64),
    }
    return pd.DataFrame({name: converters[name](by_name[name]) for name in columns})
