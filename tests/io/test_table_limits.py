"""Issue 9 point 5: a small file that spells out a huge table is refused before the table is built,
with a message naming the limit and the setting that raises it."""

import io
import re
import time
import tracemalloc
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from alcore.io.tables import MAX_CELLS_VARIABLE, MAX_MEGABYTES_VARIABLE, DataError, TableLimits, read_table


def _tiny_parquet_of_many_rows(n_rows: int) -> bytes:
    """A few hundred KB of Parquet (one repeated value, dictionary- and run-length-encoded) holding n_rows."""
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": pa.repeat(pa.scalar(1.0), n_rows)}), buffer)
    return buffer.getvalue()


def test_a_small_parquet_file_of_millions_of_rows_is_refused_from_its_metadata():
    content = _tiny_parquet_of_many_rows(20_000_000)
    assert len(content) < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as caught:
            read_table(content, filename="huge.parquet")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "20,000,000 rows × 1 columns" in str(caught.value) and MAX_CELLS_VARIABLE in str(caught.value)
    assert peak < 50 * 2**20  # the 160 MB column was never built


def test_a_csv_past_the_cap_stops_while_it_is_read_and_the_limit_is_a_setting(monkeypatch):
    content = pd.DataFrame({"a": np.arange(30_000), "b": 1.5, "c": "x"}).to_csv(index=False).encode()
    with pytest.raises(DataError, match=r"30,000 rows × 3 columns, more than the 50,000 cells"):
        read_table(content, filename="t.csv", limits=TableLimits(max_cells=50_000))
    monkeypatch.setenv(MAX_CELLS_VARIABLE, "50000")
    with pytest.raises(DataError, match=MAX_CELLS_VARIABLE):
        read_table(content, filename="t.csv")
    monkeypatch.setenv(MAX_CELLS_VARIABLE, "90000")
    assert read_table(content, filename="t.csv").shape == (30_000, 3)


def test_long_text_past_the_memory_cap_is_refused(monkeypatch):
    content = pd.DataFrame({"text": ["word " * 200] * 3_000}).to_csv(index=False).encode()
    monkeypatch.setenv(MAX_MEGABYTES_VARIABLE, "1")
    with pytest.raises(DataError, match=f"past the 1 MB alcore allows.*{MAX_MEGABYTES_VARIABLE}"):
        read_table(content, filename="t.csv")


@pytest.mark.parametrize("suffix", [".jsonl", ".xlsx"])
def test_json_lines_and_excel_are_limited_too(suffix):
    frame = pd.DataFrame({"a": range(200), "b": range(200)})
    buffer = io.BytesIO()
    if suffix == ".jsonl":
        frame.to_json(buffer, orient="records", lines=True)
    else:
        frame.to_excel(buffer, index=False)
    with pytest.raises(DataError, match="cells alcore reads"):
        read_table(buffer.getvalue(), filename="t" + suffix, limits=TableLimits(max_cells=300))
    assert read_table(buffer.getvalue(), filename="t" + suffix).shape == (200, 2)


def test_the_command_line_refuses_the_same_file_at_once(tmp_path, capsys):
    from alcore.cli import main

    path = tmp_path / "huge.parquet"
    path.write_bytes(_tiny_parquet_of_many_rows(20_000_000))
    assert main(["simulate", str(path), "--target", "x"]) == 2
    assert MAX_CELLS_VARIABLE in capsys.readouterr().err


