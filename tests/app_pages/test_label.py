"""The labeling page in Streamlit's AppTest: start a project from an uploaded CSV with an empty
label column, label two batches, undo one, then reload (a new AppTest with the project in the
URL, as a refresh or a link does) and find everything as it was."""

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from alcore.formatting import shown_row, stored_row
from alcore.labeling.store import ProjectStore
from ui.label_charts import quality_chart
from ui.label_ui import format_value
from ui.project_start_ui import parse_classes

APP = str(Path(__file__).resolve().parents[2] / "app.py")
BATCH = 4


def _points_csv(n: int = 40) -> bytes:
    """Two well-separated groups (x < 0 is 'left', x > 0 'right'), and an empty label column."""
    frame = pd.DataFrame(
        {
            "x": [(-1) ** i * (1 + i % 7) for i in range(n)],
            "y": [i % 5 for i in range(n)],
            "note": [f"point number {i}" for i in range(n)],
            "label": [""] * n,
        }
    )
    return frame.to_csv(index=False).encode()


def _truth(row: int) -> str:
    """Row r has x = (-1)**r * (...): even rows are on the right."""
    return "right" if row % 2 == 0 else "left"


def _label_page(query: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets.update(secrets or {})
    at.run()
    at.query_params.update(query or {})
    at.switch_page("app_pages/label.py")
    return at.run()


def _param(at: AppTest, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def _metric(at: AppTest, label: str) -> str:
    return next(metric.value for metric in at.metric if metric.label == label)


def _choices(at: AppTest) -> list:
    """The batch form's radios, one per row, labeled "Label for row 12" (row 12 of the file: stored row 11)."""
    return [radio for radio in at.radio if radio.label.startswith("Label for row")]


def _row(radio) -> int:
    """The stored row id of a radio of the form."""
    return stored_row(int(radio.label.rsplit(" ", 1)[1].replace(",", "")))


def _batch_rows(at: AppTest) -> list[int]:
    return [_row(radio) for radio in _choices(at)]


def _answer_batch(at: AppTest) -> list[int]:
    """Give every row of the shown batch its true label and submit; returns the rows answered."""
    rows = _batch_rows(at)
    for radio in _choices(at):
        assert radio.value is None, "a new batch starts with no choice made"
        radio.set_value(_truth(_row(radio)))
    next(button for button in at.button if button.label.startswith("Save these labels")).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return rows


def _start_project(at: AppTest) -> None:
    at.file_uploader(key="label.upload").set_value(("points.csv", _points_csv(), "text/csv"))
    at.run()
    form_inputs = {widget.label: widget for widget in at.text_input}
    form_inputs["Project name"].set_value("Points")
    form_inputs["Classes, separated by commas"].set_value("left, right")
    at.selectbox(key="label.label_column").set_value("label")
    next(n for n in at.number_input if n.label == "Rows per batch").set_value(BATCH)
    next(button for button in at.button if button.label == "Start labeling").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    """Projects go to a temporary folder (no secrets.toml in the test: the env var decides)."""
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path))
    return tmp_path


def test_projects_of_the_same_name_are_told_apart_by_when_they_started(data_dir):
    """The same file uploaded twice gave two links reading "reviews_to_label: 0 of 600 rows labeled (0%)"."""
    store = ProjectStore(data_dir)
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "label": [None] * 4})
    for name in ("reviews", "reviews", "points"):
        store.create_project(name, frame, "label", ["a", "b"])
    at = _label_page()
    labels = [link.label for link in at.page_link if "rows labeled" in link.label]
    assert len(labels) == 3 and len(set(labels)) == 3
    assert [label.split(" · project ")[0] for label in labels if "reviews" in label] == [
        "reviews: 0 of 4 rows labeled (0%)"
    ] * 2
    assert "points: 0 of 4 rows labeled (0%)" in labels  # a name used once reads as before


