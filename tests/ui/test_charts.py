"""The dashboard's chart builders: their Altair specs (no Streamlit run)."""

import json
import re

import pandas as pd
import vl_convert

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


def x_tick_labels(chart, width: int = 880) -> list[str]:
    """The x axis's tick labels as a browser draws them, the chart `width` px wide (a page's at 1280 px)."""
    svg = vl_convert.vegalite_to_svg(chart.properties(width=width).to_dict())
    axis = svg[svg.index('aria-label="X-axis') : svg.index('aria-label="Y-axis')]
    return re.findall(r">([^<>]+)</text>", axis.split("role-axis-label")[1].split("role-axis-title")[0])


def test_labels_spent_are_ticked_in_whole_labels_each_named_once():
    """mtcars with label carb ran from 16 labels to 22: at 1280 px the axis read "16 16 16 17 17 17 17 17 18…",
    ticks every fifth of a label rounded to whole numbers."""
    bands = _bands().assign(n_labeled=lambda frame: frame["n_labeled"].map({20: 16, 30: 19, 40: 22}))
    labels = x_tick_labels(charts.learning_curve_chart(bands, target=0.7))
    assert labels == sorted(set(labels), key=int) and labels[0] == "16" and labels[-1] == "22"


def test_a_curve_without_a_band_draws_none_and_says_why():
    """Bands from 2 seeds (NaN bounds, as `curve_bands` gives them) are filtered out of the area layer;
    the subtitle says a band needs 3 seeds. With a band, no such words."""
    without = _bands().assign(low=float("nan"), high=float("nan"))
    spec = charts.learning_curve_chart(without, target=0.8).to_dict()
    area = spec["layer"][0]
    assert area["mark"]["type"] == "area"
    assert area["transform"] == [{"filter": "isValid(datum.low) && isValid(datum.high)"}]
    assert spec["title"]["subtitle"][1] == "No 95% band: a band needs at least 3 seeds, and this run has 2"
    with_band = charts.learning_curve_chart(_bands(), target=0.8).to_dict()
    assert "band" not in str(with_band["title"]["subtitle"])


def test_savings_chart_draws_wins_losses_bounds_whiskers_and_seeds():
    from alcore.experiment.metrics import summarize
    from tests.experiment.test_metrics import comparison_of
    from tests.experiment.test_verdict import runs

    needed = {
        "random": [50] * 6,
        "margin": [30, 30, 30, 30, 40, 20],
        "entropy": [None] * 6,
        "kcenter": [None, None, 20, 20, 20, 20],
    }
    summary = summarize(comparison_of(runs(needed)), target=0.9, cost_per_label=5.0)
    spec = charts.savings_chart(summary, measure="money", currency="€", cost_per_label=5.0).to_dict()
    bars, whiskers = spec["layer"][0], spec["layer"][1]
    rows = {row["strategy"]: row for row in _layer_rows(spec, bars)}
    assert set(rows) == {"margin", "entropy", "kcenter"}  # random is the reference, not a bar
    assert bars["encoding"]["x"]["field"] == "money_saved"
    assert rows["margin"]["outcome"] == "saved" and rows["margin"]["money_saved"] == 100
    assert rows["margin"]["label"] == "Margin (margin): €100 · beats random · 6 of 6 seeds reached (random 6 of 6)"
    # entropy never reached what random reached on every seed: a loss of at least €250, drawn left of zero.
    assert rows["entropy"]["money_saved"] < 0 and rows["entropy"]["label"].startswith(
        "Entropy (entropy): at least €250 more spent"
    )
    # kcenter saved 30 on four seeds and missed on two: only a bound, drawn grey.
    assert rows["kcenter"]["outcome"] == "open" and "at most €16.50" in rows["kcenter"]["label"]
    assert rows["entropy"]["outcome"] == "lost"  # random clearly better: red
    assert whiskers["mark"]["type"] == "errorbar"
    assert {whiskers["encoding"]["x"]["field"], whiskers["encoding"]["x2"]["field"]} == {
        "money_saved_low",
        "money_saved_high",
    }
    assert rows["margin"]["money_saved_low"] < 100 < rows["margin"]["money_saved_high"]
    colors = bars["encoding"]["color"]["scale"]
    assert dict(zip(colors["domain"], colors["range"]))["lost"] == charts.OUTCOME_COLORS["lost"]
    ticks = bars["encoding"]["x"]["axis"]["labelExpr"]  # money ticks carry the currency: "€6,975", "-€25"
    assert "'€' + format(abs(datum.value), ',.0f')" in ticks and "'-'" in ticks


