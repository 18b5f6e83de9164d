"""Explore: simulate labeling with known answers and compare strategies against random picking."""

import streamlit as st

from alcore.experiment.simulation import budget_note, initial_note, start_workers
from alcore.io.datasets import simulation_note, simulation_rows
from ui.explore_ui import (
    dataset_ui,
    goal_ui,
    results_ui,
    run_ui,
    settings_from_link,
    settings_to_link,
    simulation_features,
    simulation_ui,
    stale_settings,
    stopped_run_ui,
)
from ui.format import as_text
from ui.links import kept_comparison
from ui.monitoring_ui import comparison_monitoring_ui
from ui.server_config import dask_scheduler
from ui.state import session

st.title("Explore: which strategy saves the most labels?", anchor=False)
st.markdown(
    "alcore hides the labels you already have and reveals them only when a strategy asks for a row, "
    "round after round. Each strategy is compared with **random** picking on the same rows."
)
state = session()
if dask_scheduler() is None:
    start_workers()  # both cores' workers start while settings are chosen, not when Run is pressed
dataset = dataset_ui(state)
if dataset is None:
    st.stop()
simulation_features(state)  # built while the settings are read, not when Run is pressed
summary = dataset.summary()
st.caption(
    f"Data: **{as_text(dataset.name)}**, {summary['n_labeled']:,} labeled rows, {len(summary['class_counts'])} classes. "
    + as_text(simulation_note(dataset))
)

remembered = settings_from_link(st.query_params, state.explore_settings)
n_rows = simulation_rows(dataset)
simulation, run_pressed = simulation_ui(remembered, n_rows)
for note in (  # said before a run, not found out from its results after
    budget_note(simulation["budget"], n_rows),
    initial_note(simulation["initial"], simulation["budget"], n_rows),
):
    if note:
        st.warning(as_text(note), icon=":material/info:")
if run_pressed:
    if not simulation["strategies"]:
        st.warning("Choose at least one strategy to compare with random.")
    else:
        state.run_stopped = False
        comparison = run_ui(simulation, state)
        if comparison is not None:
            state.comparison = comparison
settings = simulation | goal_ui()
state.explore_settings = settings
st.query_params.from_dict(settings_to_link(settings, state))
if state.run_stopped:
    stopped_run_ui(state)
if state.comparison is None or stale_settings(state.comparison, simulation):
    state.comparison = kept_comparison(state, simulation) or state.comparison  # a refresh, a shared link
if state.comparison is None:
    st.info("Press **Run comparison** to see which strategy saves the most labels with these settings.")
else:
    st.divider()
    st.subheader("Results", anchor=False)
    if changed := stale_settings(state.comparison, simulation):
        st.warning(
            f"These results come from earlier settings: {'; '.join(changed)}. Press Run comparison to update them.",
            icon=":material/history:",
        )
    results_ui(state.comparison, settings, dataset)
    comparison_monitoring_ui(state.comparison, dataset, settings)
