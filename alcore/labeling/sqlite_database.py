"""The store's embedded backend: one SQLite file, no server to set up (the default).

Every call opens its own connection and closes it, so the object holds only a path (and one idle
connection, below) and may be shared by threads. Writes run in `BEGIN IMMEDIATE` transactions: the
write lock is taken before anything is read, so a check-then-write cannot race, and a second writer
waits up to `BUSY_TIMEOUT_MS` instead of failing. SQLite hands event ids out under that one lock, so
the order of commits decides which label is newest.

Faults: a full disk, a read-only folder, a database locked too long or an I/O error raise
`StoreWriteError` with what to do, and the failed call wrote nothing (its transaction is rolled back).
A store in a folder that cannot be written opens read-only (`read_only`): reads and exports still work,
and each later write tries again, so the store writes once the fault is fixed, without a restart.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from alcore.labeling.records import SCHEMA_VERSION, StoreError, StoreWriteError, upgrade_schema

DB_FILENAME = "alcore.sqlite3"
BUSY_TIMEOUT_MS = 30_000
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


class StoreConnection(sqlite3.Connection):
    """A SQLite connection as the store uses it. row_lock is empty: `BEGIN IMMEDIATE` already holds the
    one write lock of the whole file, so no row needs locking on its own."""

    row_lock = ""


def sqlite_path(location: Path) -> Path:
    """The file of a store at `location`: a .sqlite3/.sqlite/.db file itself, else `<folder>/alcore.sqlite3`."""
    if location.suffix in {".sqlite3", ".sqlite", ".db"} or location.is_file():
        return location
    return location / DB_FILENAME


class SqliteDatabase:
    """One SQLite file holding the store's tables. path: the file (created with its folder on first use)."""

    def __init__(self, path: Path):
        self.path = path
        self.busy_timeout_ms = BUSY_TIMEOUT_MS
        self.read_only, self.write_fault = False, _WRITE_FAULTS["SQLITE_READONLY"]
        self._keeper: sqlite3.Connection | None = None

    @property
    def location(self) -> Path:
        """What opens this store again (`ProjectStore(location)`)."""
        return self.path

    def open(self, target_version: int = SCHEMA_VERSION) -> None:
        """Make or upgrade the schema to `target_version` (an older one only in tests of the upgrade)."""
        self._open_for_writing(target_version)

    def _open_for_writing(self, target_version: int = SCHEMA_VERSION) -> bool:
        """Make or upgrade the schema; True when the store can be written.

        When it cannot (a read-only folder, a full disk, an I/O error) but the file is there, the store
        is read: `read_only` is set and `write_fault` says why; each later write tries again.
        """
        self.read_only = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._create_schema(target_version)
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
            self._check_version(target_version)
            return False

    def _keep_open(self) -> None:
        """One idle connection for the life of this object. While one is open, SQLite keeps the -wal and
        -shm files, so the connection of each call never has to create them, which a full disk refuses
        (and reads would then fail too); it also spares a checkpoint at the end of every call."""
        if self._keeper is None:
            self._keeper = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._keeper.execute("SELECT count(*) FROM meta").fetchone()  # maps the -shm file

    def __repr__(self) -> str:
        return str(self.path)

    def reachable(self) -> bool:
        """A file on this machine is always there to try (its faults are said by each call)."""
        return True

    def close(self) -> None:
        """Let go of the file (the idle connection): before the folder is unmounted, moved or made read-only."""
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None

    def _connect(self) -> StoreConnection:
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
            connection = sqlite3.connect(
                target, timeout=self.busy_timeout_ms / 1000, isolation_level=None, uri=uri, factory=StoreConnection
            )
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
    def transaction(self, write: bool) -> Iterator[StoreConnection]:
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

    def _create_schema(self, target_version: int) -> None:
        """Create the first schema in a new file, then bring any store up to `target_version`, step by step."""
        connection = self._connect()
        try:
            # WAL: readers never block the writer, and a commit is one append.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("BEGIN IMMEDIATE")
            tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" not in tables and tables - {"sqlite_sequence"}:
                raise StoreError(f"{self.path} is a SQLite database, but not an alcore store. Choose another file.")
            upgrade_schema(connection, "meta" not in tables, target_version, lambda statement: statement)
            connection.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            self._explain(error)
        finally:
            connection.close()
        self._check_version(target_version)

    def _check_version(self, target_version: int = SCHEMA_VERSION) -> None:
        with self.transaction(write=False) as connection:
            (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if int(version) > target_version:
            raise StoreError(
                f"{self.path} was written by a newer alcore (schema {version}); upgrade alcore to open it."
            )
        if int(version) < target_version:
            raise StoreError(
                f"{self.path} was written by an older alcore (schema {version}) and its folder cannot be written, "
                "so it cannot be upgraded; make the folder writable once, or use the older alcore to read it."
            )
