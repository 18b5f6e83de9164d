"""The labeling page's record: progress (labels by class, the quality estimate, the advice), every label
so far with corrections in the table, and the downloads.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from alcore.formatting import (
    ROW_MEANING,
    column_decimals,
    format_cell,
    format_row,
    row_column_name,
    shown_row,
    stored_row,
)
from alcore.labeling import export, project_monitoring
from alcore.labeling.quality import batch_name
from alcore.labeling.session import LabelingSession
from ui.charts import class_counts_chart
from ui.format import MISSING
from ui.label_charts import quality_chart
from ui.label_ui import KEY, shown_in_words
from ui.state import Session


def progress_ui(labeling: LabelingSession) -> None:
    """Labels so far (by class), the quality estimate per batch, and the advisor's sentence."""
    progress = labeling.progress()
    labeled, left, skipped, batches = st.columns(4)
    labeled.metric("Labeled", f"{progress['n_labeled']:,}")
    left.metric("Still unlabeled", f"{progress['n_unlabeled']:,}")
    skipped.metric("Skipped", f"{progress['n_skipped']:,}")
    undone = progress["batches_undone"]
    batches.metric(
        "Batches submitted",
        f"{progress['batches_submitted']:,}" + (f" ({undone:,} undone)" if undone else ""),
        help="Numbered 1, 2, … in the order they were saved, as in Monitoring and the report; an undone batch "
        "keeps its number.",
    )
    st.info(labeling.advice(), icon=":material/lightbulb:")
    by_class, quality = st.columns([2, 3], gap="large")
    counts = pd.DataFrame(
        {"class": [str(c) for c in progress["by_class"]], "rows": list(progress["by_class"].values())}
    )
    with by_class:
        st.markdown("**Labels by class**")
        if counts["rows"].sum():
            st.altair_chart(class_counts_chart(counts), width="stretch")
        else:
            st.caption("No label yet.")
    with quality:
        estimates = labeling.quality()
        if estimates["estimate"].notna().sum() == 0:
            st.caption("The quality estimate appears once a few rows of at least two classes are labeled.")
        else:
            st.altair_chart(quality_chart(estimates), width="stretch")
            st.caption(f"Estimated by {estimates['method'].dropna().iloc[-1]}")


EVENT_WORDS = {
    "label": "label",
    "skip": "skipped",
    "relabel": "correction",
    "undo": "undone",
    "opinion": "second opinion (late)",
}


