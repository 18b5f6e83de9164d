"""What the operator of this server configured: read from the environment or `.streamlit/secrets.toml`.

Nothing here comes from a visitor. Settings that make the server connect somewhere (a Dask
scheduler) are the operator's choice only: a page shows them, read-only, and never offers a
field to change them (a visitor-typed address let anyone point the server at a scheduler of
their own, whose workers' replies are unpickled in the server's process).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from alcore.labeling.store import DATABASE_URL_ENV, default_data_dir

SCHEDULER_VARIABLE = "ALCORE_DASK_SCHEDULER"


def _secret(section: str, name: str) -> str:
    """`[section] name` from `.streamlit/secrets.toml`, or "" when there is no such file or entry."""
    try:
        return str(st.secrets.get(section, {}).get(name, "")).strip()
    except FileNotFoundError:  # no secrets file anywhere: nothing configured there
        return ""


def _configured_number(section: str, name: str, variable: str, default: float) -> float:
    """`[section] name` in secrets.toml, else the environment `variable`, else `default` (also for a value that
    is not a finite number: a typo in the configuration keeps the server on its default, not down)."""
    configured = _secret(section, name) or os.environ.get(variable, "").strip()
    try:
        value = float(configured) if configured else default
    except ValueError:
        return default
    return value if math.isfinite(value) else default


def _configured_flag(section: str, name: str, variable: str) -> bool:
    """`[section] name` in secrets.toml, else the environment `variable`, said yes (true, 1 or yes); off otherwise."""
    said = _secret(section, name) or os.environ.get(variable, "")
    return said.strip().lower() in {"1", "true", "yes"}


def dask_scheduler() -> str | None:
    """The Dask scheduler address simulations run on, or None to run on this machine.

    `[dask] scheduler` in secrets.toml wins over the ALCORE_DASK_SCHEDULER environment variable.
    """
    return _secret("dask", "scheduler") or os.environ.get(SCHEDULER_VARIABLE, "").strip() or None


OPEN_NETWORK_VARIABLE = "ALCORE_OPEN_WITHOUT_SIGN_IN"
_LOCAL_ADDRESSES = {"localhost", "::1", "[::1]"}


def listens_beyond_this_machine() -> bool:
    """Whether `server.address` lets other machines connect (unset means every interface)."""
    address = str(st.get_option("server.address") or "").strip()
    return not (address in _LOCAL_ADDRESSES or address.startswith("127."))


def serves_beyond_this_machine() -> bool:
    """Whether others can reach this server: it listens on a network, or this visitor came from elsewhere through
    a proxy or tunnel on this machine (which a server on localhost cannot tell from its address). A request
    came from elsewhere when a proxy says so (X-Forwarded-For, Forwarded, X-Real-IP) or when it named the server
    by something other than this machine (its Host header: a raw forwarder such as socat or a tunnel passes the
    name the visitor typed)."""
    if listens_beyond_this_machine():
        return True
    headers = _request_headers()
    if any(name in headers for name in ("x-forwarded-for", "forwarded", "x-real-ip")):
        return True
    host = urlsplit(f"//{headers.get('host', '')}").hostname or ""
    return bool(host) and not (host in _LOCAL_ADDRESSES or host.startswith("127."))


def _request_headers() -> dict[str, str]:
    """This visitor's request headers, names in lower case (none outside a browser's session, as in tests)."""
    try:
        return {name.lower(): value for name, value in st.context.headers.items()}
    except Exception:  # no request behind this run (AppTest, a bare script)
        return {}


def open_without_sign_in() -> bool:
    """The operator's explicit choice to serve on a network with no sign-in:
    `[access] open_without_sign_in = true` in secrets.toml, or ALCORE_OPEN_WITHOUT_SIGN_IN=1."""
    return _configured_flag("access", "open_without_sign_in", OPEN_NETWORK_VARIABLE)


PROVIDER_VERIFIES_EMAIL_VARIABLE = "ALCORE_PROVIDER_VERIFIES_EMAIL"


def provider_verifies_email() -> bool:
    """The operator's word that the sign-in provider sends only e-mail addresses it has checked, though it sends no
    email_verified claim (Microsoft Entra, for one, sends none): `[auth] provider_verifies_email = true` in
    secrets.toml, or ALCORE_PROVIDER_VERIFIES_EMAIL=1. Off by default: projects are shared by e-mail address, and a
    provider that lets people set an address it never checked would let anyone sign in as a project's owner."""
    return _configured_flag("auth", "provider_verifies_email", PROVIDER_VERIFIES_EMAIL_VARIABLE)


