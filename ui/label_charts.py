"""Altair charts of the labeling page. Each function takes a tidy frame and returns a chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from alcore.labeling.quality import batch_name
from ui.charts import PALETTE


def quality_chart(quality: pd.DataFrame) -> alt.LayerChart:
    """The model's estimated accuracy after each submitted batch, with its interval.

    quality: one row per submitted batch with columns batch, n_labeled, estimate, low,
        high, method (as `LabelingSession.quality()` returns); estimate/low/high in 0-1,
        NaN while there is too little to estimate (those batches are left out).
    """
    frame = quality.dropna(subset=["estimate"]).copy()
    frame["batch_name"] = frame["batch"].map(batch_name)  # "imported" for the table's own labels
    x = alt.X("n_labeled:Q", title="Labels so far", axis=alt.Axis(format=",d", tickMinStep=1))
    y_axis = alt.Axis(format=".0%", title="Estimated accuracy")
    tooltip = [
        alt.Tooltip("batch_name:N", title="After batch"),
        alt.Tooltip("n_labeled:Q", title="Labels", format=","),
        alt.Tooltip("estimate:Q", title="Estimated accuracy", format=".1%"),
        alt.Tooltip("low:Q", title="Interval from", format=".1%"),
        alt.Tooltip("high:Q", title="Interval to", format=".1%"),
        alt.Tooltip("method:N", title="Estimated by"),
    ]
    # An interval from few labels can pass 0% or 100%; accuracy cannot, so the band is cut there.
    base = alt.Chart(frame).transform_calculate(low="max(datum.low, 0)", high="min(datum.high, 1)").encode(x=x)
    band = base.mark_area(opacity=0.18, color=PALETTE[0]).encode(
        y=alt.Y("low:Q", axis=y_axis, scale=alt.Scale(zero=False, domainMax=1)), y2="high:Q"
    )
    line = base.mark_line(color=PALETTE[0], strokeWidth=2).encode(y=alt.Y("estimate:Q", axis=y_axis))
    points = base.mark_point(filled=True, size=40, color=PALETTE[0]).encode(y="estimate:Q", tooltip=tooltip)
    return alt.layer(band, line, points).properties(title="How good the model is getting", height=260)
