"""The one per-user object the pages share, kept in `st.session_state`.

Each browser session gets its own `Session`: the loaded dataset, the Explore
settings and the last comparison live here and nowhere else, so no user's data or
results ever sit in a cache shared across sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from alcore.labeling.members import allows

if TYPE_CHECKING:
    from concurrent.futures import Future

    from alcore.experiment.simulation import Comparison
    from alcore.io.datasets import Dataset
    from alcore.labeling.session import LabelingSession

_KEY = "alcore_session"


@dataclass
class Session:
    """What one user has loaded and computed.

    dataset: the table with its label column and roles, as the data page built it.
    source_key: where the table came from (the upload's SHA-256 and file type, or "demo:NAME").
    dataset_key: source, label column, roles and labels together; when it changes, results
        computed on the old dataset are stale.
    explore_settings: the Explore page's last choices, so leaving the page and
        coming back keeps them (the URL's query parameters do not survive navigation).
    comparison: the last finished run (its own `.settings` say how it was run).
    run_stopped: the user pressed Stop during the last run; the page says so once.
    run_active: True while a comparison runs; the rerun after Stop waits for it to end (finished rounds kept).
    labeling: the labeling project open on the Label page (its labels live in the store).
    labeler: the name recorded with each label this user gives.
    labeling_saved: the confirmation of the last saved batch, shown once with the next batch.
    labeling_notice: a problem from the last labeling button, shown once next to the batch.
    unsaved_answers: the batch's answers the database server could not take (it was unreachable), sent again
        every few seconds until it takes them; None when nothing waits.
    suspicious_labels: the last "labels that look wrong" check (it refits the model k times, so it
        runs on a button and is kept here), with the project it was run on in suspicious_project.
    upload: the last uploaded file's key (SHA-256 and type) and its table, so a rerun does not read it again;
        only one, so a replaced upload frees its memory.
    project_role, project_archived: this user's role in the open project ("owner" when there is no sign-in)
        and whether the project is archived, read from the store on every run of the Label page.
    label_ranges: the number of ranges a numeric label column was grouped into to make the classes (None: its
        values are the classes); links carry it, so a refresh or a shared link groups it again.
    labeling_active_at: when (time.monotonic()) the Label page last ran for an action of this person; the
        batch's lease is renewed once a minute only while they were active lately (LabelingSession.renew).
    simulation_features: the dataset's features and labels for Explore (X, y), being built or built, with the
        dataset_key they were built for: built once per table, roles and labels, not on every Run (tables of up
        to explore_ui.KEEP_FEATURES_CELLS cells; a larger one builds them on each Run and keeps none, and so does
        a session whose features did not fit in what all sessions may keep, explore_ui.KEPT_FEATURES: (key, None)).
    """

    dataset: Dataset | None = None
    source_key: str = ""
    dataset_key: str = ""
    explore_settings: dict[str, Any] = field(default_factory=dict)
    comparison: Comparison | None = None
    run_stopped: bool = False
    labeling: LabelingSession | None = None
    labeler: str = ""
    labeling_notice: str = ""
    labeling_saved: str = ""
    unsaved_answers: dict[int, Any] | None = None
    suspicious_labels: pd.DataFrame | None = None
    suspicious_project: int | None = None
    upload: tuple[str, pd.DataFrame] | None = None
    run_active: bool = False
    project_role: str | None = None
    project_archived: bool = False
    simulation_features: tuple[str, Future | None] | None = None
    label_ranges: int | None = None
    labeling_active_at: float = 0.0

    def may(self, action: str) -> bool:
        """Whether this user may `action` ("see", "label" or "manage") in the open project; nobody labels
        an archived project."""
        if action == "label" and self.project_archived:
            return False
        return allows(self.project_role, action)

    def set_dataset(self, dataset: Dataset, source_key: str, label_ranges: int | None = None) -> None:
        """Keep `dataset`; drop the comparison if it was computed on other data.

        The key holds a fingerprint of the labels too: grouping a numeric label into another number of ranges
        changes them while the file, label column and roles stay the same."""
        roles = ",".join(f"{column}={role.value}" for column, role in dataset.roles.items())
        labels = pd.util.hash_pandas_object(dataset.labels(), index=False).to_numpy().sum() & (2**64 - 1)
        dataset_key = f"{source_key}|{dataset.label_column}|{roles}|{labels:x}"
        if dataset_key != self.dataset_key:
            self.comparison = None
        self.dataset, self.source_key, self.dataset_key = dataset, source_key, dataset_key
        self.label_ranges = label_ranges


def session() -> Session:
    """This user's `Session`, created on first use."""
    if _KEY not in st.session_state:
        st.session_state[_KEY] = Session()
    return st.session_state[_KEY]
