"""Monitoring panels: what the loop picks, what each batch bought, which labels look wrong,
how well labelers agree and how fast they go (Label page); and per strategy, what a simulated
loop asked about and what each round bought (Explore page).

Every figure is computed in `alcore.labeling.project_monitoring` / `alcore.labeling.monitoring`; this module only
lays the frames out, formats numbers and draws the charts of `ui.monitoring_charts`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alcore.core.strategies import strategy_label
from alcore.experiment import monitoring as comparison_monitoring
from alcore.experiment.simulation import Comparison
from alcore.formatting import ROW_MEANING, counted, format_cell, format_row
from alcore.io.datasets import Dataset, classes_left_out_of_simulation
from alcore.labeling import monitoring, project_monitoring
from alcore.labeling.export import row_previews
from alcore.labeling.quality import IMPORTED_BATCH, batch_name
from alcore.labeling.session import LabelingSession
from ui.format import MISSING, as_text, fmt_int, fmt_money, fmt_number, fmt_percent
from ui.label_ui import format_value, shown_in_words
from ui.monitoring_charts import (
    batch_gain_chart,
    class_mix_chart,
    pick_scores_chart,
    strategy_gain_chart,
)
from ui.narrow import table_or_cards_ui
from ui.state import Session

_KEY = "label.monitoring."
SECTIONS = ["What is picked", "What each batch bought", "Labels that look wrong", "Agreement", "Pace"]
MAX_LISTED = 20


def monitoring_ui(state: Session) -> None:
    """The Label page's monitoring panel: an expander whose content is computed only while it is open."""
    panel = st.expander(
        "Monitoring: what the loop picks, what each batch bought, labels that look wrong",
        icon=":material/monitoring:",
        key=_KEY + "open",
        on_change="rerun",
    )
    if not panel.open:
        return
    labeling = state.labeling
    with panel:
        picked, bought, wrong, agreement, pace = st.tabs(SECTIONS)
        with picked, shown_in_words():
            selection_ui(labeling)
        with bought, shown_in_words():
            gains_ui(labeling)
        with wrong, shown_in_words():
            suspicious_ui(state)
        with agreement, shown_in_words():
            agreement_ui(state)
        with pace, shown_in_words():
            pace_ui(labeling)


def selection_ui(labeling: LabelingSession) -> None:
    """Per batch, the classes given against the model's predicted mix; and the pick scores."""
    mix, scores = project_monitoring.selection(labeling)
    if mix.empty:
        st.caption("Nothing to show yet: submit a batch first.")
        return
    undone = project_monitoring.undone_numbers(labeling)
    st.altair_chart(class_mix_chart(mix, undone), width="stretch")
    st.caption(
        "Solid bars: the classes the labelers gave in each batch. Faint bars: the classes today's model predicts "
        "over the whole table (one model for every batch: the models that picked earlier batches are not kept). "
        "A batch that keeps asking about one class, or never about a rare one, shows here."
        + (" No model yet, so no predicted mix." if labeling.is_cold else "")
    )
    cold_start = labeling.settings.get("cold_start")
    by_model = scores[scores["strategy"] != cold_start]
    left_out = not by_model.empty and len(by_model) < len(scores)
    scores = by_model if left_out else scores  # cold-start distances are on another scale: they flatten the rest
    if not scores.empty:
        st.altair_chart(pick_scores_chart(scores, undone), width="stretch")
        st.caption(
            "Each dot is a picked row; higher = the strategy wanted it more (for margin: 1 − the gap between "
            "the two likeliest classes). Scores that fall batch after batch mean the model is getting surer "
            "even about the rows it doubts most. The last batch is the one open now"
            + (f"; the cold-start picks ({cold_start}: distances, another scale) are left out." if left_out else ".")
        )


def gains_table(gains: pd.DataFrame, currency: str) -> pd.DataFrame:
    """What each batch bought, written for people."""
    return pd.DataFrame(
        {
            "Batch": [batch_name(batch, undone) for batch, undone in zip(gains["batch"], gains["undone"])],
            "Labels so far": gains["n_labeled"].map(fmt_int),
            "Labels given": gains["batch_size"].map(fmt_int),
            "Estimated accuracy": gains["estimate"].map(lambda value: fmt_percent(value, 1)),
            "Points gained": gains["gain_points"].map(lambda value: MISSING if pd.isna(value) else f"{value:+.1f}"),
            "Cost": gains["cost"].map(lambda value: fmt_money(value, currency)),
            "Cost per accuracy point": gains["cost_per_point"].map(lambda value: fmt_money(value, currency)),
            "Predictions changed": gains["changed_share"].map(lambda value: fmt_percent(value, 1)),
        }
    )