def test_label_two_batches_undo_one_and_find_it_all_after_a_reload(data_dir):
    at = _label_page()
    assert not at.exception
    _start_project(at)
    project = _param(at, "project")
    assert at.title[0].value == "Points"
    assert (data_dir / "alcore.sqlite3").exists()

    first = _answer_batch(at)
    second = _answer_batch(at)
    assert len(first) == len(second) == BATCH and not set(first) & set(second)
    assert _metric(at, "Labeled") == str(2 * BATCH)

    next(button for button in at.button if button.key == "label.undo").click()
    at.run()
    assert not at.exception
    assert _metric(at, "Labeled") == str(BATCH)
    shown = _batch_rows(at)

    labeler = _param(at, "labeler")
    assert labeler.startswith("visitor-"), "a first visit gets a name of its own, carried in the link"
    stranger = _label_page(query={"project": project})  # someone else opens the same link without a name
    assert _param(stranger, "labeler") != labeler
    assert not set(_batch_rows(stranger)) & set(shown), "a stranger never gets the rows this person holds"
    assert next(button for button in stranger.button if button.key == "label.undo").disabled, "nor undoes them"

    reloaded = _label_page(query={"project": project, "labeler": labeler})  # a refresh keeps the name
    assert not reloaded.exception, [e.value for e in reloaded.exception]
    assert reloaded.title[0].value == "Points"
    assert _metric(reloaded, "Labeled") == str(BATCH)
    assert _metric(reloaded, "Batches submitted") == "2 (1 undone)"
    assert _batch_rows(reloaded) == shown, "the batch being labeled comes back after a reload"
    history = next(table for table in reloaded.dataframe if (table.key or "").startswith("label.history")).value
    assert sorted(history.index) == sorted(shown_row(row) for row in first), "the history numbers rows as the form"
    assert {stored_row(row): label for row, label in history["label"].items()} == {row: _truth(row) for row in first}

    # Change an earlier label in the history table: recorded as a relabel, shown at once.
    editor = next(table for table in reloaded.dataframe if (table.key or "").startswith("label.history"))
    changed_row = int(history.index[0])
    wrong = "left" if _truth(stored_row(changed_row)) == "right" else "right"
    reloaded.session_state[editor.key] = {"edited_rows": {0: {"label": wrong}}, "added_rows": [], "deleted_rows": []}
    reloaded.run()
    assert not reloaded.exception, [e.value for e in reloaded.exception]
    history = next(table for table in reloaded.dataframe if (table.key or "").startswith("label.history")).value
    assert history.at[changed_row, "label"] == wrong
    fixes = ProjectStore(str(data_dir)).events(int(project)).query("kind == 'relabel'")
    assert fixes["row"].tolist() == [stored_row(changed_row)], "the row edited is the row corrected"
    assert _metric(reloaded, "Labeled") == str(BATCH), "a correction is not a new label"
    events = next(table for table in reloaded.dataframe if "Batch" in table.value.columns).value
    assert list(events["What"]).count("correction") == 1 and list(events["What"]).count("undone") == BATCH
    assert set(events["Batch"]) >= {"1", "2 (undone)"}, "the log names batches as the page does, never by store id"


def test_every_row_number_on_the_page_is_the_rows_place_in_the_uploaded_file(data_dir):
    """Row N on the form, in the history and in the log is row N of the CSV: line N + 1, after the header
    (a new user's "row 1,218" was line 1,220 while rows were counted from 0)."""
    lines = _points_csv().decode().splitlines()
    at = _label_page()
    _start_project(at)
    fields = [m.value for m in at.markdown if "point number" in m.value]  # each row's fields, above its choice
    numbers = [int(radio.label.rsplit(" ", 1)[1]) for radio in _choices(at)]
    assert len(fields) == len(numbers) == BATCH
    for shown, number in zip(fields, numbers):
        assert re.search(r"point number \d+", shown).group() == lines[number].split(",")[2]
    assert any("first row under the header is row 1" in caption.value for caption in at.caption)

    _answer_batch(at)
    history = next(table for table in at.dataframe if (table.key or "").startswith("label.history")).value
    assert sorted(history.index) == sorted(numbers)
    assert all(history.at[number, "note"] == lines[number].split(",")[2] for number in numbers)
    events = next(table for table in at.dataframe if "Batch" in table.value.columns).value
    for number, preview in zip(events["Row"], events["Row's fields"]):
        assert lines[int(number)].split(",")[2] in preview


def test_an_upload_with_empty_rows_inside_says_they_move_the_row_numbers(data_dir):
    lines = _points_csv().decode().splitlines()
    at = _label_page()
    at.file_uploader(key="label.upload").set_value(
        ("gaps.csv", "\n".join([*lines[:3], "", *lines[3:]]).encode(), "text/csv")
    )
    at.run()
    assert any("1 empty row was left out" in info.value for info in at.info)
    at.file_uploader(key="label.upload").set_value(("points.csv", _points_csv(), "text/csv"))
    at.run()
    assert not any("empty row" in info.value for info in at.info)


