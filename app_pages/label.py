"""Label: a person labels the rows the model asks about, batch by batch; nothing submitted is ever lost."""

import streamlit as st

from ui.batch_form_ui import batch_form_ui, labeler_name, lease_ui, oracle_ui, saving_paused_ui, undo_ui
from ui.label_progress_ui import export_ui, history_ui, progress_ui
from ui.label_ui import shown_in_words, store_ui
from ui.monitoring_ui import monitoring_ui
from ui.project_admin_ui import project_admin_ui, project_header_ui
from ui.project_start_ui import new_project_ui, open_from_link_ui, project_list_ui
from ui.state import session

state = session()
store = store_ui()
labeler_name(state)
if state.unsaved_answers is not None and state.labeling is not None:
    st.title(state.labeling.name, anchor=False)
    saving_paused_ui(state)  # until the database server takes the answers; then the whole page again
    st.stop()
labeling = open_from_link_ui(state, store)
if labeling is None:
    st.title("Label your data", anchor=False)
    st.markdown(
        "Bring a table whose label column is empty or partly filled. alcore asks you, a batch at a time, about "
        "the rows the model would learn the most from. Every batch is saved the moment you submit it: close the "
        "browser and come back later, and you carry on where you were."
    )
    st.subheader("Your projects", anchor=False)
    project_list_ui(store)
    st.subheader("Start a new project", anchor=False)
    labeling = new_project_ui(state, store)
    if labeling is None:
        st.stop()
    state.labeling = labeling
    st.query_params["project"] = str(labeling.project_id)
    st.rerun()

project_header_ui(state)

st.subheader("Label this batch", anchor=False)
if state.labeling_notice:
    st.warning(state.labeling_notice)
    state.labeling_notice = ""
if not state.may("label"):
    st.info(
        "You can follow this project but not label it: "
        + ("it is archived." if state.project_archived else "ask its owner to make you a labeler."),
        icon=":material/visibility:",
    )
else:
    with shown_in_words():
        batch = labeling.current_batch()
        if labeling.write_problem:
            st.error(f"{labeling.write_problem} The labels below can still be viewed and downloaded.")
        elif not batch.rows:
            st.success("Every row is labeled: there is nothing left to ask. Download the labeled table below.")
        else:
            if batch.is_cold:
                st.info(
                    "The model is not trained yet (it needs labels of at least two classes), so these rows were "
                    "picked to cover the data, not by the model's doubt. Its guesses appear once it has learned.",
                    icon=":material/ac_unit:",
                )
            lease_ui(state)
            st.caption(f"Why these rows: {batch.reason}")
            oracle_ui(state, batch)
            batch_form_ui(state, batch)
    undo_ui(state)

with shown_in_words():  # each reads the store: while its server is away, one message instead of the rest
    st.subheader("Progress", anchor=False)
    progress_ui(labeling)
    monitoring_ui(state)
    st.subheader("Labels so far", anchor=False)
    if state.may("label"):
        st.caption(
            "Change any label in the table: the change is recorded as a correction, and the earlier label stays in "
            "the log."
        )
    history_ui(state)
    if state.may("manage"):
        st.subheader("Download", anchor=False)
        export_ui(labeling)
    project_admin_ui(state, store)
