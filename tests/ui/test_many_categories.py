"""Charts for many categories: a colour of its own for each of 26 classes or 20 strategies, legends
whose labels are never cut and that wrap, lines hidden under others said in words, the target named
in the subtitle rather than over the curves."""

import pandas as pd

from alcore.core.strategies import strategy_names
from ui.charts import learning_curve_chart, overlapping_lines, strategy_colors
from ui.monitoring_charts import class_mix_chart


def _bands(curves: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {
            "strategy": name,
            "n_labeled": 10 * (i + 1),
            "mean": value,
            "low": value - 0.02,
            "high": value + 0.02,
            "n_seeds": 3,
        }
        for name, values in curves.items()
        for i, value in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_every_registered_strategy_gets_its_own_colour():
    colors = strategy_colors(strategy_names())
    assert len(colors) >= 15
    assert len(set(colors.values())) == len(colors)


def test_26_classes_get_26_colours_and_a_legend_that_is_never_cut():
    mix = pd.DataFrame(
        [
            {"batch": 1, "class": chr(65 + i) * 12, "given": 1, "given_share": 1 / 26, "predicted_share": 1 / 26}
            for i in range(26)
        ]
    )
    spec = class_mix_chart(mix).to_dict()
    color = spec["encoding"]["color"]
    assert len(set(color["scale"]["range"])) >= 26
    assert color["legend"]["labelLimit"] == 0 and color["legend"]["orient"] == "bottom"


def test_learning_curve_legend_keeps_whole_names_one_per_line():
    chart = learning_curve_chart(_bands({"random": [0.5, 0.6], "expected_gradient_length": [0.6, 0.7]}), 0.65)
    legend = chart.to_dict()["layer"][1]["encoding"]["color"]["legend"]
    assert legend["labelLimit"] == 0 and legend["columns"] == 1


def test_the_target_is_named_in_the_subtitle_not_over_the_curves():
    spec = learning_curve_chart(_bands({"random": [0.5, 0.6]}), 0.6, target_label="95% of full").to_dict()
    assert spec["title"]["subtitle"] == "Dashed line: the target, 95% of full"
    assert all(layer["mark"]["type"] != "text" for layer in spec["layer"])


def test_a_line_exactly_under_another_is_found():
    same = [0.5, 0.7, 0.8]
    bands = _bands({"random": [0.4, 0.5, 0.6], "margin": same, "entropy": same})
    assert overlapping_lines(bands) == [("margin", "entropy")]
    assert overlapping_lines(_bands({"random": [0.4, 0.5], "margin": [0.5, 0.7]})) == []
