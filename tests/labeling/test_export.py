"""Exports: formula-like text neutralised, numbers untouched, predictions for every unlabeled row, a loadable model."""

from __future__ import annotations

import io
import math
import re

import joblib
import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alcore.core.learner import DEFAULT_STRATEGY
from alcore.formatting import ROW_MEANING
from alcore.io.datasets import make_dataset
from alcore.labeling.export import (
    FORMULA_PREFIXES,
    neutralise_cell,
    neutralise_formulas,
    to_csv_bytes,
    to_excel_bytes,
    to_parquet_bytes,
)
from alcore.labeling.project_monitoring import project_report, project_report_markdown
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore
from tests.labeling.test_session import CLASSES, answers, blobs

NASTY = ["=SUM(A1:A9)", "+1+1", "-2+3", "@cmd", "\t=1", "\r=1", '=HYPERLINK("http://x")']
HARMLESS = ["plain", "a=b", "x-1", "", "'quoted"]


@given(st.text())
def test_any_text_that_could_start_a_formula_comes_out_as_text(value):
    safe = neutralise_cell(value)
    if value.startswith(FORMULA_PREFIXES):
        assert safe == "'" + value
    else:
        assert safe == value
    assert not safe.startswith(FORMULA_PREFIXES)


@given(st.lists(st.text(), min_size=1, max_size=5), st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=5))
def test_a_frame_keeps_its_numbers_and_only_its_dangerous_text_changes(texts, numbers):
    n = min(len(texts), len(numbers))
    frame = pd.DataFrame({"text": texts[:n], "number": numbers[:n], "ratio": [-0.5] * n})
    safe = neutralise_formulas(frame)
    assert safe["number"].tolist() == numbers[:n] and safe["number"].dtype == frame["number"].dtype
    assert safe["ratio"].tolist() == [-0.5] * n
    assert safe["text"].tolist() == [neutralise_cell(value) for value in texts[:n]]


@given(st.lists(st.text(), min_size=1, max_size=8))
def test_a_csv_round_trip_keeps_every_row_and_no_cell_starts_a_formula(texts):
    frame = pd.DataFrame({"text": texts, "number": range(-len(texts), 0)})
    read = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), keep_default_na=False, dtype={"text": str})
    assert len(read) == len(texts)  # no cell broke a line, so no cell landed where it was not written
    assert read["number"].tolist() == list(range(-len(texts), 0))
    assert not any(cell.startswith(FORMULA_PREFIXES) for cell in read["text"])


def nasty_frame() -> pd.DataFrame:
    cells = NASTY + HARMLESS
    return pd.DataFrame({"text": cells, "number": [-(i + 1) for i in range(len(cells))], "=header": [1.5] * len(cells)})


def test_csv_cells_cannot_run_as_formulas():
    read = pd.read_csv(io.BytesIO(to_csv_bytes(nasty_frame())), keep_default_na=False)
    assert list(read.columns) == ["text", "number", "'=header"]
    assert [cell[0] for cell in read["text"][: len(NASTY)]] == ["'"] * len(NASTY)
    assert read["text"][len(NASTY) :].tolist() == HARMLESS
    assert read["number"].tolist() == nasty_frame()["number"].tolist()  # -1 is a number, not a formula


def test_excel_cells_are_text_not_formulas_and_numbers_stay_numbers():
    sheet = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(nasty_frame()))).active
    cells = {cell.value: cell.data_type for cell in sheet["A"][1:] if cell.value is not None}
    assert all(kind == "s" for kind in cells.values())  # "f" would be a formula
    assert {"'" + value for value in NASTY if value[0] not in "\t\r"} <= set(cells)
    assert [cell.value for cell in sheet["B"][1:4]] == [-1, -2, -3] and sheet["B"][1].data_type == "n"


def test_parquet_is_data_and_is_written_as_is():
    frame = nasty_frame()
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(to_parquet_bytes(frame))), frame, check_dtype=False)


@pytest.fixture(scope="module")
def labeled(tmp_path_factory):
    """A project with three batches answered (model warm), shared by the read-only tests below."""
    frame, truth = blobs(120)
    frame["id"] = frame["id"].map(lambda name: "=" + name)  # an attacker's id column
    session = LabelingSession.create(
        ProjectStore(tmp_path_factory.mktemp("store")), "blobs", make_dataset(frame, "label"), CLASSES, batch_size=8
    )
    view = session.current_batch()
    for _ in range(3):
        view = session.submit(answers(view, truth, skip=view.rows[:1]), "ann")
    return session, frame, truth