def gains_ui(labeling: LabelingSession) -> None:
    """Points gained and predictions changed per batch, the cost per accuracy point, the small-gains sentence."""
    gains = project_monitoring.gains(labeling)
    currency = project_monitoring.currency(labeling)
    if gains["gain_points"].notna().sum() == 0:
        st.caption("Gains appear from the second batch with a quality estimate (every class needs 2 labeled rows).")
    else:
        sentence = project_monitoring.small_gains_sentence(labeling, gains)
        if sentence:
            st.warning(sentence, icon=":material/trending_flat:")
        st.altair_chart(batch_gain_chart(gains, currency), width="stretch")
    cost = fmt_money(float(labeling.settings.get("cost_per_label", 1.0)), currency)
    table = gains_table(gains, currency)
    titles = [name if name == batch_name(IMPORTED_BATCH) else f"Batch {name}" for name in table["Batch"]]
    table_or_cards_ui(table, "Batch", "gains", titles)
    st.caption(
        f"At {cost} per label (second opinions count: they are paid for; so do corrections made in the table, in "
        "the next batch's labels given; an undone batch was paid for, though its labels were taken back). "
        "Cost per accuracy point = the batch's cost "
        "÷ the points it gained; a batch that gained nothing has none. Gains are differences of the estimated "
        "accuracy (see Progress for how it is estimated), so a small one can be noise. Predictions changed: share "
        "of up to 1,000 fixed rows whose predicted class changed after the batch."
    )


def _relabel(state: Session, row: int, label) -> None:
    """Button callback: record the suggested label as a correction and take the row off the list."""
    try:
        state.labeling.relabel(row, label, labeler=state.labeler or "anonymous")
    except (ValueError, KeyError) as error:
        state.labeling_notice = f"{as_text(error)} Nothing you had already submitted was lost."
        return
    found = state.suspicious_labels
    state.suspicious_labels = found[found["row"] != row].reset_index(drop=True)


def _check(state: Session) -> None:
    with st.spinner("Cross-validating the labeled rows…"):
        state.suspicious_labels = project_monitoring.suspicious(state.labeling)
    state.suspicious_project = state.labeling.project_id


def suspicious_ui(state: Session) -> None:
    """Labels the model, trained on the other labeled rows, confidently doubts; one click relabels."""
    labeling = state.labeling
    st.caption(
        "The model is trained on the other labeled rows (k-fold) and predicts each labeled row; a row whose "
        "given label it confidently doubts is listed, most doubtful first. It refits the model k times."
    )
    st.button(
        "Look for labels that look wrong", icon=":material/search:", key=_KEY + "check", on_click=_check, args=(state,)
    )
    found = state.suspicious_labels
    if found is None or state.suspicious_project != labeling.project_id:
        return
    if found.empty:
        st.success("No label looks wrong to the model.", icon=":material/check_circle:")
        return
    st.markdown(
        f"**{counted(len(found), 'label')} {'looks' if len(found) == 1 else 'look'} wrong**"
        + (f" (the first {MAX_LISTED} shown)" if len(found) > MAX_LISTED else "")
    )
    shown = found.head(MAX_LISTED)
    for row, preview, given, suggested, confidence, labeler in zip(
        shown["row"],
        row_previews(labeling.dataset, shown["row"].to_numpy()),
        shown["given"],
        shown["suggested"],
        shown["confidence"],
        shown["labeler"],
    ):
        with st.container(border=True):
            text, action = st.columns([3, 1], vertical_alignment="center")
            text.markdown(
                f"Row {format_row(row)}: {format_value(preview)}  \nLabeled **{format_value(given)}** by "
                f"{format_value(labeler)}; the model says **{format_value(suggested)}** "
                f"({fmt_percent(confidence)} sure)"
            )
            action.button(
                f"Relabel as {as_text(suggested)}",
                key=f"{_KEY}relabel.{row}",
                icon=":material/edit:",
                disabled=not state.may("label"),
                on_click=_relabel,
                args=(state, int(row), suggested),
            )
    st.caption(
        "A relabel is recorded as a correction; the earlier label stays in the log. To keep a label, leave it. "
        f"Row numbers are {ROW_MEANING}."
    )


def _set_share(state: Session) -> None:
    state.labeling.set_second_opinion_share(st.session_state[_KEY + "second_share"] / 100)


