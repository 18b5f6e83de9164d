"""Files as people bring them: encodings, line ends, missing-value words, control characters, merged
cells, huge numbers, dates and quantities (alcore.io.tables, .text, .roles). Size limits: test_table_limits.py."""

import datetime as dt
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from alcore.io.datasets import (
    DataError,
    Role,
    group_into_ranges,
    make_dataset,
    quantity_question,
    read_table,
    simulation_arrays,
    to_features,
)
from alcore.io.roles import as_datetimes
from alcore.io.tables import row_numbering_note, table_notes

ROWS = "name,colour,label\n" + "\n".join(f"Zoë {i},grün {i % 3},{'ab'[i % 2]}" for i in range(30)) + "\n"


@pytest.mark.parametrize(
    ("content", "price", "numbers"),
    [
        # Excel's CSV of a cell formatted with a thousands separator (Ecdat's Computers: 808 "categories")
        ('\ufeffprice,label\n"1,499",a\n"12,345.50",b\n999,a\n,b\n', [1499, 12345.5, 999, None], True),
        ("price;label\n1.499,50;a\n999,25;b\n12.345.678;a\n", [1499.5, 999.25, 12345678], True),  # a comma locale
        ("price;label\n1 499,5;a\n2\u00a0000;b\n", [1499.5, 2000], True),
        ('price,label\n"1,499",a\n"1,49",b\n', ["1,499", "1,49"], False),  # not every cell is a number
        ("price,label\n1.5.2,a\n2.0.1,b\n", ["1.5.2", "2.0.1"], False),  # version numbers stay words
    ],
)
def test_numbers_a_spreadsheet_wrote_with_thousands_separators_are_read_as_numbers(content, price, numbers):
    frame = read_table(content.encode(), filename="export.csv")
    assert pd.api.types.is_numeric_dtype(frame["price"]) == numbers
    assert [None if pd.isna(value) else value for value in frame["price"]] == price


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "cp1252", "mac_roman"]
)
@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_every_encoding_and_line_end_a_spreadsheet_writes_is_read(encoding, line_end):
    frame = read_table(ROWS.replace("\n", line_end).encode(encoding), filename="export.csv")
    assert list(frame.columns) == ["name", "colour", "label"]
    assert frame.shape == (30, 3)
    assert frame["name"][1] == "Zoë 1" and frame["colour"][2] == "grün 2"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("cp1251", "имя,цвет\nИван,красный\nПётр,синий\nАнна,зелёный\n"),
        ("shift_jis", "名前,色\n山田,赤\n田中,青\n佐藤,緑\n"),
        ("gb18030", "名字,颜色\n张三,红色\n李四,蓝色\n王五,绿色\n"),
    ],
)
def test_code_pages_of_other_scripts_are_recognised(encoding, text):
    frame = read_table(text.encode(encoding), filename="t.csv")
    assert frame.to_csv(index=False) == text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
def test_na_none_and_null_written_as_classes_stay_classes(fmt):
    labels = ["NA", "None", "null", "cat"] * 10
    frame = pd.DataFrame({"x": np.arange(40) % 7, "label": labels})
    loaded = make_dataset(read_table(_written(frame, fmt), filename=f"t.{fmt}"), "label")
    assert loaded.classes() == ["NA", "None", "cat", "null"]
    assert loaded.labeled_mask().all()


def test_missing_value_words_in_a_column_of_numbers_are_gaps():
    frame = read_table(b"x,y,label\n1.5,NA,a\nnull,2,b\n3,?,a\n4,5,b\n", filename="t.csv")
    assert frame["x"].isna().tolist() == [False, True, False, False]
    assert frame["y"].isna().tolist() == [True, False, True, False]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_control_characters_are_removed_with_a_note(fmt):
    frame = pd.DataFrame({"x": [1, 2, 1, 2, 1, 3], "label": ["bird", "bird\x00", "cat", "ca\x07t", "bird", "cat"]})
    read = read_table(_written(frame, fmt), filename=f"t.{fmt}")
    assert sorted(set(read["label"])) == ["bird", "cat"]
    assert any("control characters" in note and "'label'" in note for note in table_notes(read))
    assert make_dataset(read, "label").notes == table_notes(read)


def test_merged_excel_cells_are_filled_from_their_range_and_other_sheets_are_named():
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "animals"
    sheet.append(["group", "weight", "label"])
    for row in [["birds", 1, "small"], [None, 2, "small"], [None, 30, "big"], ["cats", 4, "small"], [None, 40, "big"]]:
        sheet.append(row)
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("A5:A6")
    workbook.create_sheet("notes").append(["anything"])
    data = io.BytesIO()
    workbook.save(data)
    frame = read_table(data.getvalue(), filename="merged.xlsx")
    assert frame["group"].tolist() == ["birds", "birds", "birds", "cats", "cats"]
    notes = " ".join(table_notes(frame))
    assert "3 cells of merged ranges" in notes and "2 sheets" in notes and "'animals'" in notes


