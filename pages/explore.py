"""Explore: simulate labeling with known answers and compare strategies against random picking."""

import streamlit as st

from ui.explore_ui import dataset_ui, results_ui, run_ui, settings_from_link, settings_to_link, settings_ui
from ui.state import session

st.title("Explore: which strategy saves the most labels?")
st.markdown(
    "alcore hides the labels you already have and reveals them only when a strategy asks for a row, "
    "round after round. Each strategy is compared with **random** picking on the same rows."
)
state = session()
dataset = dataset_ui(state)
if dataset is None:
    st.stop()
summary = dataset.summary()
st.caption(f"Data: **{dataset.name}**, {summary['n_labeled']:,} labeled rows, {len(summary['class_counts'])} classes.")

settings, run_pressed = settings_ui(settings_from_link(st.query_params, state.explore_settings), summary["n_labeled"])
state.explore_settings = settings
st.query_params.from_dict(settings_to_link(settings, state.source_key))

if run_pressed:
    if not settings["strategies"]:
        st.warning("Choose at least one strategy to compare with random.")
    else:
        state.run_stopped = False
        comparison = run_ui(dataset, settings, state)
        if comparison is not None:
            state.comparison = comparison
if state.run_stopped:
    st.warning("The comparison was stopped; nothing was kept. Run it again, perhaps with fewer seeds or a smaller budget.")
    state.run_stopped = False

if state.comparison is not None:
    st.divider()
    st.subheader("Results")
    results_ui(state.comparison, settings, dataset)
