"""The dashboard's chart builders: their Altair specs (no Streamlit run)."""

import math

import pandas as pd

from ui import charts


def test_a_strategy_keeps_its_colour_whoever_runs_beside_it():
    alone = charts.strategy_color_scale(["random", "entropy"])
    crowd = charts.strategy_color_scale(["kcenter", "margin", "entropy", "random", "my_own"])
    assert dict(zip(alone.domain, alone.range))["entropy"] == dict(zip(crowd.domain, crowd.range))["entropy"]
    assert crowd.domain[0] == "random" and crowd.range[0] == charts.REFERENCE_COLOR
    assert len(set(crowd.range)) == len(crowd.range)


def _layer_rows(spec: dict, layer: dict) -> list[dict]:
    """The data rows a layer draws (Altair moves inline data to top-level `datasets`)."""
    data = layer.get("data", spec.get("data"))
    return data["values"] if "values" in data else spec["datasets"][data["name"]]


def _bands() -> pd.DataFrame:
    rows = []
    for strategy, start in [("random", 0.6), ("margin", 0.7)]:
        for n_labeled in (20, 30, 40):
            mean = start + n_labeled / 500
            rows.append(
                dict(strategy=strategy, n_labeled=n_labeled, mean=mean, low=mean - 0.02, high=mean + 0.02, n_seeds=2)
            )
    return pd.DataFrame(rows)


def test_learning_curve_has_bands_lines_tooltips_and_a_dashed_target():
    spec = charts.learning_curve_chart(_bands(), target=0.8).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks[:3] == ["area", "line", "point"]
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert rule["mark"]["strokeDash"] and _layer_rows(spec, rule)[0]["target"] == 0.8
    points = spec["layer"][2]["encoding"]
    assert {t["field"] for t in points["tooltip"]} >= {"strategy", "n_labeled", "mean", "low", "high", "n_seeds"}
    line = spec["layer"][1]["encoding"]
    assert "random" in line["strokeWidth"]["condition"]["test"]  # the reference is drawn thicker
    assert line["color"]["scale"]["range"][0] == charts.REFERENCE_COLOR


def test_savings_chart_leaves_out_random_and_names_a_miss():
    summary = pd.DataFrame(
        dict(strategy=["random", "margin", "entropy"], labels_saved=[0, 150, math.nan], money_saved=[0, 750, math.nan])
    )
    spec = charts.savings_chart(summary, measure="money", currency="€").to_dict()
    values = _layer_rows(spec, spec["layer"][0])
    assert [row["strategy"] for row in values] == ["margin", "entropy"]
    assert values[1]["note"] == "did not reach the target"
    assert spec["layer"][0]["encoding"]["x"]["field"] == "money_saved"


def test_charts_export_as_png_and_standalone_html():
    chart = charts.learning_curve_chart(_bands(), target=0.8)
    assert charts.chart_png(chart, scale=1).startswith(b"\x89PNG")
    html = charts.chart_html(chart)
    assert "<html" in html and "cdn.jsdelivr" not in html
