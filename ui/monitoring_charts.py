"""Altair charts of the monitoring frames (`alcore.labeling.monitoring`): each takes a frame, returns a chart.

A labeling project's frames have one batch per store batch; a Comparison's
have a `strategy` (and `seed`) column, and the charts then draw one panel per
strategy so the strategies can be read side by side.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import (
    LEGEND_COLUMNS,
    PALETTE,
    REFERENCE_COLOR,
    STRATEGY_LEGEND_COLUMNS,
    _strategy_color_encoding,
    strategy_label_expr,
    strategy_order,
)
from ui.format import fmt_money

GIVEN = "Labels given"


def batch_x(numbers, undone=()) -> alt.X:
    """The batch axis: every batch in order, an undone one kept in its place (no bar) and labelled
    "3 undone", so the numbers read as on the rest of the page (`quality.numbered_batches`)."""
    undone = sorted({int(batch) for batch in undone})
    domain = sorted({int(batch) for batch in numbers} | set(undone))
    marked = " || ".join(f"datum.value == {batch}" for batch in undone)
    label = f"({marked}) ? datum.label + ' undone' : datum.label" if undone else "datum.label"
    return alt.X("batch:O", title="Batch", scale=alt.Scale(domain=domain), axis=alt.Axis(labelAngle=0, labelExpr=label))


REFERENCE_TITLES = {"predicted_share": "Model's predicted mix", "pool_share": "True mix of the data"}


def class_mix_chart(mix: pd.DataFrame, undone=()) -> alt.Chart:
    """Per batch, two stacked bars side by side: the classes labelers gave, and the pool's mix.

    mix: `selection_mix` [batch, class, given, given_share, predicted_share] or
    `comparison_selection_mix` [strategy, batch, class, ..., pool_share] (one
    column panel per strategy). A batch with no predicted mix shows its given bar only.
    undone: numbers of undone batches, kept in their place on the axis and marked.
    """
    reference = "pool_share" if "pool_share" in mix.columns else "predicted_share"
    keys = [column for column in ("strategy", "batch", "class", "given") if column in mix.columns]
    long = mix.melt(id_vars=keys, value_vars=["given_share", reference], var_name="source", value_name="share")
    long["source"] = long["source"].map({"given_share": GIVEN, reference: REFERENCE_TITLES[reference]})
    long = long.dropna(subset=["share"])
    long["class"] = long["class"].astype(str)
    sources = [GIVEN, REFERENCE_TITLES[reference]]
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=batch_x(long["batch"], undone),
            xOffset=alt.XOffset("source:N", sort=sources),
            y=alt.Y(
                "sum(share):Q", title="Share", stack="zero", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color(
                "class:N",
                title="Class",
                scale=alt.Scale(range=PALETTE),
                legend=alt.Legend(orient="bottom", labelLimit=0, columns=LEGEND_COLUMNS),
            ),
            opacity=alt.Opacity(
                "source:N",
                title=None,
                sort=sources,
                scale=alt.Scale(domain=sources, range=[1.0, 0.4]),
                legend=alt.Legend(orient="bottom", labelLimit=0),
            ),
            tooltip=[
                alt.Tooltip("batch:O", title="Batch"),
                alt.Tooltip("source:N", title="Bar"),
                alt.Tooltip("class:N", title="Class"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
                alt.Tooltip("given:Q", title="Rows given this class in the batch"),
            ],
        )
    )
    title = "What each batch asked about, against the pool"
    if "strategy" in long.columns:
        order = strategy_order(long["strategy"])
        return (
            chart.properties(height=220)
            .facet(
                column=alt.Column(
                    "strategy:N", title=None, sort=order, header=alt.Header(labelExpr=strategy_label_expr(order))
                )
            )
            .properties(title=title)
        )
    return chart.properties(title=title, height=300)


def pick_scores_chart(scores: pd.DataFrame, undone=()) -> alt.Chart:
    """Where the picks fall: a box per batch with each picked row as a jittered dot.

    scores: `pick_scores` [batch, row, score, strategy] (dots coloured by the
    strategy that picked them: a cold start's distances and a margin are
    different scales), or `comparison_pick_scores` [strategy, seed, batch,
    row, score] (one row panel per strategy, each with its own score axis).
    undone: numbers of undone batches, kept in their place on the axis and marked.
    """
    tooltip = [
        alt.Tooltip("batch:O", title="Batch"),
        alt.Tooltip("row:Q", title="Row"),
        alt.Tooltip("score:Q", title="Score", format=".3f"),
        alt.Tooltip("strategy:N", title="Strategy"),
    ]
    if "seed" in scores.columns:
        tooltip.append(alt.Tooltip("seed:Q", title="Seed"))
    x = batch_x(scores["batch"], undone)
    y = alt.Y("score:Q", title="Score", scale=alt.Scale(zero=False))
    box = alt.Chart().mark_boxplot(extent="min-max", color=REFERENCE_COLOR, opacity=0.35, size=18).encode(x=x, y=y)
    dots = (
        alt.Chart()
        .transform_calculate(jitter="(random() - 0.5) * 14")
        .mark_circle(size=30, opacity=0.8)
        .encode(
            x=x,
            y=y,
            xOffset=alt.XOffset("jitter:Q", scale=alt.Scale(domain=[-20, 20]), title=None),
            color=_strategy_color_encoding(scores["strategy"]).legend(
                orient="bottom", symbolType="circle", labelLimit=0, columns=STRATEGY_LEGEND_COLUMNS
            ),
            tooltip=tooltip,
        )
    )
    layered = alt.layer(box, dots, data=scores)
    title = "Scores of the picked rows, batch by batch"
    if "seed" in scores.columns:
        order = strategy_order(scores["strategy"])
        return (
            layered.properties(height=160)
            .facet(
                row=alt.Row(
                    "strategy:N", title=None, sort=order, header=alt.Header(labelExpr=strategy_label_expr(order))
                )
            )
            .resolve_scale(y="independent")
            .properties(title=title)
        )
    return layered.properties(title=title, height=300)


def _tooltip_money(frame: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Money columns as words ("$4.50", "—" where a batch gained nothing) for tooltips."""
    frame = frame.copy()
    frame["cost_per_point_text"] = frame["cost_per_point"].map(lambda value: fmt_money(value, currency))
    if "cost" in frame.columns:
        frame["cost_text"] = frame["cost"].map(lambda value: fmt_money(value, currency))
    return frame


