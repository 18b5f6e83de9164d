"""Widget groups of the data page: where the table comes from, its label column, column roles, summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from alcore.formatting import ROW_MEANING, column_decimals, shown_row
from alcore.io.datasets import (
    DEMOS,
    MAX_RANGES,
    DataError,
    Dataset,
    Role,
    group_into_ranges,
    is_row_id,
    load_demo,
    quantity_question,
)
from alcore.io.kept_files import content_name
from alcore.io.label_column import guess_label_column
from alcore.io.tables import row_numbering_note
from ui.charts import class_counts_chart
from ui.format import as_text, fmt_int
from ui.links import guessed_roles, keep_upload, uploaded_table
from ui.state import Session

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet", "jsonl", "ndjson", "json"]
SOURCES = {"upload": "Upload a file", "demo": "Use a built-in demo"}
FEATURE_ROLE_NAMES = [Role.NUMERIC.value, Role.DATE.value, Role.CATEGORICAL.value, Role.TEXT.value, Role.IGNORE.value]
ROLE_HELP = {
    Role.NUMERIC.value: "numeric: numbers",
    Role.DATE.value: "date: dates and times, learned from their year, month, weekday and hour",
    Role.CATEGORICAL.value: "categorical: a few repeated values",
    Role.TEXT.value: "text: free text",
    Role.IGNORE.value: "ignore: leave out",
}


@dataclass
class Table:
    """A table as loaded, before the user has said what its columns are for.

    source_key: the upload's SHA-256 and file type, or "demo:NAME"; it names the table across reruns.
    """

    frame: pd.DataFrame
    name: str
    source_key: str
    label_column: str | None = None
    roles: dict[str, Role] = field(default_factory=dict)
    label_ranges: int | None = None


def read_upload_ui(state: Session, uploaded) -> tuple[pd.DataFrame, str, bytes] | None:
    """The uploaded file's table, its key (SHA-256 and file type) and its bytes; None after saying what is
    wrong with it.

    The table is read once (`uploaded_table`, shared with other tabs holding the same file) and kept in this
    user's Session only (one upload at a time). Not st.cache_data: a cache kept every recent upload's table for
    an hour after its browser closed (1.5 GB held with no visitor left). Here a replaced upload is dropped at
    once, and the last one goes with the session. Reading stops at `TableLimits` (ALCORE_MAX_CELLS,
    ALCORE_MAX_TABLE_MB).
    """
    content = uploaded.getvalue()
    suffix = Path(uploaded.name).suffix.lower()
    key = content_name(content, suffix)  # the same bytes as .csv and .tsv are two tables
    if state.upload is None or state.upload[0] != key:
        state.upload = None  # let the previous table go before the next one is built
        try:
            with st.spinner("Reading the file…"):
                state.upload = (key, uploaded_table(key, content))
        except DataError as error:
            st.error(as_text(error))
            return None
    return state.upload[1], key, content


def source_ui(state: Session) -> Table | None:
    """Upload or demo picker; returns the chosen table, or the one already loaded, or None after one message:
    how to start when nothing is chosen, or what is wrong with a refused upload (`read_upload_ui`)."""
    wanted = st.query_params.get("source", "upload")
    choice = st.radio(
        "Where is your data?",
        list(SOURCES),
        format_func=SOURCES.get,
        horizontal=True,
        index=list(SOURCES).index(wanted) if wanted in SOURCES else 0,
    )
    table = _upload_ui(state) if choice == "upload" else _demo_ui(state)
    if table is None and state.dataset is not None:
        dataset = state.dataset
        st.caption(
            f"Working with **{as_text(dataset.name)}**, loaded earlier. Choose another source above to replace it."
        )
        return Table(
            dataset.frame, dataset.name, state.source_key, dataset.label_column, dict(dataset.roles), state.label_ranges
        )
    return table


def _upload_ui(state: Session) -> Table | None:
    limit_mb = st.get_option("server.maxUploadSize")
    uploaded = st.file_uploader(
        "Your table",
        type=UPLOAD_TYPES,
        help=f"CSV, TSV, Excel (.xlsx), Parquet or JSON Lines, up to {limit_mb:,} MB. "
        "One row per example, a header row with column names, and one column with the labels you know.",
    )
    if uploaded is None:
        _start_prompt_ui(state)
        return None
    if (read := read_upload_ui(state, uploaded)) is None:
        return None  # refused, with its message: the prompt under it read as if the file had never arrived
    frame, key, content = read
    keep_upload(content, Path(uploaded.name).suffix.lower())  # so a link or a refresh finds the table again
    return Table(frame, uploaded.name, key)


def _demo_ui(state: Session) -> Table | None:
    name = st.selectbox(
        "Demo",
        list(DEMOS),
        index=None,
        placeholder="Choose a demo",
        format_func=lambda demo: f"{demo}: {DEMOS[demo].description}",
    )
    if name is None:
        _start_prompt_ui(state)
        return None
    dataset = load_demo(name)
    return Table(dataset.frame, dataset.name or name, f"demo:{name}", dataset.label_column, dict(dataset.roles))


def _start_prompt_ui(state: Session) -> None:
    """How to start, while no table is chosen and none was loaded earlier (that one is shown instead)."""
    if state.dataset is None:
        st.info("Upload a table with one row per example and a column of known labels, or pick a demo to try alcore.")


# Shared by every session on this server. Safe: a pure function of the table, named by source_key
# (its bytes' SHA-256 and type, or a demo's name). It reads every column, so a rerun should not pay for it again.
# Partly empty columns count as labels to fill on both pages: a table whose empty cells are the rows to label
# is what either page is brought (the Chile survey's 'vote', empty in 168 rows, lost to 'sex' on the Data page).
@st.cache_data(max_entries=32, ttl="1h", show_spinner=False)
def guessed_label_column(source_key: str, _frame: pd.DataFrame) -> str:
    return guess_label_column(_frame, for_labeling=True)


def preview_ui(table: Table, rows: int = 100) -> None:
    """The table's first rows, each number column with its own precision (`column_decimals`, from its first
    1,000 rows): 18.0 reads "18.0" beside 18.7, never "18", and no float noise. Rows are numbered as on the
    Label page and in its exports (`shown_row`): the first row under the header is row 1; right under them, what
    empty rows left out did to those numbers (`row_numbering_note`)."""
    shown = table.frame.head(rows)
    shown = shown.set_axis(shown_row(shown.index))
    sample = table.frame.head(1_000)
    formats = {
        column: st.column_config.NumberColumn(format=f"%.{decimals}f")
        for column in shown.columns
        if pd.api.types.is_float_dtype(shown[column]) and (decimals := column_decimals(sample[column])) is not None
    }
    formats["_index"] = st.column_config.NumberColumn("Row", help=f"Row: {ROW_MEANING}")
    st.dataframe(shown, height=240, column_config=formats)
    notes_ui([row_numbering_note(table.frame)])


def label_column_ui(table: Table) -> str:
    """The label column: the table's own (a demo's, or the one chosen earlier), else the guess from names and content."""
    columns = [str(column) for column in table.frame.columns]
    default = table.label_column
    if default not in columns:
        default = guessed_label_column(table.source_key, table.frame)
    label_column = st.selectbox(
        "Label column",
        columns,
        index=columns.index(default),
        key=f"label:{table.source_key}",
        help="The column with the answers (the classes). Rows where it is empty are unlabeled.",
    )
    return label_column


def measurement_warning_ui(column: pd.Series, name: str) -> bool:
    """Warn when the chosen label column holds measurements (prices, lengths) rather than classes; True when it
    did (no project can be made with such a column: `make_dataset` refuses it with the same words)."""
    question = quantity_question(column, name)
    if question:
        ranges = "" if is_row_id(name, column) else " The Data page groups it into ranges for you."
        st.warning(f"{as_text(question)}{ranges}", icon=":material/warning:")
    return question is not None


def roles_ui(table: Table, label_column: str) -> dict[str, str]:
    """A select per feature column, with a few example values; returns {column: role}."""
    inferred = dict(guessed_roles(table.source_key, label_column, table.frame))
    if table.label_column == label_column:
        inferred |= {column: role for column, role in table.roles.items() if column != label_column}
    features = [column for column in inferred if column != label_column]
    st.caption(
        "alcore guessed what each column is for: " + "; ".join(ROLE_HELP.values()) + ". Change any of them here."
    )
    with st.expander(f"Column roles ({fmt_int(len(features))} columns)", expanded=len(features) <= 24):
        grid = st.columns(3)
        chosen = {}
        for i, column in enumerate(features):
            chosen[column] = grid[i % 3].selectbox(
                as_text(column),
                FEATURE_ROLE_NAMES,
                index=FEATURE_ROLE_NAMES.index(inferred[column].value),
                key=f"role:{table.source_key}:{label_column}:{column}",
                help=f"Example values: {as_text(_examples(table.frame[column]))}",
            )
    return chosen


def ranges_ui(table: Table, label_column: str) -> tuple[pd.DataFrame, int | None] | None:
    """The table to learn from and the number of ranges its label was grouped into (None: not grouped);
    when the label column holds a quantity, the plain question first.

    A quantity (an age, a price) can be grouped into ranges that become the classes; None until the person
    chooses to (the page then stops, with the question on screen).
    """
    if table.label_ranges and label_column == table.label_column:
        return table.frame, table.label_ranges  # grouped already (the table a link brought back)
    question = quantity_question(table.frame[label_column], label_column)
    if question is None:
        return table.frame, None
    st.warning(as_text(question), icon=":material/help:")
    if is_row_id(label_column, table.frame[label_column]):
        return None  # no ranges to offer: the person picks another column
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    n_ranges = left.number_input("Number of ranges", 2, MAX_RANGES, 4, key=f"ranges:{table.source_key}:{label_column}")
    grouped = right.toggle(
        f"Group {as_text(label_column)} into ranges", key=f"grouped:{table.source_key}:{label_column}"
    )
    if not grouped:
        return None
    grouped_frame = table.frame.assign(**{label_column: group_into_ranges(table.frame[label_column], int(n_ranges))})
    return grouped_frame, int(n_ranges)


def notes_ui(notes: list[str]) -> None:
    """What reading and preparing the table mended (`Dataset.notes`, `table_notes`, `row_numbering_note`; ""
    for none), so nothing changes without the person knowing."""
    for note in filter(None, notes):
        st.info(as_text(note), icon=":material/build:")


def _examples(column: pd.Series, n: int = 3) -> str:
    values = column.dropna().head(200).astype(str).unique()[:n]
    return ", ".join(value if len(value) <= 40 else value[:39] + "…" for value in values)


def summary_ui(dataset: Dataset) -> None:
    """Rows, labeled and unlabeled counts, and the classes with their counts."""
    summary = dataset.summary()
    rows, labeled, unlabeled = st.columns(3)
    rows.metric("Rows", fmt_int(summary["n_rows"]))
    labeled.metric("Labeled", fmt_int(summary["n_labeled"]))
    unlabeled.metric("Unlabeled", fmt_int(summary["n_unlabeled"]))
    counts = pd.DataFrame(
        {"class": [str(value) for value in summary["class_counts"]], "rows": list(summary["class_counts"].values())}
    )
    st.markdown(f"**Classes of {as_text(dataset.label_column)}** ({fmt_int(len(counts))})")
    if counts.empty:
        st.info("No row has a label yet.")
    else:
        st.altair_chart(class_counts_chart(counts), width="stretch")
