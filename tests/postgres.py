"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, a free port on 127.0.0.1.

Debian's `postgresql` package puts its programs under /usr/lib/postgresql/<version>/bin, off PATH.
initdb and postgres refuse to run as root (CI and this project's machine run as root), so there the
cluster belongs to the `postgres` user the package creates, or to `nobody`, and runs as that user.
Nothing is mocked: the store meets a real server, which a test may stop and start again.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

SETTINGS = {
    "listen_addresses": "127.0.0.1",
    # A throwaway cluster: durability through a power cut is not under test, speed is. A crash of the server
    # (stop -m immediate) is: the operating system keeps what was written, so synchronous_commit stays on,
    # or the last commits acknowledged would be lost with the server's memory.
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "400",
    "shared_buffers": "32MB",
}


def postgres_bin() -> Path | None:
    """The folder of initdb, pg_ctl and postgres: the newest /usr/lib/postgresql/*/bin, else PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path else None


def _run_as() -> str | None:
    """The unprivileged user that runs the cluster when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root, and there is no postgres or nobody user to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary folder, its own superuser `alcore` (trust on 127.0.0.1)."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="alcore-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.user = _run_as()
        self._schemas = 0
        if self.user is not None:
            os.chmod(self.folder, 0o755)
            shutil.chown(self.folder, self.user)

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if done.returncode:
            log = self.folder / "server.log"
            tail = log.read_text()[-3000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr}{done.stdout}\n{tail}")

    def start(self) -> ThrowawayCluster:
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-U", "alcore", "--auth=trust", "-E", "UTF8", "--no-locale", "-N")
        options = " ".join(f"-c {name}={value}" for name, value in SETTINGS.items())
        options += f" -p {self.port} -k {self.folder}"
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "120",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" (sessions ended, a clean shutdown) or "immediate" (as if it crashed)."""
        self._run("pg_ctl", "stop", "-w", "-t", "120", "-m", mode, "-D", str(self.data))

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():  # a test may have left it stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://alcore@127.0.0.1:{self.port}/postgres"

    def new_schema_url(self) -> str:
        """The URL of a schema of its own (empty, for one test's store)."""
        self._schemas += 1
        return schema_url(self.url, f"t{os.getpid()}_{self._schemas}")


def schema_url(url: str, name: str) -> str:
    """Make the schema `name` in the database at `url`; the URL of it alone, through libpq's `options`."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {name}")
    return f"{url}?options={quote(f'-csearch_path={name}')}"
