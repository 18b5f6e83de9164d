"""Real faults for the store's tests: a small filesystem that fills up, a folder that turns read-only.

Both mount a size-limited tmpfs (root only: CI runs as root, as does this project's machine); nothing
is mocked, so SQLite meets the same ENOSPC and EROFS a full disk or a read-only mount gives it.
Elsewhere the tests that need them are skipped, except in CI, where that is a failure.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_disk(path: Path, size_kib: int = 1024):
    """A tmpfs of `size_kib` KiB mounted at `path` (made if missing), unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    why = "mounting a small filesystem needs root" if os.geteuid() != 0 else ""
    if not why:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(path)],
            capture_output=True,
            text=True,
        )
        why = mounted.stderr.strip() if mounted.returncode else ""
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a real small filesystem for the fault tests: {why}")
        pytest.skip(why)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> Path:
    """Write a ballast file into `folder` until its filesystem is full; returns it (delete it to free space)."""
    ballast = folder / "ballast"
    chunk = b"\0" * 4096
    try:
        with open(ballast, "wb") as handle:
            while True:
                handle.write(chunk)
                handle.flush()
    except OSError as error:
        assert error.errno == errno.ENOSPC, error
    return ballast


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
