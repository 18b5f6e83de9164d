"""Files kept on the server for a while, named by their content: uploads (so a link or a refresh finds the
table again) and the results computed from them (so a link shows them without running again).

A name is a SHA-256 in hex with an optional file type ("3fa9….csv"); anything else is refused, so a name
taken from a link can never reach outside the folder. A file not used for `keep_hours` is deleted, and the
folder holds at most `max_megabytes`: past it, the files used longest ago make room (a link to one of them
asks for the file again), so visitors uploading file after file cannot fill the server's disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

__all__ = ["KeptFiles", "content_name"]

_NAME = re.compile(r"^[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")


def content_name(content: bytes, suffix: str = "") -> str:
    """ "<sha256 of content><suffix>": the name a kept file goes by (suffix like ".csv", lower case)."""
    return hashlib.sha256(content).hexdigest() + suffix.lower()


class KeptFiles:
    """A folder of files named by content hash, each kept `keep_hours` after it was last written or read, all
    together at most `max_megabytes` (None: no limit)."""

    def __init__(self, folder: str | Path, keep_hours: float = 24.0, max_megabytes: float | None = None):
        self.folder = Path(folder)
        self.keep_seconds = float(keep_hours) * 3600
        self.max_bytes = None if max_megabytes is None else float(max_megabytes) * 2**20

    def put(self, name: str, content: bytes) -> str:
        """Keep `content` under `name` (written whole, then renamed: a reader never sees half a file). Past
        `max_megabytes`, the files used longest ago are deleted first; a file larger than the whole limit is
        not kept."""
        path = self._path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.prune()
        if self.max_bytes is not None and not self._make_room(len(content), path):
            return name
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_bytes(content)
        partial.replace(path)
        return name

    def get(self, name: str) -> bytes | None:
        """The kept bytes, or None when `name` is not a kept file's name, was never kept or has expired."""
        if not _NAME.match(name or ""):
            return None
        path = self.folder / name
        try:
            if time.time() - path.stat().st_mtime > self.keep_seconds:
                path.unlink(missing_ok=True)
                return None
            content = path.read_bytes()
            os.utime(path)  # used: kept for another while
        except OSError:
            return None
        return content

    def prune(self) -> None:
        """Delete every kept file not used for `keep_hours` (and leftovers of interrupted writes)."""
        if not self.folder.is_dir():
            return
        deadline = time.time() - self.keep_seconds
        for path in self.folder.iterdir():
            try:
                if path.stat().st_mtime < deadline:
                    path.unlink(missing_ok=True)
            except OSError:
                continue

    def _make_room(self, n_bytes: int, path: Path) -> bool:
        """Delete the files used longest ago until `n_bytes` more fit under the limit (`path` itself, if kept
        already, is about to be replaced); False when they never would."""
        if n_bytes > self.max_bytes:
            return False
        files = []
        for kept in self.folder.iterdir():
            try:
                if kept != path:
                    files.append((kept.stat().st_mtime, kept.stat().st_size, kept))
            except OSError:
                continue
        total = sum(size for _, size, _ in files)
        for _, size, kept in sorted(files, key=lambda file: file[0]):
            if total + n_bytes <= self.max_bytes:
                break
            kept.unlink(missing_ok=True)
            total -= size
        return True

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError(f"'{name}' is not the name of a kept file (a SHA-256 in hex and a file type).")
        return self.folder / name
