"""Altair charts for the pages. Each function takes a tidy frame and returns a chart.

Colours: every chart colours a strategy through `strategy_color_scale`, so "margin" is
the same blue on the learning curves, on the savings bars and in every other run, and `random` (the
reference every strategy is measured against) is always the same neutral grey.
"""

from __future__ import annotations

import io
import json
import math
import textwrap
from collections.abc import Iterable

import altair as alt
import pandas as pd

from alcore.core.strategies import strategy_label
from alcore.experiment.metrics import MIN_SEEDS_FOR_BAND
from alcore.experiment.report import saving_figures
from alcore.experiment.verdict import WINNING

REFERENCE = "random"
REFERENCE_COLOR = "#6b6b6b"
TARGET_COLOR = "#1f2933"
# Colour-blind-friendly hues first (Tableau 10 without its grey, which is random's), then their light partners
# (Tableau 20) and darker shades, so up to 27 strategies or classes in one chart each get their own colour.
PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
    "#a0cbe8", "#ffbe7d", "#8cd17d", "#b6992d", "#f1ce63", "#86bcb6", "#d37295", "#fabfd2", "#d4a6c8",
    "#2b4a6f", "#a14f0b", "#8c1c2a", "#2f6b66", "#2f5e27", "#7a6200", "#6b3f63", "#c2185b", "#5c4033",
]  # fmt: skip
# The strategies that ship with alcore keep their hue whichever others run beside them.
_FIXED_COLORS = {
    "margin": PALETTE[0],
    "entropy": PALETTE[1],
    "least_confidence": PALETTE[2],
    "kcenter": PALETTE[3],
    "diverse_margin": PALETTE[4],
}


LEGEND_COLUMNS = 2
"""Legend entries per row: a legend of many classes wraps instead of running off a narrow screen."""
STRATEGY_LEGEND_COLUMNS = 1
"""A strategy's legend entry is its plain name beside its code name ("Expected error reduction, log loss
(eer_log_loss)"), as wide as a 420 px chart: one per line, never cut."""