def sign_in_provider() -> str | None:
    """None when sign-in is off; "" for the `[auth]` provider itself; else the name of `[auth.NAME]`.

    Sign-in is on once `[auth]` in secrets.toml has `redirect_uri`, `cookie_secret` and a provider's
    `client_id` (see `.streamlit/secrets.toml.example`).
    """
    try:
        auth = st.secrets.get("auth", {})
    except FileNotFoundError:
        return None
    if not (auth.get("redirect_uri") and auth.get("cookie_secret")):
        return None
    if auth.get("client_id"):
        return ""
    named = [name for name, value in auth.items() if isinstance(value, Mapping) and value.get("client_id")]
    return named[0] if named else None


def data_dir() -> Path:
    """The store folder: `data_dir` in .streamlit/secrets.toml, else $ALCORE_DATA_DIR, else ./alcore-data."""
    try:
        configured = st.secrets["data_dir"]
    except (KeyError, FileNotFoundError):  # no secrets.toml (a FileNotFoundError), or no such key in it
        configured = None
    return Path(configured) if configured else default_data_dir()


KEEP_HOURS_VARIABLE = "ALCORE_KEEP_UPLOADS_HOURS"
DEFAULT_KEEP_HOURS = 24.0


def keep_uploads_hours() -> float:
    """How long an upload (and results computed from it) stays on the server after its last use, so a link
    or a refresh finds it: `[uploads] keep_hours` in secrets.toml, else ALCORE_KEEP_UPLOADS_HOURS, else 24."""
    return max(0.0, _configured_number("uploads", "keep_hours", KEEP_HOURS_VARIABLE, DEFAULT_KEEP_HOURS))


KEEP_MEGABYTES_VARIABLE = "ALCORE_KEEP_UPLOADS_MB"
DEFAULT_KEEP_MEGABYTES = 2_000.0


def keep_uploads_megabytes() -> float | None:
    """How much disk the kept uploads and results may take together (the ones used longest ago make room):
    `[uploads] keep_megabytes` in secrets.toml, else ALCORE_KEEP_UPLOADS_MB, else 2,000; 0 means no limit (None).
    Without it, anyone who can reach the server could fill its disk, 200 MB an upload, for 24 hours each."""
    megabytes = _configured_number("uploads", "keep_megabytes", KEEP_MEGABYTES_VARIABLE, DEFAULT_KEEP_MEGABYTES)
    return megabytes if megabytes > 0 else None


HELD_TABLES_VARIABLE = "ALCORE_HELD_TABLES_MB"
DEFAULT_HELD_TABLES_MEGABYTES = 4_000.0


def held_tables_megabytes() -> float | None:
    """How much memory the uploaded tables open in all browser tabs may take together (each is up to
    ALCORE_MAX_TABLE_MB): `[uploads] held_megabytes` in secrets.toml, else ALCORE_HELD_TABLES_MB, else 4,000;
    0 means no limit (None). Without it, a visitor opening tabs by the dozen, each with another large file,
    could take the server's memory."""
    megabytes = _configured_number("uploads", "held_megabytes", HELD_TABLES_VARIABLE, DEFAULT_HELD_TABLES_MEGABYTES)
    return megabytes if megabytes > 0 else None


MOST_PROJECTS_VARIABLE = "ALCORE_MOST_PROJECTS_PER_PERSON"
DEFAULT_MOST_PROJECTS = 50


def most_projects_per_person() -> int | None:
    """How many projects one person may own on a shared server (each holds its whole table, up to the upload
    limits): `[projects] most_per_person` in secrets.toml, else ALCORE_MOST_PROJECTS_PER_PERSON, else 50;
    0 means no limit (None)."""
    most = int(_configured_number("projects", "most_per_person", MOST_PROJECTS_VARIABLE, DEFAULT_MOST_PROJECTS))
    return most if most > 0 else None


MOST_RUNNING_VARIABLE = "ALCORE_MOST_RUNNING_PER_PERSON"
DEFAULT_MOST_RUNNING = 2


def most_running_per_person() -> int | None:
    """How many Explore comparisons one person may have queued or running at once on a shared server (the
    workers take every comparison's jobs in turn, so one person's many would hold up everyone else's):
    `[explore] most_running_per_person` in secrets.toml, else ALCORE_MOST_RUNNING_PER_PERSON, else 2;
    0 means no limit (None)."""
    most = int(_configured_number("explore", "most_running_per_person", MOST_RUNNING_VARIABLE, DEFAULT_MOST_RUNNING))
    return most if most > 0 else None


def store_location() -> Path | str:
    """Where labeling projects live: a PostgreSQL server shared by several app servers (`[database] url` in
    secrets.toml, else $ALCORE_DATABASE_URL), else the SQLite file in `data_dir()`."""
    return _secret("database", "url") or os.environ.get(DATABASE_URL_ENV, "").strip() or data_dir()