def agreement_ui(state: Session) -> None:
    """The second-opinion setting, Cohen's kappa per pair of labelers and the rows they disagree on."""
    labeling = state.labeling
    share = float(labeling.settings.get("second_opinion_share") or 0.0)
    st.session_state.setdefault(_KEY + "second_share", round(share * 100))
    st.number_input(
        "Second opinions: share of each batch asked again of another labeler (%)",
        0,
        100,
        step=5,
        key=_KEY + "second_share",
        on_change=_set_share,
        args=(state,),
        disabled=not state.may("manage"),  # a project setting: its owner's
        width=360,
        help="0 = off. A chosen row is shown in the next batch of someone else (type your name above), with the "
        "model's guess hidden; their two labels are compared here. The newest label is the one the model uses.",
    )
    pairs, differing = project_monitoring.agreement(labeling)
    if pairs.empty:
        st.caption("No row has labels from two people yet. Turn second opinions on, and label under different names.")
        return
    pairs_table = pd.DataFrame(
        {
            "Labelers": pairs["labeler_a"].astype(str) + " & " + pairs["labeler_b"].astype(str),
            "Rows both labeled": pairs["n_rows"].map(fmt_int),
            "Agreement": pairs["agreement"].map(fmt_percent),
            "Cohen's kappa": pairs["kappa"].map(lambda value: fmt_number(value, 2)),
        }
    )
    table_or_cards_ui(pairs_table, "Labelers", "agreement")
    st.caption(
        "Cohen's kappa: 1 = always agree, 0 = no better than chance given how often each uses each class. "
        "A correction someone makes in the table of labels counts as their opinion of that row too."
    )
    if differing.empty:
        st.success("No row was labeled differently.", icon=":material/check_circle:")
        return
    st.markdown(f"**{counted(len(differing), 'row')} labeled differently**: correct them in the table of labels below")
    differing_table = pd.DataFrame(
        {
            "Row": differing["row"].map(lambda row: f"Row {format_row(row)}"),
            "Labeler": differing["labeler_a"].astype(str),
            "Their label": differing["label_a"].map(format_cell),
            "Other labeler": differing["labeler_b"].astype(str),
            "Other label": differing["label_b"].map(format_cell),
            "Row's fields": row_previews(labeling.dataset, differing["row"].to_numpy()),
        }
    )
    table_or_cards_ui(differing_table, "Row", "disagreements")
    st.caption(f"Row numbers are {ROW_MEANING}.")


def pace_ui(labeling: LabelingSession) -> None:
    """Labels per minute and seconds per row, per labeler."""
    pace = project_monitoring.pace(labeling)
    if pace.empty:
        st.caption("No batch submitted yet.")
        return
    pace_table = pd.DataFrame(
        {
            "Labeler": pace["labeler"].astype(str),
            "Rows answered": pace["n_rows"].map(fmt_int),
            "Labels": pace["n_labels"].map(fmt_int),
            "Minutes": pace["minutes"].map(lambda value: fmt_number(value, 1)),
            "Labels per minute": pace["labels_per_minute"].map(lambda value: fmt_number(value, 1)),
            "Seconds per row (median)": pace["median_seconds_per_row"].map(lambda value: fmt_number(value, 0)),
        }
    )
    table_or_cards_ui(pace_table, "Labeler", "pace")
    st.caption(
        f"Timed from when a batch was shown to when it was saved; a batch left open counts at most "
        f"{monitoring.IDLE_SECONDS_PER_ROW:.0f} s per row (a break is not slow labeling). Skips count as rows "
        "answered, not as labels. Imported labels are left out."
    )


# -- Explore ----------------------------------------------------------------------
EXPLORE_OPEN = "explore.monitoring.open"
"""The key of the Explore panel's expander: True while it is open."""


def comparison_monitoring_ui(comparison: Comparison, dataset: Dataset, settings: dict) -> None:
    """Per strategy, what the simulated loop asked about against the true mix; what each round bought.

    The picks are set against the mix of the labels of the compared rows (a simulation keeps no predictions).
    An expander whose content is computed only while it is open, as the Label page's panel: drawn on every
    page run, its charts (one per strategy) took longer than the rest of the results together on each Run of
    50,000 police stops (pyinstrument), for a panel a person opens now and then.
    """
    panel = st.expander(
        "Why a strategy wins: what it asked about, and what each round bought",
        icon=":material/monitoring:",
        key=EXPLORE_OPEN,
        on_change="rerun",
    )
    if not panel.open:
        return
    labels = dataset.labels()
    # the true mix of what was simulated: a class the simulation left out was never in its pool
    y = labels[dataset.labeled_mask() & ~labels.isin(classes_left_out_of_simulation(dataset).index)].to_numpy()
    cost_per_label, currency = float(settings["cost"]), settings["currency"] or "$"
    with panel, st.container(key="explore-monitoring"):  # one block, for the browser test to find
        gains = comparison_monitoring.strategy_gains(comparison.curves, cost_per_label)
        st.altair_chart(strategy_gain_chart(gains, currency), width="stretch")
        st.caption(
            "Mean accuracy points each round added, over the seeds. A strategy that stays above random early "
            "is buying more per label."
        )
        mix = comparison_monitoring.comparison_selection_mix(comparison.batches, y)
        names = list(dict.fromkeys(mix["strategy"]))
        for tab, name in zip(st.tabs([strategy_label(name) for name in names]), names):
            with tab:
                st.altair_chart(class_mix_chart(mix[mix["strategy"] == name].drop(columns="strategy")), width="stretch")
        st.caption(
            "Solid bars: the classes of the rows each strategy picked per round (all seeds pooled); faint bars: the "
            "true mix of the data. Uncertainty strategies (margin, entropy) lean towards the classes the model "
            "confuses; random follows the data's mix."
        )
