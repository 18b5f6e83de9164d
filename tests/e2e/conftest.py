"""Browser-test harness: a real `streamlit run app.py` and a headless Debian Chromium.

The pytest-playwright plugin is not used (its browser download does not work here);
these fixtures drive Playwright's sync API against /usr/bin/chromium directly.
A missing browser skips the tests on a laptop but fails them in CI (env var CI set).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "screenshots"
CHROMIUM = os.environ.get("ALCORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 60
SERVERS: dict[str, subprocess.Popen] = {}
"""The server process behind each running app's URL, for a test that kills one."""
LOGS: dict[str, Path] = {}
"""The file each running app's server writes its stdout and stderr to, for a test that reads its log."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit was not healthy after {STARTUP_TIMEOUT_S} s:\n{log_path.read_text()}")


@contextlib.contextmanager
def running_app(
    data_dir: Path,
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
    environment: Mapping[str, str] | None = None,
):
    """`streamlit run app.py` from the repo root on `port` (default: a free one), with `extra_args` for
    streamlit (e.g. a secrets file) and `environment` added to its environment (e.g. ALCORE_DATABASE_URL);
    yields its URL, then stops it.

    ALCORE_DATA_DIR points at `data_dir` so labeling projects created by a test never
    touch the developer's own data.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or _free_port()
    log_path = data_dir / f"streamlit-{port}.log"
    env = {**os.environ, **(environment or {}), "ALCORE_DATA_DIR": str(data_dir)}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *extra_args,
    ]
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    SERVERS[url], LOGS[url] = server, log_path
    try:
        _wait_healthy(url, server, log_path)
        yield url
    finally:
        SERVERS.pop(url, None)
        LOGS.pop(url, None)
        if server.poll() is None:  # a test may have killed it already
            server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> str:
    """One app server shared by the browser tests of a session."""
    with running_app(tmp_path_factory.mktemp("alcore-data")) as url:
        yield url


@pytest.fixture()
def fresh_app_url(tmp_path) -> str:
    """A server of its own that no browser has visited yet (for first-request behaviour)."""
    with running_app(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Playwright's sync API (one per test session)."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (Debian package `chromium`)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI needs it for the browser tests")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh browser tab (own cookies, so its own Streamlit session), desktop-sized."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """Where browser tests save screenshots for a person to look at (gitignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