def _workbook(rows: list[list], sheet_xml=lambda xml: xml) -> bytes:
    """An .xlsx of `rows`, its first sheet's XML passed through `sheet_xml` (as another program might write it)."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    saved, rewritten = io.BytesIO(), io.BytesIO()
    workbook.save(saved)
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            content = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                content = sheet_xml(content.decode()).encode()
            target.writestr(part.filename, content)
    return rewritten.getvalue()


def _without_dimension(xml: str) -> str:
    return re.sub(r"<dimension [^>]*/>", "", xml)


def _stating_one_cell(xml: str) -> str:
    return re.sub(r"<dimension [^>]*/>", '<dimension ref="A1:A1"/>', xml)


@pytest.mark.parametrize("stated", [_without_dimension, _stating_one_cell], ids=["no size", "a false size"])
def test_an_excel_sheet_is_counted_by_the_rows_it_holds_not_the_size_it_states(stated):
    """openpyxl reads a sheet's size from the file; a sheet stating none (or one cell) passed the check, and
    the full load that followed held about 500 bytes per cell (a 70 KB file of 1,000,000 cells took 530 MB)."""
    content = _workbook([["a", "b", "label"], *([i, i % 7, "xy"[i % 2]] for i in range(20_000))], stated)
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"at least 10,001 rows × 3 columns, more than the 30,000 cells"):
            read_table(content, filename="t.xlsx", limits=TableLimits(max_cells=30_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # stopped as it streamed, not after building 60,000 cells' objects
    assert read_table(content, filename="t.xlsx").shape == (20_000, 3)


def test_a_workbook_that_unpacks_past_the_memory_limit_is_refused_before_it_is_read():
    long_texts = [[f"{i} " + "a" * 30_000, "xy"[i % 2]] for i in range(100)]  # 3 MB of text, zipped to KB
    content = _workbook([["text", "label"], *long_texts])
    assert len(content) < 100_000
    with pytest.raises(DataError, match=f"unpacks to 3 MB, past the 1 MB alcore allows.*{MAX_MEGABYTES_VARIABLE}"):
        read_table(content, filename="t.xlsx", limits=TableLimits(max_megabytes=1))


def test_a_merged_range_reaching_past_the_table_fills_only_the_table():
    """A range merged down to Excel's last cell made openpyxl build an object for each of its 17 billion cells."""
    rows = [["group", "x", "label"], ["birds", 1, "a"], [None, 2, "b"], [None, 3, "a"]]
    merged = '<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>'
    content = _workbook(rows, lambda xml: xml.replace("</sheetData>", "</sheetData>" + merged))
    started = time.monotonic()
    frame = read_table(content, filename="t.xlsx")
    assert time.monotonic() - started < 10
    assert frame.to_dict("list") == {"group": ["birds"] * 3, "x": ["birds"] * 3, "label": ["birds"] * 3}
    overlapping = '<mergeCells count="1">' + '<mergeCell ref="A2:C4"/>' * 5 + "</mergeCells>"
    content = _workbook(rows, lambda xml: xml.replace("</sheetData>", "</sheetData>" + overlapping))
    with pytest.raises(DataError, match="merged ranges overlap"):
        read_table(content, filename="t.xlsx", limits=TableLimits(max_cells=40))


def _parquet_of_one_long_text(n_rows: int, chars: int, nested: bool = False) -> bytes:
    """n_rows rows of one text of `chars` characters (in a list each when nested): the file stores it once."""
    text = pa.DictionaryArray.from_arrays(pa.array([0] * n_rows, pa.int32()), pa.array(["x" * chars]))
    column = pa.ListArray.from_arrays(pa.array(range(n_rows + 1), pa.int32()), text) if nested else text
    buffer = io.BytesIO()
    pq.write_table(pa.table({"text": column, "label": ["a", "b"] * (n_rows // 2)}), buffer, store_schema=False)
    return buffer.getvalue()


@pytest.mark.parametrize("nested", [False, True], ids=["text", "lists of text"])
def test_a_parquet_text_repeated_in_every_row_is_measured_as_spelled_out(nested):
    """The metadata counts a repeated text once: 2,000 rows of a 2,000-character text stated a few KB,
    and read into 4 MB (a 0.5 KB file of 4,000 rows of 250 KB read into 950 MB)."""
    content = _parquet_of_one_long_text(2_000, 2_000, nested)
    assert len(content) < 10_000
    with pytest.raises(DataError, match=f"past the 1 MB alcore allows.*{MAX_MEGABYTES_VARIABLE}"):
        read_table(content, filename="t.parquet", limits=TableLimits(max_megabytes=1))
    assert read_table(content, filename="t.parquet", limits=TableLimits(max_megabytes=10)).shape == (2_000, 2)


@pytest.mark.parametrize("form", ["list", "lines"])
def test_json_rows_are_tabled_a_chunk_at_a_time_not_all_held_as_python_objects(form):
    """Parsed whole, a 69 MB file of 9,000,000 small objects took 2-3 GB (a dict each) before its 72 MB table
    was built; now only a chunk's objects are held at once."""
    rows = ['{"a": 1}'] * 300_000
    content = ("[" + ", ".join(rows) + "]" if form == "list" else "\n".join(rows)).encode()
    tracemalloc.start()
    try:
        frame = read_table(content, filename="t.json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert frame.shape == (300_000, 1) and frame["a"].sum() == 300_000
    assert peak < 60 * 2**20  # was 70-90 MB
    with pytest.raises(DataError, match="at least|more than the 150,000 cells"):
        read_table(content, filename="t.json", limits=TableLimits(max_cells=150_000))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'[{"a": 1} {"a": 2}]', "Expecting ',' delimiter"),
        (b'[{"a": 1}] x', "Extra data"),
        (b'[{"a": 1},', "Expecting"),
    ],
)
def test_a_damaged_json_list_still_says_what_is_wrong(content, reason):
    with pytest.raises(DataError, match=reason):
        read_table(content, filename="t.json")
    assert read_table(b' [ {"a": 1} ,\n {"a": 2} ] \n', filename="t.json")["a"].tolist() == [1, 2]
