"""The one per-user object the pages share, kept in `st.session_state`.

Each browser session gets its own `Session`: the loaded dataset, the Explore
settings and the last comparison live here and nowhere else, so no user's data or
results ever sit in a cache shared across sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:
    from alcore.data import Dataset
    from alcore.loop import Comparison

_KEY = "alcore_session"


@dataclass
class Session:
    """What one user has loaded and computed.

    dataset: the table with its label column and roles, as the data page built it.
    dataset_key: what the dataset was built from (file hash or demo, label column,
        roles); a change means results computed on the old dataset are stale.
    explore_settings: the Explore page's last choices, so leaving the page and
        coming back keeps them (the URL's query parameters do not survive navigation).
    comparison / comparison_settings: the last finished run and the settings it used.
    """

    dataset: Dataset | None = None
    dataset_key: str = ""
    explore_settings: dict[str, Any] = field(default_factory=dict)
    comparison: Comparison | None = None
    comparison_settings: dict[str, Any] = field(default_factory=dict)

    def set_dataset(self, dataset: Dataset, key: str) -> None:
        """Keep `dataset`; drop the comparison if it was computed on other data."""
        if key != self.dataset_key:
            self.comparison = None
            self.comparison_settings = {}
        self.dataset = dataset
        self.dataset_key = key

    def clear_dataset(self) -> None:
        self.dataset = None
        self.dataset_key = ""
        self.comparison = None
        self.comparison_settings = {}


def session() -> Session:
    """This user's `Session`, created on first use."""
    if _KEY not in st.session_state:
        st.session_state[_KEY] = Session()
    return st.session_state[_KEY]
