"""Every page through Streamlit's AppTest: no browser, real script runs, real widgets.

Tiny data (iris, wine) and 2 seeds keep each comparison to a second or two.
"""

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from alcore.experiment import simulation
from alcore.io.datasets import load_demo
from ui.monitoring_ui import EXPLORE_OPEN

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT_S = 120


def _app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def _page(page: str, **query) -> AppTest:
    at = _app(**query)
    at.switch_page(page).run()
    assert not at.exception
    return at


def _csv(frame) -> bytes:
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def wine_bytes() -> bytes:
    dataset = load_demo("wine")
    frame = dataset.frame.rename(columns={dataset.label_column: "class"})
    return _csv(frame[[c for c in frame.columns if c != "class"] + ["class"]])


def _vega_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _chart_rows(chart) -> pd.DataFrame:
    """The rows a chart draws: Streamlit sends a chart's data apart from its spec, as Arrow streams."""
    return pd.concat(pa.ipc.open_stream(dataset.data.data).read_all().to_pandas() for dataset in chart.proto.datasets)


def _metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


# -- Home --------------------------------------------------------------------
def test_home_says_what_alcore_does_and_offers_the_ways_in():
    at = _app()
    assert not at.exception
    assert "label less" in at.title[0].value
    text = " ".join(block.value for block in at.markdown)
    assert "Try a demo" in text and "Upload your data" in text and "Labeling projects" in text


# -- Data --------------------------------------------------------------------
def test_uploaded_csv_shows_preview_roles_and_classes(wine_bytes):
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("wines.csv", wine_bytes, "text/csv")).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="label:" + _digest(wine_bytes)).value == "class"  # guessed from the name
    assert _metrics(at) == {"Rows": "178", "Labeled": "178", "Unlabeled": "0"}
    class_chart = _vega_specs(at)[0]
    assert class_chart["mark"]["type"] == "bar"
    assert "Classes of" in " ".join(block.value for block in at.markdown)


def _digest(content: bytes) -> str:
    """The page's name for an uploaded .csv: its bytes' SHA-256 and the file type."""
    import hashlib

    return hashlib.sha256(content).hexdigest() + ".csv"


def test_choosing_another_label_column_updates_the_classes():
    frame = load_demo("wine").frame
    content = _csv(frame.assign(region=["north", "south", "east"] * 59 + ["north"]))
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("wines.csv", content, "text/csv")).run()
    at.selectbox(key="label:" + _digest(content)).set_value("region").run()
    assert not at.exception and not at.error
    assert "Classes of region** (3)" in " ".join(block.value for block in at.markdown)


def test_a_class_seen_once_is_left_out_of_the_simulation_and_both_pages_say_so(wine_bytes):
    """A class with one labeled row refused the table for Explore, and the advice was to edit the file."""
    frame = pd.read_csv(io.BytesIO(wine_bytes))
    frame.loc[0, "class"] = "one of a kind"
    content = _csv(frame)
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("wines.csv", content, "text/csv")).run()
    assert not at.exception and not at.warning
    note = "The simulation leaves out class 'one of a kind' with a single labeled row"
    assert any(note in info.value.replace("\\", "") for info in at.info)
    explore = at.switch_page("app_pages/explore.py").run()
    assert any(note in caption.value.replace("\\", "") for caption in explore.caption)
    explore.button[0].click().run()
    assert not explore.exception and not explore.error and explore.dataframe
    explore.session_state[EXPLORE_OPEN] = True
    mixes = [
        chart for chart in explore.run().get("vega_lite_chart") if "What each batch asked about" in chart.proto.spec
    ]
    drawn = {value for chart in mixes for value in _chart_rows(chart)["class"]}
    assert mixes and drawn == {"class_0", "class_1", "class_2"}, "the true mix is of the classes simulated"


def test_a_quantity_as_label_gets_a_plain_question_and_ranges_that_work(wine_bytes):
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("wines.csv", wine_bytes, "text/csv")).run()
    at.selectbox(key="label:" + _digest(wine_bytes)).set_value("magnesium").run()
    assert not at.exception and not at.error
    assert "'magnesium' looks like a number to predict, not a set of classes" in at.warning[0].value
    assert not at.metric  # no classes yet: the question comes first
    at.number_input(key=f"ranges:{_digest(wine_bytes)}:magnesium").set_value(3)
    at.toggle(key=f"grouped:{_digest(wine_bytes)}:magnesium").set_value(True).run()
    assert not at.exception and not at.error
    assert "Classes of magnesium** (3)" in " ".join(block.value for block in at.markdown)
    assert _metrics(at)["Labeled"] == "178"