def history_ui(state: Session) -> None:
    """Every label so far; change one in the table (recorded as a correction, the old one kept in the log).
    Read-only for whoever may not label (a viewer, or anyone in an archived project).

    A wide screen gets the row number, the label, who, when and three of the row's fields as columns; a
    narrow one (`ui.narrow`) the label and the row with its fields in one column, so the table fits 420 px.
    Both tables are indexed by the row numbers people see (`shown_row`), so an edit comes back under one."""
    labeling = state.labeling
    current = labeling.labeled_table()
    label_column = labeling.dataset.label_column
    if current.empty:
        st.caption("No label yet.")
        return
    preview = [c for c in labeling.dataset.frame.columns if c != label_column][:3]
    table = current[[label_column, "labeled_by", "labeled_at", *preview]].astype({label_column: object})
    for column in preview:  # as on the form: the column's own precision, a dash for a gap
        places = column_decimals(labeling.dataset.frame[column])
        table[column] = table[column].map(lambda value, places=places: format_cell(value, places))
    table = table.sort_values("labeled_at", ascending=False, kind="stable")  # the latest first: most likely to fix
    fields = export.row_previews(labeling.dataset, table.index.to_numpy())
    cards = [f"Row {format_row(row)} · {preview}" for row, preview in zip(table.index, fields)]
    table.index = shown_row(table.index)
    narrow = pd.DataFrame({label_column: table[label_column], "fields": cards}, index=table.index)
    events = labeling.history()
    label_select = st.column_config.SelectboxColumn("Label (change it here)", options=labeling.classes, required=True)
    edits = []
    with st.container(key="wide-table-history"):
        edits.append(
            st.data_editor(
                table,
                key=f"{KEY}history.{labeling.project_id}.{len(events)}",
                disabled=["_index", "labeled_by", "labeled_at", *preview] if state.may("label") else True,
                column_config={
                    "_index": st.column_config.NumberColumn("Row", format="localized", help=f"Row: {ROW_MEANING}"),
                    label_column: label_select,
                    "labeled_by": "By",
                    "labeled_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                },
                height=min(400, 38 + 35 * len(table)),
            )
        )
    with st.container(key="narrow-cards-history"):
        edits.append(
            st.data_editor(
                narrow,
                key=f"{KEY}history.narrow.{labeling.project_id}.{len(events)}",
                disabled=["_index", "fields"] if state.may("label") else True,
                hide_index=True,
                column_config={
                    label_column: st.column_config.SelectboxColumn(
                        "Label", options=labeling.classes, required=True, width="small"
                    ),
                    "fields": st.column_config.TextColumn("Row"),
                },
                height=min(400, 38 + 35 * len(table)),
            )
        )
    changed = {
        row: edited.at[row, label_column] for edited in edits for row in _changed_rows(edited, table, label_column)
    }
    if changed and state.may("label"):  # the table is read-only for the others; a browser's edit of it is not
        # trusted (Streamlit before mid-2026 took a browser's edits of a disabled table without a check)
        with shown_in_words("The other labels are unchanged."):
            for row, label in changed.items():
                labeling.relabel(stored_row(int(row)), label, labeler=state.labeler or "anonymous")
            st.rerun()
    with st.expander("Every event, oldest first (labels, skips, corrections, undos)"):
        event_log_ui(labeling, events)


def _changed_rows(edited: pd.DataFrame, table: pd.DataFrame, label_column: str) -> pd.Index:
    return edited.index[edited[label_column] != table[label_column]]


def event_log_ui(labeling: LabelingSession, events: pd.DataFrame) -> None:
    """The store's log in words: batches by their numbers (`numbered_batches`), never the store's ids; a
    dash where an event has no label (a skip, an undo). On a narrow screen: when, what, label and row."""
    numbered = project_monitoring.numbered(labeling, events)
    names = {
        batch_id: batch_name(number, undone)
        for batch_id, number, undone in numbered[["batch_id", "batch", "undone"]].itertuples(index=False)
    }
    log = pd.DataFrame(
        {
            "When": pd.to_datetime(events["created_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
            "What": events["kind"].map(EVENT_WORDS).fillna(events["kind"]),
            "Label": events["label"].map(format_cell),
            "Row": events["row"].map(format_row),
            "Who": events["labeler"],
            "Batch": events["batch_id"].map(lambda batch_id: names.get(batch_id, MISSING)),
            "Row's fields": events["preview"],
        }
    )
    row_help = {"Row": st.column_config.TextColumn("Row", help=f"Row: {ROW_MEANING}")}
    with st.container(key="wide-table-events"):
        st.dataframe(log, hide_index=True, column_config=row_help)
    with st.container(key="narrow-cards-events"):
        st.dataframe(log[["When", "What", "Label", "Row"]], hide_index=True, column_config=row_help)


FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel", "parquet": "Parquet"}
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


def export_ui(labeling: LabelingSession) -> None:
    """Downloads; each file is built only when its button is clicked (deferred), so the page stays fast."""
    stem = "".join(c if c.isalnum() else "-" for c in labeling.name).strip("-") or "project"
    writers = {"csv": export.to_csv_bytes, "xlsx": export.to_excel_bytes, "parquet": export.to_parquet_bytes}
    row_column = row_column_name(labeling.dataset.frame.columns)
    st.markdown("**The labeled rows** (their row numbers, the original columns, the label, who labeled it and when)")
    st.caption(f"Each table here starts with the column `{row_column}`: {ROW_MEANING}, to match each row to your file.")
    for column, (extension, write) in zip(st.columns(3), writers.items()):
        column.download_button(
            f"Labeled rows ({FORMAT_NAMES[extension]})",
            lambda write=write: write(labeling.labeled_table()),
            file_name=f"{stem}-labeled.{extension}",
            mime=MIME[extension],
            icon=":material/download:",
            on_click="ignore",
        )
    st.markdown(
        "**Every row with the model's predicted label and confidence**; the least confident are flagged for a look"
    )
    left, right = st.columns(2)
    for column, extension in zip((left, right), ("csv", "xlsx")):
        column.download_button(
            f"Predictions ({FORMAT_NAMES[extension]})",
            lambda write=writers[extension]: write(labeling.predictions_table()),
            file_name=f"{stem}-predictions.{extension}",
            mime=MIME[extension],
            icon=":material/download:",
            on_click="ignore",
            disabled=labeling.is_cold,
            help="Available once the model is trained (two classes labeled)." if labeling.is_cold else None,
        )
    st.markdown("**The model and a short report**")
    left, right = st.columns(2)
    left.download_button(
        "Model (joblib)",
        labeling.model_bytes,
        file_name=f"{stem}-model.joblib",
        mime="application/octet-stream",
        icon=":material/download:",
        on_click="ignore",
        disabled=labeling.is_cold,
    )
    left.caption(export.MODEL_NOTE)
    right.download_button(
        "Report (Markdown)",
        partial(project_monitoring.project_report_markdown, labeling),
        file_name=f"{stem}-report.md",
        mime="text/markdown",
        icon=":material/download:",
        on_click="ignore",
    )
