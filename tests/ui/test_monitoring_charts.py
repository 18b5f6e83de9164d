"""Monitoring charts: the spec encodes what the page promises (no Streamlit run)."""

from __future__ import annotations

import pandas as pd

from alcore.core.selection import selection_mix
from alcore.experiment import monitoring as comparison_monitoring
from alcore.labeling import monitoring
from tests.ui.test_charts import x_tick_labels
from ui import monitoring_charts


def _rows(spec: dict, data: dict | None = None) -> list[dict]:
    """The rows a chart draws (Altair moves inline data to top-level `datasets`)."""
    data = data or spec["data"]
    return data["values"] if "values" in data else spec["datasets"][data["name"]]


def _mix() -> pd.DataFrame:
    given = pd.DataFrame({"batch": [1, 1, 2, 2], "label": ["cat", "dog", "dog", "dog"]})
    return selection_mix(given, ["cat", "cat", "dog", "bird"], classes=["cat", "dog", "bird"])


def test_class_mix_stacks_classes_with_given_and_predicted_bars_side_by_side():
    spec = monitoring_charts.class_mix_chart(_mix()).to_dict()
    encoding = spec["encoding"]
    assert spec["mark"]["type"] == "bar"
    assert encoding["x"]["field"] == "batch" and encoding["xOffset"]["field"] == "source"
    assert encoding["y"]["field"] == "share" and encoding["y"]["stack"] == "zero"
    assert encoding["color"]["field"] == "class"
    rows = _rows(spec)
    assert {row["source"] for row in rows} == {"Labels given", "Model's predicted mix"}
    batch_one = [row for row in rows if row["batch"] == 1 and row["source"] == "Labels given"]
    assert sum(row["share"] for row in batch_one) == 1.0
    assert {"batch", "source", "class", "share", "given"} <= {t["field"] for t in encoding["tooltip"]}


def test_class_mix_of_a_comparison_has_a_panel_per_strategy_against_the_true_mix():
    batches = pd.DataFrame(
        {
            "strategy": ["margin", "margin", "random"],
            "seed": 0,
            "round": [1, 1, 1],
            "row": [1, 2, 3],
            "label": ["a", "b", "a"],
            "score": 0.5,
        }
    )
    spec = monitoring_charts.class_mix_chart(
        comparison_monitoring.comparison_selection_mix(batches, ["a", "a", "b"])
    ).to_dict()
    assert spec["facet"]["column"]["field"] == "strategy"
    assert spec["facet"]["column"]["sort"] == ["random", "margin"]
    assert {row["source"] for row in _rows(spec)} == {"Labels given", "True mix of the data"}


def test_pick_scores_are_a_box_and_jittered_dots_per_batch():
    scores = pd.DataFrame(
        {"batch": [1, 1, 2], "row": [4, 5, 6], "score": [0.9, 0.5, 0.7], "strategy": ["kcenter", "kcenter", "margin"]}
    )
    spec = monitoring_charts.pick_scores_chart(scores).to_dict()
    box, dots = spec["layer"]
    assert box["mark"]["type"] == "boxplot" and dots["mark"]["type"] == "circle"
    assert dots["encoding"]["x"]["field"] == "batch" and dots["encoding"]["y"]["field"] == "score"
    assert dots["encoding"]["xOffset"]["field"] == "jitter"
    assert dots["encoding"]["color"]["field"] == "strategy"
    assert {t["field"] for t in dots["encoding"]["tooltip"]} == {"batch", "row", "score", "strategy"}


def test_pick_scores_of_a_comparison_have_a_panel_per_strategy_each_with_its_own_axis():
    scores = pd.DataFrame(
        {"strategy": ["margin", "random"], "seed": [0, 0], "batch": [1, 1], "row": [1, 2], "score": [0.1, 0.9]}
    )
    spec = monitoring_charts.pick_scores_chart(scores).to_dict()
    assert spec["facet"]["row"]["field"] == "strategy" and spec["resolve"]["scale"]["y"] == "independent"


def _gains() -> pd.DataFrame:
    quality = pd.DataFrame({"batch": [1, 2, 3, 4], "n_labeled": [10, 20, 30, 40], "estimate": [0.6, 0.7, 0.705, 0.7]})
    return monitoring.batch_gains(quality, cost_per_label=1.5)


