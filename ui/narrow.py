"""Pages that read well on a 420 px screen: wide tables become stacked cards, and the sidebar closes
after a page is chosen in it.

A server cannot know the screen's width, so both forms of a table are sent and CSS shows one: a wide
table is drawn inside `st.container(key="wide-table…")`, its cards inside `key="narrow-cards…"`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from ui.format import as_text

NARROW_PX = 640
_STYLE = f"""<style>
@media (max-width: {NARROW_PX}px) {{ [class*="st-key-wide-table"] {{ display: none; }} }}
@media (min-width: {NARROW_PX + 1}px) {{ [class*="st-key-narrow-cards"] {{ display: none; }} }}
</style>"""
_SCRIPT = (Path(__file__).parent / "narrow.js").read_text()


def narrow_screen_ui() -> None:
    """Once per page run, from app.py: the CSS that picks table or cards, and the sidebar's closing."""
    with st.sidebar:
        st.html(f"{_STYLE}<script>{_SCRIPT}</script>", unsafe_allow_javascript=True)


def cards_markdown(table: pd.DataFrame, title_column: str, titles: list[str] | None = None) -> str:
    """Each row as a card: its title in bold (`titles`, else the title column's value), then every other
    column as "name: value" on its own line."""
    cards = []
    for i, (_, row) in enumerate(table.iterrows()):
        lines = [f"**{as_text(row[title_column] if titles is None else titles[i])}**"] + [
            f"{as_text(column)}: {as_text(row[column])}" for column in table.columns if column != title_column
        ]
        cards.append("  \n".join(lines))
    return "\n\n---\n\n".join(cards)


def table_or_cards_ui(table: pd.DataFrame, title_column: str, name: str, titles: list[str] | None = None) -> None:
    """`table` as a table on a wide screen, as stacked cards on a narrow one (figures already written
    for people, as strings); `titles` names the cards when the title column's values alone would not
    ("Batch 3" rather than "3")."""
    with st.container(key=f"wide-table-{name}"):
        st.dataframe(table, hide_index=True)
    with st.container(key=f"narrow-cards-{name}"):
        st.markdown(cards_markdown(table, title_column, titles))
