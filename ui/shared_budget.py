"""Memory that all sessions of this server together may hold of one kind of thing.

Each browser tab is a session with its own state, and a visitor can open tabs by the dozen: a limit per
session does not bound the server. A SharedBudget counts what every session keeps, each object until it is
garbage (its session closed, or let it go), so the server's memory stays within what the operator allows.
"""

from __future__ import annotations

import threading
import weakref


class SharedBudget:
    """At most `megabytes` held at once by all sessions (None: no limit)."""

    def __init__(self, megabytes: float | None):
        self.megabytes = megabytes
        self.held_bytes = 0
        self._lock = threading.Lock()

    def hold(self, owner: object, size: int) -> bool:
        """Count `size` bytes until `owner` is garbage, if they fit; False (nothing counted) when they do not."""
        with self._lock:
            if self.megabytes is not None and self.held_bytes + size > self.megabytes * 2**20:
                return False
            self.held_bytes += size
        weakref.finalize(owner, self._release, size)
        return True

    def _release(self, size: int) -> None:
        with self._lock:
            self.held_bytes -= size
