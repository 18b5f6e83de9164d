"""The labeling form's keyboard and the labeler's remembered name.

Streamlit has no key bindings, so a small static script (batch_keys.js) adds them in the browser:
number keys pick classes, 0 skips, Enter saves, and each new batch starts with focus on its first row.
The labeler's name goes into a cookie, which `st.context.cookies` reads on the next visit.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import unquote

import streamlit as st

from ui.format import as_text

LABELER_COOKIE = "alcore_labeler"
SAVE_LABEL = "Save these labels and get the next batch"
MAX_NAME = 80
_SCRIPT = (Path(__file__).parent / "batch_keys.js").read_text()


def remembered_labeler() -> str:
    """The name this browser typed last time (from its cookie), or ""."""
    try:
        value = st.context.cookies.get(LABELER_COOKIE, "")
    except AttributeError:  # no browser context (a bare script run)
        return ""
    return unquote(value).strip()[:MAX_NAME] if isinstance(value, str) else ""


def keys_caption(classes: list) -> str:
    """What the keys do, in words: "Keys: 1 spam · 2 ham · 0 skip · Enter saves"."""
    picks = " · ".join(f"**{i}** {as_text(name)}" for i, name in enumerate(classes[:9], start=1))
    more = " (the first 9 classes)" if len(classes) > 9 else ""
    return f"Keyboard: {picks}{more} · **0** skip · **Enter** saves the batch. Each key moves on to the next row."


def batch_keys_ui(batch_id, labeler: str) -> None:
    """Turn on the batch form's keys (once per page) and remember `labeler` in this browser."""
    attributes = {
        "batch": str(batch_id),
        "labeler": labeler[:MAX_NAME],
        "cookie": LABELER_COOKIE,
        "save": SAVE_LABEL,
    }
    data = " ".join(f'data-{name}="{html.escape(value, quote=True)}"' for name, value in attributes.items())
    st.html(f'<div id="alcore-batch-keys" {data}></div><script>{_SCRIPT}</script>', unsafe_allow_javascript=True)