def vega_string(text: str) -> str:
    """`text` as a quoted string literal of a Vega expression."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def strategy_label_expr(names: Iterable[str], field: str = "datum.label") -> str:
    """A Vega expression that writes each strategy's code name as `strategy_label` does ("Margin (margin)"),
    random marked as the reference: for legends and facet headers, whose data keep the code names."""
    expression = field
    for name in reversed(strategy_order(names)):
        words = strategy_label(name) + (", the reference" if name == REFERENCE else "")
        expression = f"{field} == {vega_string(name)} ? {vega_string(words)} : {expression}"
    return expression


def strategy_order(names: Iterable[str]) -> list[str]:
    """Distinct names, `random` first (the reference), then alphabetical."""
    distinct = set(names)
    return ([REFERENCE] if REFERENCE in distinct else []) + sorted(distinct - {REFERENCE})


def strategy_colors(names: Iterable[str]) -> dict[str, str]:
    """Colour of each strategy: random grey, the shipped strategies their fixed hue, and
    any other name (sorted) the next hue no shipped strategy uses, so the colours in one
    chart are distinct (for up to nine strategies) and the same in every chart of a run."""
    order = strategy_order(names)
    spare = [color for color in PALETTE if color not in _FIXED_COLORS.values()]
    others = [name for name in order if name != REFERENCE and name not in _FIXED_COLORS]
    colors = {name: spare[i % len(spare)] for i, name in enumerate(others)}
    colors.update({name: _FIXED_COLORS[name] for name in order if name in _FIXED_COLORS})
    if REFERENCE in order:
        colors[REFERENCE] = REFERENCE_COLOR
    return {name: colors[name] for name in order}


def strategy_color_scale(names: Iterable[str]) -> alt.Scale:
    """The Altair colour scale every chart uses for the `strategy` field."""
    colors = strategy_colors(names)
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def _strategy_color_encoding(names: Iterable[str], legend: bool = True) -> alt.Color:
    domain = strategy_order(names)
    return alt.Color(
        "strategy:N",
        title="Strategy",
        scale=strategy_color_scale(domain),
        sort=domain,
        legend=alt.Legend(
            orient="bottom",
            direction="horizontal",
            symbolType="stroke",
            symbolOpacity=1,
            symbolStrokeWidth=3,
            labelLimit=0,  # never "expe…": the whole name
            columns=STRATEGY_LEGEND_COLUMNS,
            labelExpr=strategy_label_expr(domain),
        )
        if legend
        else None,
    )


def learning_curve_chart(
    bands: pd.DataFrame,
    target: float | None = None,
    metric_label: str = "Accuracy",
    title: str = "Learning curves: quality against labels spent",
    target_label: str | None = None,
) -> alt.LayerChart:
    """One line per strategy with its 95% band over seeds; a dashed rule at `target`.

    A strategy run on fewer than MIN_SEEDS_FOR_BAND seeds (NaN low/high) has no band,
    and the subtitle says why, so the chart stands alone on a slide.

    bands: one row per (strategy, n_labeled) with columns strategy, n_labeled,
        mean, low, high, n_seeds (as `alcore.experiment.metrics.curve_bands` returns).
    target: the score to reach, on the metric's own scale (0-1), or None.
    target_label: words for the target ("95% of the full-data accuracy"); default its value.
    `random` is drawn thicker in grey and called "random (reference)" in the legend.
    """
    names = bands["strategy"].unique()
    color = _strategy_color_encoding(names)
    is_reference = alt.datum.strategy == REFERENCE
    x = alt.X("n_labeled:Q", title="Labels spent", axis=alt.Axis(format=",d", tickMinStep=1))
    y_axis = alt.Axis(format=".0%", title=metric_label)
    tooltip = [
        alt.Tooltip("strategy:N", title="Strategy"),
        alt.Tooltip("n_labeled:Q", title="Labels", format=","),
        alt.Tooltip("mean:Q", title=f"Mean {metric_label.lower()}", format=".1%"),
        alt.Tooltip("low:Q", title="95% interval from", format=".1%"),
        alt.Tooltip("high:Q", title="95% interval to", format=".1%"),
        alt.Tooltip("n_seeds:Q", title="Seeds"),
    ]
    base = alt.Chart(bands).encode(x=x, color=color)
    # The axis follows the mean curves; a band wider than that (few seeds) is cut at the edge.
    lowest_mean = float(bands["mean"].min()) if len(bands) else 0.0
    y_scale = alt.Scale(domain=[max(0.0, math.floor((lowest_mean - 0.05) * 20) / 20), 1.0])
    # A strategy run on too few seeds has no band (NaN bounds): its rows are left out of the area.
    band = (
        base.mark_area(opacity=0.15, clip=True)
        .transform_filter("isValid(datum.low) && isValid(datum.high)")
        .encode(y=alt.Y("low:Q", axis=y_axis, scale=y_scale), y2="high:Q")
    )
    line = base.mark_line().encode(
        y=alt.Y("mean:Q", axis=y_axis, scale=y_scale),
        strokeWidth=alt.condition(is_reference, alt.value(4), alt.value(2)),
    )
    points = base.mark_point(filled=True, size=28).encode(y="mean:Q", tooltip=tooltip)
    layers = [band, line, points]
    if target is not None:
        target_frame = pd.DataFrame({"target": [target]})
        rule = (
            alt.Chart(target_frame)
            .mark_rule(strokeDash=[6, 4], color=TARGET_COLOR)
            .encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Target", format=".1%")])
        )
        layers.append(rule)
    # Streamlit fits title, axes and legend inside this height, so it is the whole figure's.
    # The target is named in the subtitle, not beside its line, where the words would cover the curves.
    subtitle = [f"Dashed line: the target, {target_label or format(target, '.0%')}"] if target is not None else []
    without_band = bands.loc[bands["low"].isna(), "n_seeds"]
    if len(without_band):
        subtitle.append(
            f"No 95% band: a band needs at least {MIN_SEEDS_FOR_BAND} seeds, and this run has {without_band.min()}"
        )
    title_params = alt.TitleParams(title, subtitle=subtitle[0] if len(subtitle) == 1 else subtitle or "")
    return alt.layer(*layers).properties(title=title_params, height=440)


OUTCOME_COLORS = {"saved": "#59a14f", "lost": "#e15759", "open": REFERENCE_COLOR}
"""Coloured by the verdict, as the headline reads it: a clear saving green, random clearly better red,
anything else (no clear difference, too few seeds, a bound, unknown) grey, whatever side of zero it falls."""


def savings_chart(
    summary: pd.DataFrame, measure: str = "labels", currency: str = "$", cost_per_label: float = 1.0
) -> alt.Chart:
    """Horizontal bars: labels (or money) each strategy saves against random, with 95% whiskers.

    summary: `alcore.experiment.metrics.summarize`'s frame; random itself is left out.
    Each bar's label carries the same words as the headline and the table ("at least 120",
    "unknown"), the verdict and the seeds that reached the target; a loss is drawn left of zero in red.
    measure: "labels" or "money".
    """
    frame = summary[summary["strategy"] != REFERENCE].copy()
    money = measure == "money"
    key = "money_saved" if money else "labels_saved"
    field, low, high = (f"{key}", f"{key}_low", f"{key}_high")
    title = f"Money saved against random ({currency})" if money else "Labels saved against random"
    figures = [saving_figures(row, cost_per_label, currency) for row in frame.to_dict(orient="records")]
    frame["figure"] = [
        f"{figure[key]} · {figure['verdict']} · {row['seeds_reaching_target']} of {row['n_seeds']} seeds reached"
        f" (random {row['random_seeds_reaching_target']} of {row['n_seeds']})"
        for figure, row in zip(figures, frame.to_dict(orient="records"))
    ]
    frame["outcome"] = frame["verdict"].map(saving_outcome)
    frame.loc[frame["labels_saved_kind"] == "unknown", field] = 0.0
    frame["label"] = frame["strategy"].map(strategy_label) + ": " + frame["figure"]
    # Each bar's words go above it, across the whole width, in two lines: as axis labels beside the bars
    # they took all of a phone's width (no bar left to see) and most of a desktop's.
    frame["caption"] = [
        f"{strategy_label(row['strategy'])}: {figure[key]}\n{figure['verdict']} · {row['seeds_reaching_target']} "
        f"of {row['n_seeds']} seeds reached (random {row['random_seeds_reaching_target']} of {row['n_seeds']})"
        for figure, row in zip(figures, frame.to_dict(orient="records"))
    ]
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", title=None, sort=list(frame.sort_values(field, ascending=False)["label"]), axis=None),
    )
    # Money ticks carry their currency ("$6,975", "-$25"), as every other money figure does.
    ticks = (
        f"(datum.value < 0 ? '-' : '') + {vega_string(currency)} + format(abs(datum.value), ',.0f')" if money else None
    )
    x = alt.X(
        f"{field}:Q",
        title=title,
        axis=alt.Axis(format=",.0f", tickMinStep=1, **({"labelExpr": ticks} if money else {})),
    )
    bars = base.mark_bar(opacity=0.85, size=_BAR_PX).encode(
        x=x,
        color=alt.Color(
            "outcome:N",
            title=None,
            scale=alt.Scale(domain=list(OUTCOME_COLORS), range=list(OUTCOME_COLORS.values())),
            legend=alt.Legend(orient="bottom", direction="vertical", columns=1, labelExpr=_OUTCOME_WORDS, labelLimit=0),
        ),
        tooltip=[alt.Tooltip("strategy:N", title="Strategy"), alt.Tooltip("figure:N", title=title)],
    )
    whiskers = base.mark_errorbar(ticks={"size": _BAR_PX}, color=TARGET_COLOR).encode(
        x=alt.X(f"{low}:Q", title=title), x2=f"{high}:Q"
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color=TARGET_COLOR).encode(x="zero:Q")
    captions = base.mark_text(  # the first line's foot sits one line above the bar, the second's on it
        align="left",
        baseline="bottom",
        lineBreak="\n",
        lineHeight=_LINE_PX,
        fontSize=11,
        dy=-(_BAR_PX // 2 + 3 + _LINE_PX),
        limit={"expr": "width"},
    ).encode(x=alt.value(0), text="caption:N")
    return alt.layer(bars, whiskers, zero, captions).properties(
        # Streamlit fits title, axis and the legend in this height, so the bars and their words get the rest.
        title="Savings against random at the target",
        height=220 + 72 * len(frame),
    )


_BAR_PX, _LINE_PX = 20, 14
"""Each bar's thickness and its words' line height, in pixels: fixed, so the two lines fit above the bar."""


_OUTCOME_WORDS = (
    "datum.label == 'saved' ? 'clearly fewer labels than random' : datum.label == 'lost' ? "
    "'random clearly better' : ['no clear difference, or not known', '(too few seeds, or runs that missed', 'the target)']"
)


def saving_outcome(verdict_key: str) -> str:
    """'saved' for a win (or at least one), 'lost' when random was better, else 'open'.

    A bar's colour must not claim more than its verdict: a saving on these seeds that the test
    cannot tell from luck is drawn grey, like the headline's "no clear difference".
    """
    if verdict_key in WINNING:
        return "saved"
    return "lost" if verdict_key == "random_better" else "open"


def for_slide(chart: alt.TopLevelMixin, title: str, context: str, headline: str) -> alt.TopLevelMixin:
    """The chart titled to stand alone on a slide: its title, then the context (dataset, seeds, target),
    the headline, wrapped, and the chart's own subtitle lines (what the dashed line is, why no band)."""
    own = getattr(chart.title, "subtitle", None) if isinstance(chart.title, alt.TitleParams) else None
    own_lines = [own] if isinstance(own, str) and own else list(own) if isinstance(own, list) else []
    lines = [context, *textwrap.wrap(headline, 120), *own_lines]
    return chart.properties(title=alt.TitleParams(text=title, subtitle=lines, anchor="start", subtitleFontSize=11))