def test_batch_gain_bars_carry_cost_per_point_in_the_tooltip_and_grey_small_gains():
    spec = monitoring_charts.batch_gain_chart(_gains(), currency="€").to_dict()
    bars = spec["layer"][0]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["x"]["field"] == "batch" and bars["encoding"]["y"]["field"] == "gain_points"
    assert "gain_points < 1" in bars["encoding"]["color"]["condition"]["test"]
    fields = {t["field"] for t in bars["encoding"]["tooltip"]}
    assert {"cost_per_point_text", "cost_text", "gain_points", "n_labeled"} <= fields
    rows = {row["batch"]: row for row in _rows(spec, bars.get("data", spec.get("data")))}
    assert 1 not in rows  # no earlier estimate, no gain to draw
    assert rows[2]["cost_per_point_text"] == "€1.50" and rows[4]["cost_per_point_text"] == "—"


def test_batch_gain_tooltip_shows_changed_predictions_when_given():
    gains = _gains().merge(monitoring.prediction_changes({2: ["a", "b"], 3: ["a", "a"], 4: ["a", "a"]}), on="batch")
    bars = monitoring_charts.batch_gain_chart(gains).to_dict()["layer"][0]
    assert "changed_share" in {t["field"] for t in bars["encoding"]["tooltip"]}


def test_strategy_gain_lines_use_the_strategy_colours():
    curves = pd.DataFrame(
        {
            "strategy": ["random"] * 3 + ["margin"] * 3,
            "seed": 0,
            "round": [0, 1, 2] * 2,
            "n_labeled": [20, 30, 40] * 2,
            "accuracy": [0.6, 0.62, 0.63, 0.6, 0.7, 0.72],
        }
    )
    spec = monitoring_charts.strategy_gain_chart(comparison_monitoring.strategy_gains(curves)).to_dict()
    lines, points, _ = spec["layer"]
    assert lines["mark"]["type"] == "line" and points["mark"]["type"] == "point"
    color = lines["encoding"]["color"]
    assert color["field"] == "strategy" and color["scale"]["domain"] == ["random", "margin"]
    assert lines["encoding"]["x"]["field"] == "n_labeled" and lines["encoding"]["y"]["field"] == "gain_points"
    assert {"cost_per_point_text", "gain_points", "n_seeds"} <= {t["field"] for t in points["encoding"]["tooltip"]}


def test_what_each_round_bought_ticks_labels_so_far_in_whole_labels():
    """mtcars with label carb bought one round, at 22 labels: its axis read "22.000000"; with two rounds
    a few labels apart it read 16.5, 17.5 labels."""
    curves = pd.DataFrame(
        {
            "strategy": ["random"] * 3,
            "seed": 0,
            "round": [0, 1, 2],
            "n_labeled": [16, 19, 22],
            "accuracy": [0.5, 0.55, 0.6],
        }
    )
    chart = monitoring_charts.strategy_gain_chart(comparison_monitoring.strategy_gains(curves))
    labels = x_tick_labels(chart)
    assert all(label.isdigit() for label in labels), labels
    assert labels == [str(n) for n in range(int(labels[0]), int(labels[-1]) + 1)], labels
    one_round = monitoring_charts.strategy_gain_chart(comparison_monitoring.strategy_gains(curves.head(2)))
    assert one_round.to_dict()["layer"][0]["encoding"]["x"]["axis"]["format"] == ",.0f"


def test_an_undone_batch_keeps_its_place_on_the_batch_axis_marked_undone():
    given = pd.DataFrame({"batch": [1, 1, 3, 3], "label": ["cat", "dog", "dog", "dog"]})
    mix = selection_mix(given, None, classes=["cat", "dog"])
    x = monitoring_charts.class_mix_chart(mix, undone=[2]).to_dict()["encoding"]["x"]
    assert x["scale"]["domain"] == [1, 2, 3]
    assert "datum.value == 2" in x["axis"]["labelExpr"] and "undone" in x["axis"]["labelExpr"]
    plain = monitoring_charts.class_mix_chart(mix).to_dict()["encoding"]["x"]
    assert plain["scale"]["domain"] == [1, 3] and plain["axis"]["labelExpr"] == "datum.label"