def test_a_label_column_of_measurements_gets_a_message_not_a_traceback():
    frame = load_demo("wine").frame
    content = _csv(frame.assign(reading=[round(0.37 * i, 2) for i in range(len(frame))]))  # 178 distinct values
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("readings.csv", content, "text/csv")).run()
    at.selectbox(key="label:" + _digest(content)).set_value("reading").run()
    assert not at.exception
    assert "'reading' looks like a number to predict" in at.warning[0].value
    assert at.selectbox(key="label:" + _digest(content)).value == "reading"  # the page is still usable


def test_a_row_id_as_label_is_called_an_id_and_no_ranges_are_offered():
    """An R export's 'rownames' (1 to 2,700) picked as the label column was called 'a number to predict'
    and the page offered to group it into ranges, which would be classes of nothing."""
    frame = load_demo("wine").frame
    content = _csv(frame.assign(rownames=range(1, len(frame) + 1)))
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("wines.csv", content, "text/csv")).run()
    at.selectbox(key="label:" + _digest(content)).set_value("rownames").run()
    assert not at.exception and not at.error
    warning = at.warning[0].value.replace("\\", "")  # shown escaped, as every cell and name
    assert warning.startswith("'rownames' looks like a row id, not labels: each of its 178 rows has a value of its own")
    assert not at.number_input and not at.toggle and not at.metric  # no ranges of ids, no classes
    at.selectbox(key="label:" + _digest(content)).set_value("cultivar").run()
    assert not at.warning and at.metric  # another column, and the page goes on


@pytest.mark.parametrize(
    "name, content",
    [
        ("empty.csv", b""),
        ("broken.xlsx", b"this is not a spreadsheet"),
        ("garbage.parquet", bytes(range(256)) * 4),
        ("one-column.csv", b"only\n1\n2\n3\n"),
    ],
)
def test_a_bad_file_gives_a_message_and_the_page_stays_usable(name, content):
    """Only the message: the prompt to upload a table, left under it, read as if the file had never arrived."""
    at = _page("app_pages/data.py")
    assert [info.value.startswith("Upload a table with one row per example") for info in at.info] == [True]
    at.file_uploader[0].set_value((name, content, "application/octet-stream")).run()
    assert not at.exception
    assert at.error, f"no message for {name}"
    assert not at.info, [info.value for info in at.info]
    assert at.radio[0].value == "upload" and at.file_uploader  # still there, ready for another file


def _in_order(node) -> list:
    """The page's elements top to bottom: a block's children in the order they are drawn."""
    children = getattr(node, "children", None)
    if children is None:
        return [node]
    return [element for key in sorted(children) for element in _in_order(children[key])]


def test_the_note_on_empty_rows_left_out_sits_right_under_the_preview_whose_row_numbers_it_explains():
    """It stood under "Column roles", with the other notes, far from the row numbers it is about."""
    content = b"x,y,label\n1,2,a\n\n3,4,b\n5,6,a\n7,8,b\n"
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("gaps.csv", content, "text/csv")).run()
    assert not at.exception
    elements = _in_order(at.main)
    preview = next(i for i, element in enumerate(elements) if element.type == "dataframe")
    assert elements[preview + 1].type == "info" and "1 empty row was left out" in elements[preview + 1].value
    assert sum("empty row" in info.value for info in at.info) == 1  # said once


def test_files_with_the_same_name_are_never_confused():
    """The parse cache is shared by all users, so it must be keyed by content, not by name."""
    at = _page("app_pages/data.py")
    first = _csv(load_demo("iris").frame)
    second = _csv(load_demo("wine").frame)
    at.file_uploader[0].set_value(("data.csv", first, "text/csv")).run()
    assert _metrics(at)["Rows"] == "150"
    at.file_uploader[0].set_value(("data.csv", second, "text/csv")).run()
    assert _metrics(at)["Rows"] == "178"


