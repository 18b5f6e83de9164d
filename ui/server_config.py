"""What the operator of this server configured: read from the environment or `.streamlit/secrets.toml`.

Nothing here comes from a visitor. Settings that make the server connect somewhere (a Dask
scheduler) are the operator's choice only: a page shows them, read-only, and never offers a
field to change them (a visitor-typed address let anyone point the server at a scheduler of
their own, whose workers' replies are unpickled in the server's process).
"""

from __future__ import annotations

import os

import streamlit as st

SCHEDULER_VARIABLE = "ALCORE_DASK_SCHEDULER"


def _secret(section: str, name: str) -> str:
    """`[section] name` from `.streamlit/secrets.toml`, or "" when there is no such file or entry."""
    try:
        return str(st.secrets.get(section, {}).get(name, "")).strip()
    except FileNotFoundError:  # no secrets file anywhere: nothing configured there
        return ""


def dask_scheduler() -> str | None:
    """The Dask scheduler address simulations run on, or None to run on this machine.

    `[dask] scheduler` in secrets.toml wins over the ALCORE_DASK_SCHEDULER environment variable.
    """
    return _secret("dask", "scheduler") or os.environ.get(SCHEDULER_VARIABLE, "").strip() or None
