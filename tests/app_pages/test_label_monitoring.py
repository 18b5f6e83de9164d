"""The monitoring panels in Streamlit's AppTest: a planted wrong label is found and fixed with one
click, two labelers' agreement (kappa), the per-batch gain and cost per accuracy point on the Label
page; what each strategy asked about and what each round bought on Explore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alcore.formatting import format_row
from alcore.labeling.store import ProjectStore
from tests.app_pages.test_pages import _run_tiny_comparison
from ui.monitoring_ui import EXPLORE_OPEN

APP = str(Path(__file__).resolve().parents[2] / "app.py")
OPEN = "label.monitoring.open"


@pytest.fixture(scope="module")
def project(tmp_path_factory, plant_project):
    """(folder, project id, true labels, the wrong row) of the shared planted project."""
    folder = tmp_path_factory.mktemp("alcore-data")
    session, truth, wrong = plant_project(folder)
    return folder, session.project_id, truth, wrong


def _monitoring(project) -> AppTest:
    folder, project_id, _, _ = project
    at = AppTest.from_file(APP, default_timeout=90)
    at.secrets["data_dir"] = str(folder)
    at.run()
    at.query_params["project"] = str(project_id)
    at.switch_page("app_pages/label.py")
    at.session_state[OPEN] = True  # the expander computes its content only while open
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_the_closed_panel_computes_nothing(project):
    folder, project_id, _, _ = project
    at = AppTest.from_file(APP, default_timeout=90)
    at.secrets["data_dir"] = str(folder)
    at.run()
    at.query_params["project"] = str(project_id)
    at.switch_page("app_pages/label.py").run()
    assert not at.exception and not any(button.label.startswith("Look for labels") for button in at.button)


def test_per_batch_gain_cost_per_point_and_charts(project):
    at = _monitoring(project)
    gains = _table(at, "Cost per accuracy point")
    assert gains["Batch"].tolist() == ["1", "2", "3", "4"] and set(gains["Cost"]) == {"$4"}
    assert any(value.startswith("$") for value in gains["Cost per accuracy point"])
    assert any(value.startswith("+") for value in gains["Points gained"])
    titles = [json.dumps(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    for title in ["What each batch asked about", "Scores of the picked rows", "What each batch bought"]:
        assert any(title in spec for spec in titles), title
    assert any("today's model" in caption.value for caption in at.caption)


def test_two_labelers_agreement_shows_kappa(project):
    at = _monitoring(project)
    pairs = _table(at, "Cohen's kappa")
    assert pairs.iloc[0].tolist() == ["ann & bo", "4", "100%", "1.00"]
    assert at.number_input(key="label.monitoring.second_share").value == 50
    pace = _table(at, "Labels per minute")
    assert pace.set_index("Labeler")["Labels"].to_dict() == {"ann": "8", "bo": "24"}


def test_a_planted_wrong_label_is_listed_and_one_click_relabels_it(project):
    folder, project_id, truth, wrong = project
    at = _monitoring(project)
    at.button(key="label.monitoring.check").click().run()
    listed = [m.value for m in at.markdown if m.value.startswith(f"Row {format_row(wrong)}:")]
    assert listed and f"the model says **{truth[wrong]}**" in listed[0]
    at.button(key=f"label.monitoring.relabel.{wrong}").click().run()
    assert not at.exception
    events = ProjectStore(folder).events(project_id)
    fix = events[(events["row"] == wrong) & (events["kind"] == "relabel")]
    assert fix["label"].tolist() == [truth[wrong]]
    assert not [m.value for m in at.markdown if m.value.startswith(f"Row {format_row(wrong)}:")]


def test_explore_shows_what_each_strategy_asked_about_and_what_each_round_bought():
    at = _run_tiny_comparison()
    at.session_state[EXPLORE_OPEN] = True  # the expander computes its content only while open
    at.run()
    specs = [json.dumps(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert any("What each round bought, per strategy" in spec for spec in specs)
    mixes = [spec for spec in specs if "What each batch asked about" in spec]
    assert len(mixes) == 3 and "True mix of the data" in mixes[0]
    assert [tab.label for tab in at.tabs] == ["Random (random)", "Margin (margin)", "Entropy (entropy)"]


def test_explore_computes_its_closed_panel_on_no_run(monkeypatch):
    """Each Run drew a chart per strategy that a person opens now and then (0.9 s of an 11.7 s Run on 50,000
    rows): the closed panel computes nothing."""
    from alcore.experiment import monitoring

    def never(*args, **kwargs):
        raise AssertionError("the closed panel computed its figures")

    monkeypatch.setattr(monitoring, "strategy_gains", never)
    monkeypatch.setattr(monitoring, "comparison_selection_mix", never)
    at = _run_tiny_comparison()
    specs = [json.dumps(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert len(specs) == 2 and not any("What each" in spec for spec in specs)  # the learning curves and savings
    assert [expander.label for expander in at.expander if "Why a strategy wins" in expander.label]


def test_a_second_opinion_row_says_the_guess_is_hidden_not_missing():
    from alcore.labeling.session import row_reason
    from ui.batch_form_ui import _guess_line

    assert _guess_line(None, None, row_reason("margin", float("nan"), second_opinion=True)).startswith(
        "Model's guess: hidden"
    )
    assert _guess_line(None, None, "cold start").startswith("Model's guess: none yet")