def test_picking_a_demo_loads_it_with_its_label_column():
    at = _page("app_pages/data.py", source="demo")
    assert at.radio[0].value == "demo"
    at.selectbox[0].set_value("iris").run()
    assert not at.exception
    assert at.selectbox(key="label:demo:iris").value == "species"
    assert _metrics(at)["Rows"] == "150"


# -- Explore -----------------------------------------------------------------
def test_explore_without_data_points_to_the_data_page():
    at = _page("app_pages/explore.py")
    assert "First load a table" in at.info[0].value
    assert not at.button


def test_explore_on_a_tiny_table_budgets_what_it_can_use_and_says_so_before_a_run_with_more():
    """mtcars' 30 rows: the budget started at 32, more than the 22 rows a run can label (8 are held out for
    testing), and every run ended with its pool exhausted; the words came only after, as a stop reason."""
    frame = pd.DataFrame({"size": [i % 7 for i in range(30)], "weight": [i % 5 for i in range(30)]})
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("tiny.csv", _csv(frame.assign(label=["big", "small"] * 15)), "text/csv")).run()
    at.switch_page("app_pages/explore.py").run()
    assert not at.exception and at.number_input(key="explore.budget").value == 22
    assert not [warning for warning in at.warning if "budget" in warning.value]
    at.number_input(key="explore.seeds").set_value(1)
    at.number_input(key="explore.budget").set_value(30)
    at.button[0].click().run()  # the form's "Run comparison"
    assert not at.exception and at.session_state["alcore_session"].comparison is not None
    elements = [(element.type, str(getattr(element, "value", ""))) for element in _in_order(at.main)]
    warning = at.warning[0].value.replace("\\", "")
    assert warning.startswith("A budget of 30 labels is more than this table can use") and "at most 22" in warning
    below_run = elements[[kind for kind, _ in elements].index("button") + 1]
    assert below_run[0] == "warning" and elements.index(below_run) < elements.index(("subheader", "Results"))


def test_explore_on_a_tiny_table_starts_from_the_commands_initial_labels_and_says_so_before_a_run_with_more():
    """mtcars' 30 rows leave 22 a run can label: the page capped the initial labels at half the rows (15), the
    command kept 20, and neither left the strategies much to choose. Both start from `initial_for`'s 5; 20 (the
    page now lets a run's every row be chosen) gets `initial_note`'s words under the form before the results."""
    frame = pd.DataFrame({"size": [i % 7 for i in range(30)], "weight": [i % 5 for i in range(30)]})
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("tiny.csv", _csv(frame.assign(label=["big", "small"] * 15)), "text/csv")).run()
    at.switch_page("app_pages/explore.py").run()
    assert not at.exception and at.number_input(key="explore.initial").value == 5
    assert at.number_input(key="explore.initial").max == 22  # every row a run can label, not half the table
    assert not [warning for warning in at.warning if "Strategies choose" in warning.value]
    at.number_input(key="explore.seeds").set_value(1)
    at.number_input(key="explore.initial").set_value(20)
    at.button[0].click().run()  # the form's "Run comparison"
    assert not at.exception and at.session_state["alcore_session"].comparison.settings["initial"] == 20
    elements = [(element.type, str(getattr(element, "value", ""))) for element in _in_order(at.main)]
    warning = at.warning[0].value.replace("\\", "")
    assert warning.startswith("Strategies choose only 2 of each run's 22 labels: the other 20 are the initial ones")
    below_run = elements[[kind for kind, _ in elements].index("button") + 1]
    assert below_run[0] == "warning" and elements.index(below_run) < elements.index(("subheader", "Results"))


def _run_tiny_comparison(**query) -> AppTest:
    at = _page("app_pages/explore.py", demo="iris", seeds="2", budget="50", **query)
    at.multiselect(key="explore.strategies").set_value(["margin", "entropy"])
    at.button[0].click().run()  # the form's "Run comparison"
    assert not at.exception and not at.error
    return at