def test_whole_numbers_beyond_int64_become_approximate_numbers_the_page_can_show():
    rng = np.random.default_rng(0)
    big = [int(v) * 10**30 for v in rng.integers(1, 1000, 40)]
    text = "big,label\n" + "".join(f"{value},{'ab'[i % 2]}\n" for i, value in enumerate(big))
    frame = read_table(text.encode(), filename="big.csv")
    assert frame["big"].dtype == float and frame["big"][0] == pytest.approx(big[0])
    pa.Table.from_pandas(frame)  # what st.dataframe does; it raised OverflowError on Python ints
    assert "too large to store exactly" in table_notes(frame)[0]
    dataset = make_dataset(frame, "label")
    assert dataset.roles["big"] is Role.NUMERIC
    assert "'big'" in " ".join(dataset.notes) and np.isfinite(to_features(dataset)).all()


def test_one_huge_value_is_compressed_not_nan():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=60), "label": ["a", "b"] * 30})
    frame.loc[0, "x"] = 1e300
    frame.loc[1, "x"] = -1e250
    dataset = make_dataset(frame, "label")
    X = to_features(dataset)
    assert np.isfinite(X).all()
    assert X[0, 0] == X[:, 0].max() and X[1, 0] == X[:, 0].min()  # order kept
    assert any("'x'" in note and "1e+300" in note for note in dataset.notes)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
def test_dates_and_times_become_features_not_ids(fmt):
    n = 40
    stamps = pd.date_range("2024-01-01 08:00", periods=n, freq="7h", tz="Europe/Berlin")
    frame = pd.DataFrame(
        {
            "when": stamps.tz_localize(None) if fmt == "xlsx" else stamps,
            "day": [d.date() for d in stamps] if fmt == "parquet" else stamps.strftime("%Y-%m-%d"),
            "label": ["night" if s.hour < 12 else "day" for s in stamps],
        }
    )
    dataset = make_dataset(read_table(_written(frame, fmt), filename=f"t.{fmt}"), "label")
    assert dataset.roles["when"] is Role.DATE and dataset.roles["day"] is Role.DATE
    X = to_features(dataset)
    assert X.shape == (n, 10) and np.isfinite(X).all()  # days, year, month, weekday, hour for each
    hour = X[:, 4]
    assert len(np.unique(hour)) > 1 and np.corrcoef(hour, frame["label"] == "day")[0, 1] != 0


@pytest.mark.parametrize(
    ("written", "fmt", "sep"),
    [
        ("%d/%m/%Y", "csv", ","),  # British: 01/02/2012 is the 1st of February
        ("%d.%m.%Y %H:%M", "csv", ";"),  # German Excel: dots, day first
        ("%m/%d/%Y %I:%M %p", "csv", ","),  # American Excel: month first
    ],
)
def test_a_column_of_numbered_dates_is_read_in_one_order(written, fmt, sep):
    """pandas reads such dates cell by cell: a British column gave 2 January for 01/02/2012 beside
    13 February for 13/02/2012, so the month, weekday and days of most rows were wrong."""
    stamps = pd.date_range("2012-01-01", periods=60, freq="5D")
    frame = pd.DataFrame({"when": stamps.strftime(written), "label": ["a", "b"] * 30})
    read = read_table(frame.to_csv(index=False, sep=sep).encode(), filename=f"t.{fmt}")
    assert make_dataset(read, "label").roles["when"] is Role.DATE
    assert as_datetimes(read["when"]).dt.date.tolist() == stamps.date.tolist()  # what the features are made of


def test_a_table_too_small_to_split_says_how_many_rows_it_needs():
    dataset = make_dataset(pd.DataFrame({"x": [1, 2, 3, 4], "label": ["a", "b", "a", "b"]}), "label")
    with pytest.raises(DataError, match="at least 5 labeled rows"):
        simulation_arrays(dataset)
    simulation_arrays(make_dataset(pd.DataFrame({"x": range(5), "label": list("ababa")}), "label"))


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (np.random.default_rng(0).integers(18, 81, 200), "age"),
        (np.round(np.random.default_rng(0).uniform(0, 5, 200), 1), "ratio"),
    ],
)
def test_a_quantity_gets_a_plain_question_and_ranges_that_work(values, kind):
    frame = pd.DataFrame({"x": np.arange(len(values)) % 7, kind: values})
    question = quantity_question(frame[kind], kind)
    assert question.startswith(f"'{kind}' looks like a number to predict, not a set of classes")
    assert "Group it into ranges" in question and "pick another column" in question
    with pytest.raises(DataError, match="number to predict"):
        make_dataset(frame, kind)
    grouped = frame.assign(**{kind: group_into_ranges(frame[kind], 4)})
    dataset = make_dataset(grouped, kind)
    counts = dataset.labels().value_counts()
    assert len(counts) == 4 and counts.min() >= 30  # about equal ranges
    low, high = dataset.classes()[0], dataset.classes()[-1]
    assert low.startswith("1: ") and high.startswith("4: ")
    assert f"{values.max():g}" in high