def test_a_saving_the_test_cannot_tell_from_luck_is_drawn_grey_not_green():
    from alcore.experiment.metrics import summarize
    from tests.experiment.test_metrics import comparison_of
    from tests.experiment.test_verdict import runs

    summary = summarize(comparison_of(runs({"random": [50] * 6, "margin": [40, 40, 40, 60, 60, 45]})), target=0.9)
    spec = charts.savings_chart(summary).to_dict()
    (row,) = _layer_rows(spec, spec["layer"][0])
    assert row["labels_saved"] > 0 and "no clear difference" in row["label"] and row["outcome"] == "open"


def test_each_savings_bar_has_its_words_above_it_not_beside_it():
    """At 420 px the words beside the bars (an axis label up to 560 px) took the whole width and no bar was
    drawn; at 1280 px the legend's last line ran out of the chart. The words now go above each bar in two
    lines, as wide as the plot, and the legend's long line is broken into three."""
    from alcore.experiment.metrics import summarize
    from tests.experiment.test_metrics import comparison_of
    from tests.experiment.test_verdict import runs

    needed = {"random": [50] * 6, "margin": [30, 30, 30, 30, 40, 20]}
    spec = charts.savings_chart(summarize(comparison_of(runs(needed)), target=0.9)).to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["y"]["axis"] is None  # no labels beside the bars
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    assert text["mark"]["limit"] == {"expr": "width"} and text["encoding"]["x"] == {"value": 0}
    (row,) = _layer_rows(spec, text)
    first, second = row[text["encoding"]["text"]["field"]].split(text["mark"]["lineBreak"])
    assert first == "Margin (margin): 20" and second == "beats random · 6 of 6 seeds reached (random 6 of 6)"
    assert f"{first} · {second}" == row["label"]  # the same words as the headline, the table and the tooltip
    assert "['no clear difference, or not known'," in bars["encoding"]["color"]["legend"]["labelExpr"]


def test_legends_and_panel_headers_name_each_strategy_in_plain_words():
    spec = charts.learning_curve_chart(_bands(), target=0.8).to_dict()
    legend = next(
        layer["encoding"]["color"]["legend"] for layer in spec["layer"] if "color" in layer.get("encoding", {})
    )
    assert "'Margin (margin)'" in legend["labelExpr"] and "'Random (random), the reference'" in legend["labelExpr"]


def test_a_chart_for_a_slide_carries_title_dataset_seeds_target_and_headline():
    chart = charts.for_slide(charts.learning_curve_chart(_bands(), target=0.8), "Curves", "digits, 6 seeds", "x " * 100)
    title = chart.to_dict()["title"]
    assert title["text"] == "Curves" and title["subtitle"][0] == "digits, 6 seeds"
    assert " ".join(title["subtitle"][1:-1]) == ("x " * 100).strip()
    assert title["subtitle"][-1] == "Dashed line: the target, 80%"  # the chart's own subtitle is kept
    assert "digits, 6 seeds" in charts.chart_html(chart)
    no_band = _bands().assign(low=float("nan"), high=float("nan"))
    slide = charts.for_slide(charts.learning_curve_chart(no_band), "Curves", "digits, 2 seeds", "x")
    assert slide.to_dict()["title"]["subtitle"][-1].startswith("No 95% band: a band needs at least 3 seeds")


def test_charts_export_as_png_and_standalone_html():
    chart = charts.learning_curve_chart(_bands(), target=0.8)
    assert charts.chart_png(chart, scale=1).startswith(b"\x89PNG")
    html = charts.chart_html(chart)
    assert "<html" in html and "cdn.jsdelivr" not in html


def test_text_in_a_chart_cannot_run_as_script_in_its_html_page():
    """A dataset's name comes from a file name or a link's name=, and the slide's subtitle carries it: the
    downloaded page must show it, not run it (it used to close the spec's <script> element and open its own)."""
    name = "</script><script>document.title='taken'</script> & <b>"
    html = charts.chart_html(charts.for_slide(charts.learning_curve_chart(_bands()), "Curves", name, "x"))
    assert "</script><script>document.title" not in html and "<b>" not in html
    spec = json.loads(html.split("const spec = ", 1)[1].split(";\n", 1)[0])
    assert spec["title"]["subtitle"][0] == name  # the same text, once JavaScript reads the escapes


def test_long_class_names_that_start_alike_stay_apart_beside_their_bars():
    """Ecdat's breaches: three classes starting "Unauthorized Access/Disclosure, " all read "Unauthorized Acc…"."""
    names = [f"Unauthorized Access/Disclosure, {end}" for end in ("Hacking/IT Incident", "Other", "Unknown")]
    chart = charts.class_counts_chart(pd.DataFrame({"class": [*names, "Theft"], "rows": [9, 5, 3, 516]}))
    svg = vl_convert.vegalite_to_svg(chart.properties(width=400).to_dict())
    axis = svg[svg.index('aria-label="Y-axis') :]
    labels = re.findall(r">([^<>]+)</text>", axis.split("role-axis-label")[1])
    assert len(set(labels)) == 4 and "Theft" in labels
    assert any(label.endswith("Unknown") for label in labels)