def test_a_tiny_comparison_shows_headline_charts_table_and_downloads():
    at = _run_tiny_comparison(target_kind="accuracy", target="0.9", cost="5")
    headline = (at.success or at.info)[0].value
    assert "random" in headline
    curves, savings = _vega_specs(at)[:2]  # the monitoring views follow
    layers = [layer["mark"]["type"] for layer in curves["layer"]]
    assert layers[:3] == ["area", "line", "point"] and "rule" in layers
    colors = curves["layer"][1]["encoding"]["color"]["scale"]
    assert colors["domain"] == ["random", "entropy", "margin"] and colors["range"][0] == "#6b6b6b"
    assert savings["layer"][0]["mark"]["type"] == "bar"
    table = at.dataframe[0].value
    assert list(table["Strategy"]) == ["Random (random)", "Margin (margin)", "Entropy (entropy)"]
    labels = [button.label for button in at.get("download_button")]
    assert {"Summary (CSV)", "Results (CSV)", "Results (JSON)", "Learning curves (PNG)", "Savings (HTML)"} <= set(
        labels
    )
    assert len(labels) == 7


def test_a_run_summarizes_once_and_makes_its_files_only_when_asked(monkeypatch):
    """The headline, the chart, the table and the files share one summary, and no file (the results document,
    the slides) is made before its button is pressed: on 50,000 police stops the second summary, the document
    and the slides took 0.4 s of the 0.9 s the results took to draw (pyinstrument)."""
    from alcore.experiment import metrics, report
    from ui import explore_ui

    calls = {"summarize": 0}

    def counted(*args, **kwargs):
        calls["summarize"] += 1
        return metrics.summarize(*args, **kwargs)

    def never(*args, **kwargs):
        raise AssertionError("a file was made before its button was pressed")

    monkeypatch.setattr(explore_ui, "summarize", counted)
    monkeypatch.setattr(report, "summarize", counted)
    monkeypatch.setattr(explore_ui, "results_document", never)
    monkeypatch.setattr(explore_ui, "for_slide", never)
    at = _run_tiny_comparison()
    assert calls["summarize"] == 1 and "random" in (at.success or at.info)[0].value
    assert len(at.get("download_button")) == 7


def test_settings_are_in_the_link_and_a_link_restores_them():
    at = _run_tiny_comparison()
    link = dict(at.query_params)
    assert link["strategies"] == ["margin,entropy"] or link["strategies"] == "margin,entropy"
    assert at.query_params["demo"] in ("iris", ["iris"])
    again = _page(
        "app_pages/explore.py", demo="iris", seeds="4", budget="70", strategies="entropy", model="naive_bayes"
    )
    assert again.number_input(key="explore.seeds").value == 4
    assert again.number_input(key="explore.budget").value == 70
    assert again.multiselect(key="explore.strategies").value == ["entropy"]
    assert again.selectbox(key="explore.model").value == "naive_bayes"


def test_semi_supervised_is_its_own_line_and_stays_in_the_link():
    at = _run_tiny_comparison(semi_supervised="True")
    assert at.checkbox(key="explore.semi_supervised").value is True
    table = at.dataframe[0].value
    assert list(table["Strategy"]) == [
        "Random (random)",
        "Margin (margin)",
        "Entropy (entropy)",
        "Margin + semi-supervised (margin + semi-supervised)",
        "Entropy + semi-supervised (entropy + semi-supervised)",
    ]
    assert at.query_params["semi_supervised"] in ("True", ["True"])


def test_changing_the_goal_updates_results_without_running_again():
    at = _run_tiny_comparison(target_kind="accuracy", target="0.9")
    before = (at.success or at.info)[0].value
    at.number_input(key="explore.target").set_value(0.99).run()
    after = (at.success or at.info)[0].value
    assert not at.exception and after != before


def test_features_are_built_once_per_table_and_roles_not_on_every_run(monkeypatch):
    from alcore.io.datasets import simulation_arrays
    from ui import explore_ui

    built = []
    monkeypatch.setattr(explore_ui, "simulation_arrays", lambda dataset: built.append(1) or simulation_arrays(dataset))
    at = _run_tiny_comparison()
    at.number_input(key="explore.budget").set_value(40)
    at.button[0].click().run()  # a second Run with other settings
    assert not at.exception and not at.error and len(built) == 1
    state = at.session_state["alcore_session"]
    assert state.comparison.settings["budget"] == 40
    state.dataset_key += "|other roles"  # as the Data page sets it when a role or the label grouping changes
    at.button[0].click().run()
    assert not at.exception and len(built) == 2

    monkeypatch.setattr(explore_ui, "KEEP_FEATURES_CELLS", 100)  # iris's 750 cells count as a large table here
    for runs in (3, 4):
        at.button[0].click().run()
        assert not at.exception and not at.error and len(built) == runs  # built on each Run, kept by nobody
        assert at.session_state["alcore_session"].simulation_features is None


