"""One run, every place its figures appear: headline, table, chart, command line, CSV and JSON agree."""

import io
import json

import pandas as pd
import pytest

from alcore.cli import _format_summary
from alcore.core.strategies import strategy_label
from alcore.experiment.metrics import summarize
from alcore.experiment.report import headline, results_document, results_json, saving_figures, summary_csv
from alcore.experiment.simulation import compare
from alcore.experiment.verdict import lead
from alcore.io.datasets import load_demo, to_features
from ui.charts import savings_chart
from ui.explore_ui import summary_table

COST, CURRENCY, TARGET = 2.5, "€", 0.9


@pytest.fixture(scope="module")
def one_run():
    wine = load_demo("wine")
    X, y = to_features(wine), wine.labels().to_numpy()
    comparison = compare(X, y, ["margin", "entropy"], model="logreg", seeds=6, initial=6, batch_size=6, budget=60)
    return comparison


def test_every_view_of_one_run_shows_the_same_figures(one_run):
    summary = summarize(one_run, TARGET, True, COST)
    document = results_document(one_run, TARGET, True, COST, currency=CURRENCY)
    from_json = pd.DataFrame(json.loads(results_json(document))["summary"])
    from_csv = pd.read_csv(io.StringIO(summary_csv(document)))
    numbers = ["labels_to_target", "random_labels_to_target", "labels_saved", "money_saved", "p_value"]
    for column in numbers + ["seeds_reaching_target", "labels_saved_low"]:
        pd.testing.assert_series_equal(from_json[column], summary[column], check_dtype=False, check_names=False)
        pd.testing.assert_series_equal(from_csv[column], summary[column], check_dtype=False, check_names=False)
    assert list(from_json["verdict"]) == list(summary["verdict"]) == list(from_csv["verdict"])

    sentence = headline(summary, TARGET, True, COST, CURRENCY)
    assert document["headline"] == sentence
    table = summary_table(summary, COST, CURRENCY)
    table.index = summary["strategy"]  # the table names each strategy in plain words beside its code name
    assert list(table["Strategy"]) == [strategy_label(name) for name in summary["strategy"]]
    cli = _format_summary(summary, COST, CURRENCY)
    chart = savings_chart(summary, "money", CURRENCY, COST).to_dict()
    chart_labels = {row["strategy"]: row["label"] for row in chart["datasets"][chart["layer"][0]["data"]["name"]]}
    for row in summary.to_dict(orient="records"):
        figures = saving_figures(row, COST, CURRENCY)
        name = row["strategy"]
        assert table.loc[name, "Labels to target"] == figures["labels_to_target"]
        assert table.loc[name, "Random needed"] == figures["random_needed"]
        assert table.loc[name, "Labels saved"] == figures["labels_saved"]
        assert table.loc[name, "Money saved"] == figures["money_saved"]
        assert table.loc[name, "Verdict"] == figures["verdict"]
        cli_line = next(line for line in cli.splitlines() if line.startswith(strategy_label(name) + " "))
        assert figures["labels_to_target"] in cli_line and figures["verdict"] in cli_line
        assert figures["money_saved"] in cli_line
        if name != "random":
            assert figures["money_saved"] in chart_labels[name] and figures["verdict"] in chart_labels[name]
            assert figures["labels_saved"] in cli_line
            # Every claim of savings states the comparison, the seeds that reached the target and the interval
            # (or why there is none).
            reached = f"{row['seeds_reaching_target']} of {row['n_seeds']} seeds reached"
            random_reached = f"random {row['random_seeds_reaching_target']} of {row['n_seeds']}"
            assert reached in chart_labels[name] and random_reached in chart_labels[name]
            assert figures["random_needed"] in cli_line and figures["interval"] in cli_line
            assert table.loc[name, "Labels saved, 95% interval"] == figures["interval"] != "—"
    _, lead_row = lead(summary.to_dict(orient="records"))
    figures = saving_figures(lead_row, COST, CURRENCY)
    assert figures["labels_to_target"] in sentence and figures["random_needed"] in sentence
    if lead_row["verdict"] in ("win", "at_least", "random_better"):
        assert "95% interval" in sentence and "paired test" in sentence


def test_explore_the_command_line_and_the_api_run_the_same_seeds_by_default():
    import inspect

    from alcore.cli import build_parser
    from alcore.experiment.verdict import DEFAULT_SEEDS, seeds_needed
    from ui.explore_ui import DEFAULTS

    api = inspect.signature(compare).parameters["seeds"].default
    cli = build_parser().parse_args(["simulate", "demo:iris"]).seeds
    assert api == cli == DEFAULTS["seeds"] == DEFAULT_SEEDS >= seeds_needed(len(DEFAULTS["strategies"])) >= 5


def test_explore_the_command_line_the_api_and_labeling_projects_start_from_the_same_strategy():
    import inspect

    from alcore.cli import build_parser
    from alcore.core.learner import DEFAULT_STRATEGY, ActiveLearner
    from alcore.experiment.simulation import simulate
    from alcore.labeling.session import LabelingSession
    from ui.explore_ui import DEFAULTS

    cli = build_parser().parse_args(["simulate", "demo:iris"]).strategies
    api = inspect.signature(ActiveLearner).parameters["strategy"].default
    simulated = inspect.signature(simulate).parameters["strategy"].default
    project = inspect.signature(LabelingSession.create).parameters["strategy"].default
    assert api == simulated == project == cli[0] == DEFAULTS["strategies"][0] == DEFAULT_STRATEGY