def test_labeled_table_has_the_original_columns_and_who_labeled_when(labeled):
    session, frame, truth = labeled
    table = session.labeled_table()
    assert list(table.columns) == ["row", *frame.columns, "labeled_by", "labeled_at"]
    assert len(table) == session.pool.n_labeled == 21
    assert (table["label"].to_numpy() == truth[table.index]).all()
    assert (table["row"] == table.index + 1).all()  # the index stays the stored 0-based row id
    assert set(table["labeled_by"]) == {"ann"}
    workbook = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(table))).active
    assert workbook["B"][1].value.startswith("'=")  # the id column, neutralised


READERS = {
    "csv": (to_csv_bytes, pd.read_csv),
    "xlsx": (to_excel_bytes, pd.read_excel),
    "parquet": (to_parquet_bytes, pd.read_parquet),
}


@pytest.mark.parametrize("kind", ["labeled", "predictions"])
@pytest.mark.parametrize("extension", READERS)
def test_every_exported_row_says_its_row_in_the_users_file(labeled, kind, extension):
    """An exported file opened in pandas has a `row` column: row n is line n + 1 of the CSV the user loaded
    (the header is line 1), so each row can be matched back to the file."""
    session, frame, _ = labeled
    write, read = READERS[extension]
    table = session.labeled_table() if kind == "labeled" else session.predictions_table()
    exported = read(io.BytesIO(write(table)))
    lines = frame.to_csv(index=False).splitlines()
    assert exported.columns[0] == "row" and pd.api.types.is_integer_dtype(exported["row"])
    assert exported["row"].between(1, len(frame)).all() and exported["row"].is_unique
    for number, row_id in zip(exported["row"], exported["id"]):
        assert lines[number].split(",")[0] == row_id.removeprefix("'")  # the id as the file has it ("=r7")


def test_a_table_with_its_own_row_column_keeps_it_and_gets_a_row_in_file_column(store_location):
    frame, truth = blobs(40)
    frame.insert(0, "row", [f"r{i}" for i in range(len(frame))])
    session = LabelingSession.create(ProjectStore(store_location), "rows", make_dataset(frame, "label"), CLASSES)
    session.submit(answers(session.current_batch(), truth), "ann")
    table = session.labeled_table()
    assert list(table.columns[:2]) == ["row_in_file", "row"]
    assert (table["row"] == "r" + (table["row_in_file"] - 1).astype(str)).all()


def test_predictions_cover_every_unlabeled_row_and_flag_the_least_confident(labeled):
    session, frame, truth = labeled
    table = session.predictions_table()
    assert len(table) == len(frame)
    given_rows = table["label"].notna()
    unlabeled = table[~given_rows]
    assert unlabeled["confidence"].between(0, 1).all() and unlabeled["predicted_label"].isin(CLASSES).all()
    assert table.loc[given_rows, "confidence"].isna().all()
    assert (table.loc[given_rows, "label_source"] == "person").all()
    assert (unlabeled["label_source"] == "model").all()
    assert (table["final_label"] == table["label"].where(given_rows, table["predicted_label"])).all()
    flagged = unlabeled["needs_review"]
    assert flagged.sum() == math.ceil(0.1 * len(unlabeled)) and not table.loc[given_rows, "needs_review"].any()
    assert unlabeled.loc[flagged, "confidence"].max() <= unlabeled.loc[~flagged, "confidence"].min()


def test_model_bytes_load_with_joblib_and_predict_labels_from_raw_rows(labeled):
    session, frame, truth = labeled
    model = joblib.load(io.BytesIO(session.model_bytes()))
    predicted = model.predict(frame)
    assert set(predicted) <= set(CLASSES)
    assert np.mean(predicted == truth) > 0.9


def test_no_model_file_while_cold(store_location):
    frame, _ = blobs()
    session = LabelingSession.create(ProjectStore(store_location), "cold", make_dataset(frame, "label"), CLASSES)
    with pytest.raises(ValueError, match="no model yet"):
        session.model_bytes()
    assert session.predictions_table()["needs_review"].all()