def test_no_field_lets_a_visitor_point_the_server_at_a_scheduler():
    at = _page("app_pages/explore.py", demo="iris", seeds="1", budget="30", scheduler="tcp://127.0.0.1:22")
    # The only text a visitor types on Explore is a currency symbol (a scheduler address ran code on the server).
    assert [(box.key, box.max_chars) for box in at.text_input] == [("explore.currency", 3)]
    assert "Runs on this server" in " ".join(caption.value for caption in at.caption)
    at.multiselect(key="explore.strategies").set_value(["margin"])
    at.button[0].click().run()
    assert not at.exception and not at.error  # the link's scheduler was ignored: the run stayed here
    assert "scheduler" not in dict(at.query_params)


def test_an_unreachable_configured_scheduler_is_a_message_for_the_operator(monkeypatch):
    monkeypatch.setenv("ALCORE_DASK_SCHEDULER", "not an address")
    at = _page("app_pages/explore.py", demo="iris", seeds="1", budget="30")
    assert "not an address" in " ".join(caption.value for caption in at.caption)
    at.multiselect(key="explore.strategies").set_value(["margin"])
    at.button[0].click().run()
    assert not at.exception
    assert "operator" in at.error[0].value


def test_a_large_table_scores_a_random_subset_each_round_and_says_so(monkeypatch):
    monkeypatch.setattr(simulation, "SCORED_CANDIDATES", 50)  # iris's 113 training rows count as large here
    at = _run_tiny_comparison()
    assert at.session_state["alcore_session"].comparison.settings["max_candidates"] == 50
    assert any("each round scored a random 50 of the unlabeled rows" in caption.value for caption in at.caption)
    monkeypatch.undo()
    at = _run_tiny_comparison()
    assert not any("each round scored a random" in caption.value for caption in at.caption)


def test_features_kept_by_all_sessions_together_stay_within_a_budget(monkeypatch):
    """Every tab kept its own features for its life (550 MB for one tab of a 19 MB categorical table, four tabs
    of one link took 3.5 GB): past KEPT_FEATURES for all sessions together, a session lets its go once built."""
    import gc
    import time

    from ui import explore_ui

    gc.collect()  # features of earlier tests' sessions let go now, not in the middle of the counts below
    baseline = explore_ui.KEPT_FEATURES.held_bytes
    at = _page("app_pages/explore.py", demo="iris", seeds="1", budget="30")
    state = at.session_state["alcore_session"]
    key, future = state.simulation_features
    X, _ = future.result()
    deadline = time.monotonic() + 10  # counted by a callback that runs just after the result is set
    while explore_ui.KEPT_FEATURES.held_bytes < baseline + X.nbytes and time.monotonic() < deadline:
        time.sleep(0.05)
    assert explore_ui.KEPT_FEATURES.held_bytes >= baseline + X.nbytes  # counted while the session keeps them
    kept_before = explore_ui.KEPT_FEATURES.held_bytes
    del X, future
    state.simulation_features = None  # as when the session closes or its table changes
    gc.collect()
    assert explore_ui.KEPT_FEATURES.held_bytes <= kept_before - 4 * 150  # let go: iris's 150 rows of 4 features

    monkeypatch.setattr(explore_ui.KEPT_FEATURES, "megabytes", 0)  # no room left on this server
    crowded = _page("app_pages/explore.py", demo="iris", seeds="1", budget="30", strategies="margin")
    state = crowded.session_state["alcore_session"]
    deadline = time.monotonic() + 10  # built, then let go by the callback (maybe already, for iris)
    while state.simulation_features[1] is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state.simulation_features == (state.dataset_key, None)
    crowded.button[0].click().run()  # a Run builds its own features, and shows its results
    assert not crowded.exception and not crowded.error and crowded.dataframe