def batch_gain_chart(gains: pd.DataFrame, currency: str = "$", min_points: float = 1.0) -> alt.Chart:
    """Bars of accuracy points each batch bought; batches under `min_points` are grey.

    gains: `batch_gains` [batch, n_labeled, estimate, batch_size, gain_points,
    cost, cost_per_point], and `undone` (such a batch keeps its place, marked, with no bar); a `changed_share` column (from
    `prediction_changes`, merged on batch) joins the tooltip when present.
    """
    undone = gains.loc[gains["undone"], "batch"] if "undone" in gains.columns else []
    frame = _tooltip_money(gains.dropna(subset=["gain_points"]), currency)
    tooltip = [
        alt.Tooltip("batch:O", title="Batch"),
        alt.Tooltip("n_labeled:Q", title="Labels so far", format=","),
        alt.Tooltip("gain_points:Q", title="Points gained", format="+.1f"),
        alt.Tooltip("cost_text:N", title="Cost of the batch"),
        alt.Tooltip("cost_per_point_text:N", title="Cost per accuracy point"),
    ]
    if "changed_share" in frame.columns:
        tooltip.append(alt.Tooltip("changed_share:Q", title="Predictions changed", format=".1%"))
    small = alt.datum.gain_points < min_points
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=batch_x(frame["batch"], undone),
            y=alt.Y("gain_points:Q", title="Accuracy points gained"),
            color=alt.condition(small, alt.value(REFERENCE_COLOR), alt.value(PALETTE[0])),
            tooltip=tooltip,
        )
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color=REFERENCE_COLOR).encode(y="zero:Q")
    return alt.layer(bars, zero).properties(title="What each batch bought", height=240)


def strategy_gain_chart(gains: pd.DataFrame, currency: str = "$") -> alt.Chart:
    """Lines of the mean points each round bought, per strategy (random grey), against labels so far.

    gains: `strategy_gains` [strategy, round, n_labeled, batch_size, gain_points, cost, cost_per_point, n_seeds].
    """
    frame = _tooltip_money(gains, currency)
    names = strategy_order(frame["strategy"])
    tooltip = [
        alt.Tooltip("strategy:N", title="Strategy"),
        alt.Tooltip("round:Q", title="Round"),
        alt.Tooltip("n_labeled:Q", title="Labels so far", format=",.0f"),
        alt.Tooltip("gain_points:Q", title="Mean points gained", format="+.2f"),
        alt.Tooltip("cost_per_point_text:N", title="Cost per accuracy point"),
        alt.Tooltip("n_seeds:Q", title="Seeds"),
    ]
    base = alt.Chart(frame).encode(
        x=alt.X("n_labeled:Q", title="Labels so far", axis=alt.Axis(format=",.0f", tickMinStep=1)),
        y=alt.Y("gain_points:Q", title="Points gained"),
        color=_strategy_color_encoding(names),
    )
    lines = base.mark_line()
    points = base.mark_point(filled=True, size=28).encode(tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color=REFERENCE_COLOR).encode(y="zero:Q")
    return alt.layer(lines, points, zero).properties(title="What each round bought, per strategy", height=300)