def test_report_has_counts_the_curve_and_the_settings(labeled):
    session, _, _ = labeled
    report = project_report(session)
    assert report["n_labeled"] == 21 and sum(report["labels_per_class"].values()) == 21
    assert [point["batch"] for point in report["quality_curve"]] == [1, 2, 3]
    assert report["settings"]["strategy"] == DEFAULT_STRATEGY and "quality_cache" not in report["settings"]
    text = project_report_markdown(session)
    assert (
        "## Labels per class" in text
        and "## Estimated quality per batch" in text
        and "load only files you trust" in text
    )


def _second_opinion_project(store_location, **settings) -> tuple[LabelingSession, list]:
    """A project of blobs where every answered row is asked of a second labeler, batches of 6; its true labels."""
    frame, truth = blobs()
    session = LabelingSession.create(
        ProjectStore(store_location),
        "two",
        make_dataset(frame, "label"),
        CLASSES,
        batch_size=6,
        second_opinion_share=1.0,
        **settings,
    )
    return session, truth


def test_report_has_what_each_batch_bought_the_selection_mix_and_agreement(store_location):
    session, truth = _second_opinion_project(store_location, cost_per_label=2.0)
    session.submit(answers(session.current_batch(), truth), "ann")
    session.submit(answers(session.current_batch(), truth), "bo")
    session.submit(answers(session.current_batch(), truth), "bo")  # 5 second opinions on ann's rows
    section = project_report(session)["monitoring"]
    gains = section["gains"]
    assert [g["batch"] for g in gains] == [1, 2, 3] and [g["cost"] for g in gains] == [12.0] * 3
    for gain in gains[1:]:
        expected = None if gain["gain_points"] <= 0 else gain["cost"] / gain["gain_points"]
        assert gain["cost_per_point"] == (pytest.approx(expected) if expected else None)
    assert section["agreement"][0]["kappa"] == 1.0 and section["n_disagreements"] == 0
    text = project_report_markdown(session)
    assert "## What each batch bought" in text and "cost per accuracy point" in text and "At $2 per label" in text
    assert "## What each batch asked about" in text and "| predicted mix |" in text
    assert "| ann & bo | 5 | 100.0% | 1.00 |" in text


def test_the_report_names_the_rows_two_labelers_labeled_differently_as_the_file_numbers_them(store_location):
    session, truth = _second_opinion_project(store_location)
    first = session.current_batch()
    session.submit(answers(first, truth), "ann")
    differing = []
    for _ in range(2):
        view = session.current_batch()
        given = answers(view, truth)
        for row in set(view.rows) & set(first.rows):  # bo's second opinions on ann's rows: all different
            given[row] = next(label for label in CLASSES if label != truth[row])
            differing.append(row)
        session.submit(given, "bo")
    section = project_report(session)["monitoring"]
    assert differing and section["disagreeing_rows"] == sorted(row + 1 for row in differing)
    text = project_report_markdown(session)
    listed = ", ".join(str(row + 1) for row in sorted(differing))
    assert f"labeled differently by two labelers. Their rows ({ROW_MEANING}): {listed}." in text


def test_a_report_without_a_second_labeler_has_no_agreement_section(labeled):
    session, _, _ = labeled
    text = project_report_markdown(session)
    assert "## What each batch bought" in text and "## Agreement between labelers" not in text


def test_the_report_writes_what_people_typed_as_text_not_markdown(store_location):
    frame, truth = blobs()
    hostile = {"north": "<img src=http://host/n.png>", "east": "[e](http://host/e)", "south": "a | b"}
    truth = np.array([hostile[value] for value in truth])
    session = LabelingSession.create(
        ProjectStore(store_location),
        "![p](http://host/p.png)",
        make_dataset(frame, "label"),
        list(hostile.values()),
        batch_size=6,
        second_opinion_share=1.0,
    )
    session.submit(answers(session.current_batch(), truth), "![a](http://host/a.png)")
    session.submit(answers(session.current_batch(), truth), "bo")
    text = project_report_markdown(session)
    assert "](http" not in text and not re.search(r"(?<!\\)<img", text)  # no link, image or HTML to follow
    assert "# Labeling report: \\!\\[p\\]\\(http\u2060\\:" in text  # still there, as typed
    assert "| a \\| b |" in text  # a class with a bar stays in its cell
