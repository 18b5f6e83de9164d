"""What every part of the labeling page shares: the project store, problems said in words, a button's
action followed by a fresh page, and cells written as a person reads them.

The page's parts are in `ui.project_start_ui` (opening or starting a project), `ui.batch_form_ui` (who
labels, the batch form, undo), `ui.label_progress_ui` (progress, the labels so far, downloads) and
`ui.monitoring_ui`. Nothing here trains a model or scores a row: every step calls
`alcore.labeling.LabelingSession`, which saves each answer before it does anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

import streamlit as st

from alcore.core.pool import EmptyPoolError
from alcore.formatting import format_cell
from alcore.io.datasets import DataError
from alcore.labeling.store import ProjectStore, StoreError, StoreWriteError
from ui.format import as_text
from ui.server_config import store_location
from ui.state import Session

KEY = "label."  # prefix of this page's widget keys in st.session_state
PROBLEMS = (DataError, StoreError, ValueError)


# -- where projects live ----------------------------------------------------
# Shared by every session on this server. Safe: a ProjectStore holds only where the database is (and one
# idle SQLite connection, or this process's PostgreSQL pool), and runs each call in a transaction of its
# own; it keeps no project, label or model in memory. Each user's open project (a LabelingSession) lives
# in their own Session object, never here.
@st.cache_resource(show_spinner=False)
def project_store(location: str) -> ProjectStore:
    return ProjectStore(location)


def store_ui() -> ProjectStore:
    """This server's project store; when its database cannot be used at all, the page says why and stops."""
    try:
        return project_store(str(store_location()))
    except StoreError as error:
        st.error(
            f"{as_text(error)} Set the folder with `data_dir` in .streamlit/secrets.toml or ALCORE_DATA_DIR "
            "(or a PostgreSQL server with ALCORE_DATABASE_URL)."
        )
        st.stop()


@contextmanager
def shown_in_words(what_to_do: str = ""):
    """Show an expected problem (a bad file, a store error, an empty pool) as a message, not a traceback."""
    try:
        yield
    except EmptyPoolError:
        st.success("Every row is labeled: there is nothing left to ask. Download the labeled table below.")
    except PROBLEMS as error:
        st.error(f"{as_text(error)} {what_to_do}".strip())


def act_and_rerun(state: Session, action: Callable[[], str | None], failed: str = "") -> None:
    """Run a button's `action` in the script run that saw the click, keep what the page should say (the
    action's notice, or the problem) for the top of the batch, and draw the page again.

    Not an on_click callback: a server restarted under an open tab knows no callbacks of the old one, so
    the first click there would run none (issue 16). The batch form's answers are keyed by its batch, so
    after a problem they are still filled in; after a success the next batch starts empty.
    failed: the start of the message when the store cannot be written ("Your labels could not be saved").
    """
    try:
        state.labeling_notice = action() or ""
    except EmptyPoolError:
        state.labeling_notice = "Every row is labeled: there is nothing left to ask. Download the labeled table below."
    except StoreWriteError as error:
        state.labeling_notice = (
            f"{failed}: {error.reason}. Nothing was lost, and your answers are still in the form: {error.what_to_do}."
            if failed
            else as_text(error)
        )
    except PROBLEMS as error:
        state.labeling_notice = f"{as_text(error)} Nothing you had already submitted was lost."
    st.rerun()


def format_value(value, decimals: int | None = None) -> str:
    """A cell as a person reads it: a measurement with its column's precision (`column_decimals`), a dash
    when missing, text escaped so Markdown shows it as typed."""
    return as_text(format_cell(value, decimals))