def test_secrets_data_dir_wins_over_the_environment(data_dir, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("from-secrets")
    at = _label_page(secrets={"data_dir": str(elsewhere)})
    _start_project(at)
    assert (elsewhere / "alcore.sqlite3").exists() and not (data_dir / "alcore.sqlite3").exists()


def test_a_bad_file_and_a_single_class_are_told_in_words(data_dir):
    at = _label_page()
    at.file_uploader(key="label.upload").set_value(
        ("broken.parquet", b"not parquet at all", "application/octet-stream")
    )
    at.run()
    assert not at.exception and at.error, "a bad file gives a message"
    at.file_uploader(key="label.upload").set_value(("points.csv", _points_csv(), "text/csv"))
    at.run()
    next(t for t in at.text_input if t.label == "Classes, separated by commas").set_value("left")
    next(button for button in at.button if button.label == "Start labeling").click()
    at.run()
    assert not at.exception
    assert any("at least two classes" in error.value for error in at.error)
    assert "project" not in at.query_params


def test_a_column_of_measurements_is_warned_about_once_and_cannot_start_a_project(data_dir):
    at = _label_page()
    frame = pd.DataFrame({"reading": [0.5 + i / 7 for i in range(40)], "label": [""] * 40})
    at.file_uploader(key="label.upload").set_value(("readings.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    at.selectbox(key="label.label_column").set_value("reading")
    at.run()
    assert "'reading' looks like a number to predict" in at.warning[0].value
    start = next(button for button in at.button if button.label == "Start labeling")
    assert start.disabled  # pressed, it only repeated the warning as an error
    at.selectbox(key="label.label_column").set_value("label")
    at.run()
    assert not at.warning and not next(b for b in at.button if b.label == "Start labeling").disabled


def test_an_unknown_project_in_the_link_is_explained(data_dir):
    at = _label_page(query={"project": "999"})
    assert not at.exception
    assert any("999" in error.value or "project" in error.value.lower() for error in at.error)


def test_quality_chart_draws_the_estimate_with_its_interval():
    quality = pd.DataFrame(
        {
            "batch": [1, 2, 3],
            "n_labeled": [10, 20, 30],
            "estimate": [float("nan"), 0.7, 0.8],
            "low": [float("nan"), 0.6, 0.72],
            "high": [float("nan"), 0.8, 0.88],
            "method": ["cross-validation on labeled rows"] * 3,
        }
    )
    spec = quality_chart(quality).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line", "point"]
    rows = spec["datasets"][spec["data"]["name"]] if "data" in spec else next(iter(spec["datasets"].values()))
    assert [row["n_labeled"] for row in rows] == [20, 30], "batches without an estimate are left out"
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"] == ".0%"
    assert {t["field"] for t in spec["layer"][2]["encoding"]["tooltip"]} >= {"estimate", "low", "high", "method"}


def test_helpers_write_cells_and_classes_for_people():
    assert parse_classes(" spam, ham ,spam,, ") == ["spam", "ham"]
    assert format_value(float("nan")) == "—" and format_value(None) == "—"
    assert format_value(1234.5678) == "1234\\.57" and format_value(0.012345) == "0\\.012345" and format_value(7) == "7"
    assert [format_value(20.0, 0), format_value(190.0, 0)] == ["20", "190"]  # the column's own precision
    assert format_value("*bold* [link](x)") == "\\*bold\\* \\[link\\]\\(x\\)"


def test_from_the_loaded_dataset_with_the_oracle_and_a_new_class(data_dir):
    """The Data page's dataset (iris, labels filled): classes from the labels, the oracle answers a batch."""
    from alcore.io.datasets import load_demo
    from ui.state import Session

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["alcore_session"] = Session(dataset=load_demo("iris"), source_key="demo:iris")
    at.run()
    at.switch_page("app_pages/label.py")
    at.run()
    assert at.radio(key="label.source").value == "loaded"
    next(n for n in at.number_input if n.label == "Rows per batch").set_value(BATCH)
    at.toggle[0].set_value(True)
    next(button for button in at.button if button.label == "Start labeling").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    options = _choices(at)[0].options  # as shown: Markdown-escaped
    assert len(_choices(at)) == BATCH and options[-1] == format_value("skip: not sure")
    assert set(options[:-1]) == {"setosa", "versicolor", "virginica"}

    next(button for button in at.button if button.label == "Let the oracle answer this batch").click()
    at.run()
    assert not at.exception
    assert _metric(at, "Labeled") == str(BATCH)
    assert set(at.dataframe[0].value["labeled_by"]) == {"simulated oracle"}

    at.text_input(key="label.new_class").set_value("hybrid")
    at.button(key="label.add_class").click()
    at.run()
    assert "hybrid" in _choices(at)[0].options


def test_a_project_from_the_data_pages_upload_is_named_without_the_file_type(data_dir):
    """From the Data page's upload the project was named "arrests.xlsx" (its title said so), from an upload
    on this page "arrests"; both are now the name without the file type."""
    from alcore.io.datasets import load_demo
    from ui.state import Session

    dataset = load_demo("iris")
    dataset.name = "flowers.xlsx"
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["alcore_session"] = Session(dataset=dataset, source_key="abc.xlsx")
    at.run()
    at.switch_page("app_pages/label.py")
    at.run()
    assert at.radio(key="label.source").value == "loaded"
    assert next(box for box in at.text_input if box.label == "Project name").value == "flowers"


def test_when_every_row_is_labeled_the_page_says_so(data_dir):
    at = _label_page()
    at.file_uploader(key="label.upload").set_value(("six.csv", _points_csv(6), "text/csv"))
    at.run()
    at.selectbox(key="label.label_column").set_value("label")
    next(t for t in at.text_input if t.label == "Classes, separated by commas").set_value("left, right")
    next(n for n in at.number_input if n.label == "Rows per batch").set_value(BATCH)
    next(button for button in at.button if button.label == "Start labeling").click()
    at.run()
    assert len(_answer_batch(at)) == BATCH
    assert len(_answer_batch(at)) == 2
    assert not _choices(at)
    assert any("Every row is labeled" in message.value for message in at.success)
    assert _metric(at, "Labeled") == "6"


def test_a_project_can_learn_from_the_unlabeled_rows_too(data_dir):
    from alcore.io.datasets import load_demo
    from alcore.labeling.store import ProjectStore
    from ui.state import Session

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["alcore_session"] = Session(dataset=load_demo("iris"), source_key="demo:iris")
    at.run()
    at.switch_page("app_pages/label.py")
    at.run()
    at.toggle[0].set_value(True)  # the oracle answers
    at.toggle(key="label.semi_supervised").set_value(True)
    next(button for button in at.button if button.label == "Start labeling").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    store = ProjectStore(data_dir)
    (project,) = store.list_projects()
    assert store.load_project(project.id).settings["semi_supervised"] is True


def test_no_one_changes_a_label_in_a_project_they_may_not_label(data_dir):
    """The history table is drawn read-only for a viewer or in an archived project, but Streamlit enforces
    `disabled` on the server only since mid-2026 (the pin allows 1.40): before, a browser could send an edit of
    it, and the page saved it. AppTest's session_state sets the table's state the way such a browser did."""
    at = _label_page()
    _start_project(at)
    _answer_batch(at)
    project = _param(at, "project")
    store = ProjectStore(data_dir)
    store.archive(int(project))
    before = store.events(int(project))
    at = _label_page(query={"project": project})
    assert any("it is archived" in info.value for info in at.info)
    editor = next(table for table in at.dataframe if (table.key or "").startswith("label.history"))
    row = stored_row(int(editor.value.index[0]))
    wrong = "left" if _truth(row) == "right" else "right"
    at.session_state[editor.key] = {"edited_rows": {0: {"label": wrong}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(store.events(int(project))) == len(before)  # no correction recorded
    assert store.labels(int(project)).set_index("row").at[row, "label"] == _truth(row)


def test_a_labeler_name_from_the_link_is_cut_to_the_name_box_length(data_dir):
    at = _label_page()
    _start_project(at)
    project = _param(at, "project")
    at = _label_page(query={"project": project, "labeler": "x" * 60_000})
    assert _param(at, "labeler") == "x" * 80
    _answer_batch(at)
    assert set(ProjectStore(data_dir).events(int(project))["labeler"]) == {"x" * 80}
