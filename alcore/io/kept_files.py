"""Files kept on the server for a while, named by their content: uploads (so a link or a refresh finds the
table again) and the results computed from them (so a link shows them without running again).

A name is a SHA-256 in hex with an optional file type ("3fa9….csv"); anything else is refused, so a name
taken from a link can never reach outside the folder. A file not used for `keep_hours` is deleted.
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
    """A folder of files named by content hash, each kept `keep_hours` after it was last written or read."""

    def __init__(self, folder: str | Path, keep_hours: float = 24.0):
        self.folder = Path(folder)
        self.keep_seconds = float(keep_hours) * 3600

    def put(self, name: str, content: bytes) -> str:
        """Keep `content` under `name` (written whole, then renamed: a reader never sees half a file)."""
        path = self._path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.prune()
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

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError(f"'{name}' is not the name of a kept file (a SHA-256 in hex and a file type).")
        return self.folder / name
