"""What a link carries, and what the server keeps so that a link or a refresh finds your work again.

A link names its data, never a path: `demo=iris`, or `upload=<SHA-256 of the file>.csv` for an uploaded
file kept on the server (see `alcore.io.kept_files`), with the label column (`label`) and the column roles
changed from the guess (`roles`, JSON). Results computed from a dataset and settings are kept under the
hash of both, so the same link shows them again: to this user after a refresh, or to anyone holding it.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import weakref
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import streamlit as st

from alcore.experiment.simulation import Comparison
from alcore.io.datasets import (
    DataError,
    Dataset,
    Role,
    group_into_ranges,
    infer_roles,
    load_demo,
    make_dataset,
    read_table,
)
from alcore.io.kept_files import KeptFiles, content_name
from alcore.io.tables import table_memory
from ui.format import as_text
from ui.server_config import data_dir, held_tables_megabytes, keep_uploads_hours, keep_uploads_megabytes
from ui.shared_budget import SharedBudget
from ui.state import Session


# Shared by every session on this server. Safe: a KeptFiles holds only its folder, how long files stay and
# how much they may take; the files themselves are named by content hash and read from disk on each call.
@st.cache_resource(show_spinner=False)
def _kept_files(folder: str, keep_hours: float, max_megabytes: float | None) -> KeptFiles:
    return KeptFiles(folder, keep_hours, max_megabytes)


def kept_files() -> KeptFiles:
    return _kept_files(str(data_dir() / "kept"), keep_uploads_hours(), keep_uploads_megabytes())


# Shared by every session on this server. Safe: the guess is a pure function of the table, named by
# source_key (its bytes' SHA-256 and type, or a demo's name), and the label column. Without it every
# widget change re-read every column (0.5 s on 50,000 rows).
@st.cache_data(max_entries=32, ttl="1h", show_spinner=False)
def guessed_roles(source_key: str, label_column: str, _frame: pd.DataFrame) -> dict[str, Role]:
    return infer_roles(_frame, label_column)


# Shared by every session on this server. Safe: a SharedBudget holds only counts, not tables.
@st.cache_resource(show_spinner=False)
def _held_tables(megabytes: float | None) -> SharedBudget:
    return SharedBudget(megabytes)


_read_uploads: weakref.WeakValueDictionary[str, pd.DataFrame] = weakref.WeakValueDictionary()
"""The tables read from uploads that some session still holds, by content name (SHA-256 and file type)."""


def uploaded_table(name: str, content: bytes) -> pd.DataFrame:
    """The table in an uploaded file whose content name (`content_name`: SHA-256 and file type, what a link
    carries) is `name`, read once for every browser tab that holds it: each tab read and kept its own copy, so
    a link opened in ten tabs held its table ten times. Sharing is safe: nothing in alcore changes a table in
    place once read, and pandas copies on write. A new table is counted against `held_tables_megabytes()` until
    no tab holds it.

    Raises DataError when the file cannot be read as a table, or when the tables open in all tabs leave no
    room for it.
    """
    frame = _read_uploads.get(name)
    if frame is None:
        frame = read_table(content, filename=f"upload{Path(name).suffix}")
        budget = _held_tables(held_tables_megabytes())
        if not budget.hold(frame, table_memory(frame)):
            raise DataError(
                f"The server holds as many tables as it may ({budget.megabytes:,.0f} MB) for the people using it "
                "now. Try again in a few minutes, or load a sample of the rows; the server's operator can raise the "
                "limit with ALCORE_HELD_TABLES_MB."
            )
        frame = _read_uploads.setdefault(name, frame)
    return frame


def keep_upload(content: bytes, suffix: str) -> str:
    """Keep an uploaded file's bytes on the server; returns the name a link carries."""
    return kept_files().put(content_name(content, suffix), content)


def dataset_link(dataset: Dataset, source_key: str, label_ranges: int | None = None) -> dict[str, str]:
    """The query parameters that bring `dataset` back: its source, label column (and the number of ranges
    it was grouped into) and changed roles."""
    if source_key.startswith("demo:"):
        link = {"demo": source_key.removeprefix("demo:")}
    else:
        link = {"upload": source_key, "name": dataset.name}
    link["label"] = dataset.label_column
    if label_ranges:
        link["ranges"] = str(label_ranges)
    guess = guessed_roles(source_key, dataset.label_column, dataset.frame)
    changed = {column: role.value for column, role in dataset.roles.items() if guess.get(column) is not role}
    if changed:
        link["roles"] = json.dumps(changed, separators=(",", ":"))
    return link


def dataset_from_link(state: Session, params: Mapping[str, str]) -> None:
    """Load the dataset the link names into `state`, unless it holds it already.

    Raises DataError, in words, when the link's upload is no longer kept or its columns do not fit.
    """
    if not (params.get("demo") or params.get("upload")):
        return
    if state.dataset is not None:
        held = dataset_link(state.dataset, state.source_key, state.label_ranges)
        same = [held.get(name, "") == params.get(name, "") for name in ("demo", "upload", "roles", "ranges")]
        if all(same) and params.get("label", held["label"]) == held["label"]:
            return
    if params.get("demo"):
        demo = load_demo(params["demo"])
        frame, name, source_key = demo.frame, demo.name, f"demo:{params['demo']}"
        label_column = params.get("label", demo.label_column)
    else:
        source_key = params["upload"]
        content = kept_files().get(source_key)
        if content is None:
            hours = keep_uploads_hours()
            raise DataError(
                f"The table this link names is no longer on this server (an upload is kept {hours:g} hours after "
                "its last use, less when newer uploads need the room). Upload the same file on the Data page: the "
                "link's settings are kept and apply to it."
            )
        frame, name = uploaded_table(source_key, content), params.get("name", "uploaded table")
        label_column = params.get("label") or frame.columns[-1]
    roles = json.loads(params["roles"]) if params.get("roles") else None
    if roles is not None and not isinstance(roles, dict):  # a link is typed by anyone: [1] is JSON too
        raise DataError("The link's column roles cannot be read. Open the Data page and choose them there.")
    label_ranges = int(params["ranges"]) if params.get("ranges") else None
    if label_ranges and label_column in frame.columns:
        frame = frame.assign(**{label_column: group_into_ranges(frame[label_column], label_ranges)})
    state.set_dataset(make_dataset(frame, label_column, roles=roles, name=name), source_key, label_ranges)


def _results_name(state: Session, simulation: dict) -> str:
    key = json.dumps([state.dataset_key, simulation], sort_keys=True, default=str)
    return hashlib.sha256(key.encode()).hexdigest() + ".pkl"


def keep_comparison(state: Session, simulation: dict, comparison: Comparison) -> None:
    """Keep the results of `simulation` on the state's dataset, so a refresh or the same link shows them."""
    kept_files().put(_results_name(state, simulation), pickle.dumps(comparison))


def kept_comparison(state: Session, simulation: dict) -> Comparison | None:
    """The results kept for this dataset and these settings, or None.

    Unpickling is safe here: the file's name is a hash only this server computes and writes under its own
    data folder; a visitor supplies no file and no name.
    """
    content = kept_files().get(_results_name(state, simulation))
    return pickle.loads(content) if content is not None else None


def dataset_from_link_ui(state: Session) -> None:
    """Load the dataset the page's link names (a shared link, a refresh); a problem is shown in words."""
    try:
        dataset_from_link(state, st.query_params)
    except (DataError, ValueError) as error:
        st.warning(as_text(error), icon=":material/link_off:")