def test_classes_that_are_few_whole_numbers_are_still_classes():
    frame = pd.DataFrame({"x": np.arange(100) % 7, "digit": np.arange(100) % 10})
    assert quantity_question(frame["digit"], "digit") is None
    assert make_dataset(frame, "digit").classes() == list(range(10))


def _written(frame: pd.DataFrame, fmt: str) -> bytes:
    data = io.BytesIO()
    if fmt == "csv":
        data.write(frame.to_csv(index=False).encode())
    elif fmt == "xlsx":
        frame.to_excel(data, index=False)
    elif fmt == "parquet":
        frame.to_parquet(data, index=False)
    else:
        frame.to_json(data, orient="records", lines=True, date_format="iso")
    return data.getvalue()


# -- random tables, written as a program would, read back -------------------------------
_CELL_KINDS = {
    "whole": st.integers(-(10**25), 10**25),
    "decimal": st.floats(allow_nan=True, allow_infinity=True),
    "word": st.sampled_from(["NA", "None", "null", "bird", "Zoë", "猫", " x ", "", "1,5", "?", "a\x00b"]),
    "date": st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    "flag": st.booleans(),
}


@st.composite
def random_tables(draw) -> pd.DataFrame:
    """1 to 40 rows, 1 to 4 feature columns of random kinds with random gaps, and a label column with gaps."""
    n_rows = draw(st.integers(1, 40))
    columns = {}
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(sorted(_CELL_KINDS)))
        cells = st.one_of(st.none(), _CELL_KINDS[kind]) if draw(st.booleans()) else _CELL_KINDS[kind]
        columns[f"{kind}_{i}"] = draw(st.lists(cells, min_size=n_rows, max_size=n_rows))
    columns["label"] = draw(st.lists(st.sampled_from(["yes", "no", "NA", None]), min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(columns)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_tables(), st.sampled_from(["csv", "xlsx", "parquet", "jsonl"]))
def test_any_table_a_program_writes_reads_back_whole_or_says_why(frame, fmt):
    try:
        content = _written(frame, fmt)
    except Exception:  # the writing library itself refuses some tables (Excel: NUL in a cell, out-of-range dates)
        assume(False)
    try:
        read = read_table(content, filename=f"random.{fmt}")
    except DataError as error:
        assert len(str(error)) > 40  # a sentence that says what to do, not a library's code
        return
    assert list(read.columns) == list(frame.columns)
    written = frame.replace([np.inf, -np.inf], np.nan) if fmt == "jsonl" else frame  # JSON writes infinity as null
    written = written.replace("", np.nan) if fmt == "xlsx" else written  # an empty text is an empty cell
    assert len(read) == len(written.dropna(how="all")) or fmt == "csv"  # CSV writes None and "" alike
    try:
        dataset = make_dataset(read, "label")
        X = to_features(dataset)
    except DataError as error:
        assert len(str(error)) > 40
        return
    assert X.shape[0] == len(read)
    assert np.isfinite(X.data if hasattr(X, "data") and not isinstance(X, np.ndarray) else X).all()
    pa.Table.from_pandas(read)  # what the Data page's preview does


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_empty_rows_between_the_data_are_left_out_and_said_to_move_the_row_numbers(fmt):
    """Rows are numbered from 1 under the header as they are read (`shown_row`): a blank line or a row of
    empty cells in the middle of the file moves the rows below it, and the person is told."""
    if fmt == "csv":
        data = "\n".join(["x,y,label", "1,2,a", "", "3,4,b", ",,", "5,6,a", "", ""]).encode()
    else:
        rows = [[1, 2, "a"], [None] * 3, [3, 4, "b"], [None] * 3, [5, 6, "a"], [None] * 3]
        data = _written(pd.DataFrame(rows, columns=["x", "y", "label"]), "xlsx")
    read = read_table(data, filename=f"t.{fmt}")
    assert read["x"].tolist() == [1, 3, 5]
    assert row_numbering_note(read).startswith("2 empty rows were left out")  # the two at the end move nothing
    assert row_numbering_note(make_dataset(read, "label").frame) == row_numbering_note(read)  # as the CLI reads it
    assert not [note for note in table_notes(read) if "empty" in note]  # said once, beside the rows, not with these


def test_a_table_without_empty_rows_inside_has_no_note_about_them():
    read = read_table(b"x,y,label\n1,2,a\n3,4,b\n\n\n", filename="t.csv")
    assert len(read) == 2 and row_numbering_note(read) == ""


@pytest.mark.parametrize(
    ("formula_columns", "words"), [(1, "The column 'b' holds formulas"), (2, "The columns 'b', 'c' hold")]
)
def test_columns_of_unsaved_formulas_are_named_in_the_right_number(formula_columns, words):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["a", "b", "c"][: 1 + formula_columns] + ["label"])
    for i in range(5):
        formulas = [f"=A{i + 2}*{k + 2}" for k in range(formula_columns)]
        sheet.append([i, *formulas, "x" if i % 2 else "y"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert any(note.startswith(words) for note in table_notes(read_table(buffer.getvalue(), filename="t.xlsx")))