_NAME_CHARS = 28  # about what fits in the axis's 180 pixels
_MIDDLE_CUT = (
    f"length(datum.label) > {_NAME_CHARS} ? slice(datum.label, 0, {_NAME_CHARS // 2 - 1}) + '…' + "
    f"slice(datum.label, -{_NAME_CHARS // 2}) : datum.label"
)
"""A long class name shown by its start and its end: Vega cuts a label at its end, and three of Ecdat's breaches'
classes ("Unauthorized Access/Disclosure, Hacking/IT Incident", "…, Other", "…, Unknown") all read
"Unauthorized Acc…" beside their bars."""


def class_counts_chart(counts: pd.DataFrame) -> alt.Chart:
    """Bars of rows per class. counts: columns `class` and `rows`."""
    return (
        alt.Chart(counts)
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("rows:Q", title="Rows", axis=alt.Axis(format=",d", tickMinStep=1)),
            y=alt.Y("class:N", title=None, sort="-x", axis=alt.Axis(labelExpr=_MIDDLE_CUT)),
            tooltip=[alt.Tooltip("class:N", title="Class"), alt.Tooltip("rows:Q", title="Rows", format=",")],
        )
        .properties(height=70 + 26 * len(counts))
    )


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as a PNG image (rendered with vl-convert, no browser), for slides."""
    buffer = io.BytesIO()
    chart.properties(width=720).save(buffer, format="png", scale_factor=scale)
    return buffer.getvalue()


class _ScriptSafeJSON(json.JSONEncoder):
    """JSON that cannot end the <script> element it is written into: < > & become \\u escapes, which JavaScript
    reads back as the same characters. Altair writes the spec into the page as plain json.dumps, so a title
    holding "</script><script>…" (a dataset's name comes from a file name or a link) ran as script."""

    def encode(self, o) -> str:
        return super().encode(o).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart_html(chart: alt.TopLevelMixin) -> str:
    """A standalone HTML page with the interactive chart (Vega scripts inlined, works offline); text in the
    chart (titles, names, values) stays text, whatever it holds."""
    buffer = io.StringIO()
    chart.properties(width=720).save(buffer, format="html", inline=True, json_kwds={"cls": _ScriptSafeJSON})
    return buffer.getvalue()


def overlapping_lines(bands: pd.DataFrame) -> list[tuple[str, str]]:
    """Pairs (hidden, on top) of strategies whose mean curves are the same at every point, so one line
    lies exactly under the other and would vanish from the chart without a word.

    bands: as `learning_curve_chart` takes. The later strategy in legend order is the one hidden.
    """
    curves = bands.pivot_table(index="n_labeled", columns="strategy", values="mean")
    order = strategy_order(curves.columns)
    pairs = []
    for i, hidden in enumerate(order):
        for shown in order[:i]:
            if (curves[hidden] - curves[shown]).abs().max() < 1e-9:
                pairs.append((hidden, shown))
                break
    return pairs
