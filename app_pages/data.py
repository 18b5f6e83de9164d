"""Data: bring a table (upload or demo), say what each column is for, see the classes."""

import streamlit as st

from alcore.io.datasets import DataError, check_for_simulation, check_width, make_dataset, simulation_note
from ui.data_ui import label_column_ui, notes_ui, preview_ui, ranges_ui, roles_ui, source_ui, summary_ui
from ui.format import as_text
from ui.links import dataset_from_link_ui, dataset_link
from ui.state import session

st.title("Your data", anchor=False)
state = session()
dataset_from_link_ui(state)
table = source_ui(state)
if table is None:
    st.stop()

st.subheader("Preview", anchor=False)
st.caption(
    f"**{as_text(table.name)}**: first rows of {table.frame.shape[0]:,} rows × {table.frame.shape[1]:,} columns."
)
preview_ui(table)

st.subheader("What each column is for", anchor=False)
try:
    check_width(table.frame.shape[1] - 1)  # all but the label column
except DataError as error:
    st.error(as_text(error))
    st.stop()
label_column = label_column_ui(table)
grouping = ranges_ui(table, label_column)
if grouping is None:
    st.stop()
frame, label_ranges = grouping
roles = roles_ui(table, label_column)
try:
    dataset = make_dataset(frame, label_column, roles=roles, name=table.name)
except DataError as error:
    st.error(as_text(error))
    st.stop()
notes_ui(dataset.notes)
state.set_dataset(dataset, table.source_key, label_ranges)
source = "demo" if table.source_key.startswith("demo:") else "upload"
link = dataset_link(dataset, table.source_key, label_ranges)
st.query_params.from_dict({"source": source} | link)  # a refresh keeps it

st.subheader("Labels", anchor=False)
summary_ui(dataset)
try:
    check_for_simulation(dataset)
except DataError as error:
    st.warning(f"This table cannot be used for a simulation yet. {as_text(error)}")
else:
    if note := simulation_note(dataset):
        st.info(as_text(note), icon=":material/info:")
    st.page_link("app_pages/explore.py", label="Compare strategies on this data", icon=":material/arrow_forward:")
