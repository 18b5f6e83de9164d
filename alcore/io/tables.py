"""Reading a user's table from a file, and `DataError`, the one exception for bad user data.

A table arrives as a path, raw bytes, or the file-like object of a browser upload. Its format comes
from the file name; CSV text is sniffed for its encoding and delimiter (`alcore.io.text`). Whatever
goes wrong with the file becomes a `DataError` whose message a non-programmer can act on: no pandas,
openpyxl or pyarrow traceback reaches the user. What reading had to mend (control characters,
merged cells, numbers too large to hold exactly, a workbook's other sheets) is said in
`table_notes(frame)`; what empty rows left out do to the row numbers, in `row_numbering_note(frame)`, shown
beside the rows. `alcore.io.datasets` re-exports `read_table` and `DataError`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.parsers import expat

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from openpyxl.utils.cell import range_boundaries
from pandas.api import types as ptypes

from alcore.io.errors import DataError
from alcore.io.text import cell_counts, decode, sniff_delimiter

__all__ = [
    "FORMATS",
    "DataError",
    "TableLimits",
    "check_unique_names",
    "read_table",
    "row_numbering_note",
    "short_reason",
    "table_notes",
]

FORMATS = ".csv, .tsv, .txt, .xlsx, .parquet, .jsonl"
MAX_CELLS_VARIABLE = "ALCORE_MAX_CELLS"
MAX_MEGABYTES_VARIABLE = "ALCORE_MAX_TABLE_MB"
DEFAULT_MAX_CELLS = 10_000_000
DEFAULT_MAX_MEGABYTES = 500
_CHUNK_ROWS = 100_000  # a CSV file is read this many rows at a time, checking the limits after each
MISSING_MARKERS = frozenset({"NA", "N/A", "n/a", "#N/A", "NaN", "nan", "null", "NULL", "None", "-", "?"})
"""Words that mean "no value" inside a column of numbers. In a column of words they stay words: "NA" may be a class."""
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # control characters other than tab and line ends
_NOTES = "alcore_notes"
_EMPTY_ROWS_BETWEEN = "alcore_empty_rows_between"


@dataclass(frozen=True)
class TableLimits:
    """The largest table alcore reads: rows × columns, and megabytes in memory once read.

    A small file can spell out a huge table (a 326 KB Parquet file held 20,000,000 rows), so the limits are
    checked before the table is built: from a Parquet file's metadata, row by row as an Excel sheet is
    streamed (its stated size is not trusted), and chunk by chunk for CSV and JSON Lines. The server's
    operator raises them with the environment variables ALCORE_MAX_CELLS and ALCORE_MAX_TABLE_MB.
    """

    max_cells: int = DEFAULT_MAX_CELLS
    max_megabytes: float = DEFAULT_MAX_MEGABYTES

    @classmethod
    def from_environment(cls) -> TableLimits:
        """The limits set by ALCORE_MAX_CELLS and ALCORE_MAX_TABLE_MB, else the defaults."""
        return cls(
            max_cells=int(os.environ.get(MAX_CELLS_VARIABLE) or DEFAULT_MAX_CELLS),
            max_megabytes=float(os.environ.get(MAX_MEGABYTES_VARIABLE) or DEFAULT_MAX_MEGABYTES),
        )

    def check(self, n_rows: int, n_columns: int, n_bytes: float = 0.0, at_least: bool = False) -> None:
        """Raise a DataError naming the limit and the setting that raises it, when the table is past either.
        at_least: the counts are of the rows read so far (reading stops there)."""
        cells = n_rows * n_columns
        if cells > self.max_cells:
            raise DataError(
                f"The table has {'at least ' if at_least else ''}{n_rows:,} rows × {n_columns:,} columns, more than "
                f"the {self.max_cells:,} cells "
                f"alcore reads. Load a sample of the rows, or leave out columns; the server's operator can raise "
                f"the limit with {MAX_CELLS_VARIABLE}."
            )
        megabytes = n_bytes / 2**20
        if megabytes > self.max_megabytes:
            raise DataError(
                f"The table takes more than {megabytes:,.0f} MB of memory once read, past the {self.max_megabytes:,.0f} "
                f"MB alcore allows. Load a sample of the rows, or leave out long text columns; the server's operator "
                f"can raise the limit with {MAX_MEGABYTES_VARIABLE}."
            )


def read_table(
    source: str | os.PathLike | IO[bytes] | bytes, filename: str | None = None, limits: TableLimits | None = None
) -> pd.DataFrame:
    """Read a user's table from a path, raw bytes or a file-like object (a browser upload).

    The format comes from `filename`, else the object's `.name` or the path's suffix. `limits` (default
    `TableLimits.from_environment()`) refuse a table too large, before it is built.
    Returns a DataFrame with text column names and no entirely empty rows; `table_notes` says what was mended.
    """
    name = filename or _source_name(source)
    reader = _READERS.get(Path(name).suffix.lower())
    if reader is None:
        shown = f"'{Path(name).name}'" if name else "This file"
        raise DataError(f"{shown} is not a format alcore reads. Save it as one of {FORMATS} and load it again.")
    data = _read_bytes(source)
    if not data.strip():
        raise DataError("The file is empty. Choose a file that has a header row and at least one row of data.")
    notes: list[str] = []
    try:
        frame = reader(data, limits or TableLimits.from_environment(), notes)
    except DataError:
        raise
    except (
        Exception
    ) as exc:  # pandas, openpyxl and pyarrow raise many types for a broken file; the user needs one message
        raise DataError(
            f"The file could not be read as a table ({short_reason(exc)}). Check that the file is complete and not "
            "damaged, and that every row has as many cells as the header; then load it again."
        ) from exc
    frame = _tidy(frame, notes)
    frame.attrs[_NOTES] = notes
    return frame


def table_notes(frame: pd.DataFrame) -> list[str]:
    """What reading the file mended, in plain words (empty for a table that needed nothing); the empty rows left
    out are said by `row_numbering_note`."""
    return list(frame.attrs.get(_NOTES, []))


def row_numbering_note(frame: pd.DataFrame) -> str:
    """Why a row's number may be lower than its place in the file, for beside the rows people read the numbers
    from ("" when it is not). Rows are numbered by their place among the rows with data
    (`alcore.formatting.shown_row`): an empty row left out between them moves every row below it one number up.
    Shown under "Column roles" with the other notes, it was far from the preview whose numbers it explains."""
    between = frame.attrs.get(_EMPTY_ROWS_BETWEEN, 0)
    if not between:
        return ""
    rows = "row was" if between == 1 else "rows were"
    return (
        f"{between:,} empty {rows} left out from between the rows of data. Rows are numbered as they are read, "
        "from 1 for the first row under the header, so below an empty row a row's number is lower than its "
        "place in the file."
    )


def _source_name(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(getattr(source, "name", "") or "")


def _read_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise DataError(
                f"The file '{source}' could not be opened ({exc.strerror}). Check its name and location."
            ) from exc
    if hasattr(source, "seek"):
        source.seek(0)  # a browser upload may already have been read once
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def short_reason(exc: Exception) -> str:
    """The first line of a library's error, to show in brackets after the plain-words message."""
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


# -- the formats -------------------------------------------------------------
def _read_delimited(data: bytes, limits: TableLimits, notes: list[str], delimiter: str | None = None) -> pd.DataFrame:
    text = decode(data)
    delimiter = delimiter or sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    check_unique_names(header)
    cells = cell_counts(text, delimiter).iloc[1:]
    if len(cells) and cells.mode().iloc[0] > len(header):
        # pandas would quietly turn the extra leading cells into an index and drop them
        raise DataError(
            f"The header row has {len(header)} names but the rows below have {int(cells.mode().iloc[0])} cells. "
            "Put exactly one name per column in the first row, and load the file again."
        )
    # Only an empty cell is missing here: "NA", "None" and "null" may be class names (see _numbers_with_markers).
    # Blank lines are read as empty rows, so that _tidy counts them among the empty rows it leaves out.
    chunks = pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        chunksize=_CHUNK_ROWS,
    )
    frame = _read_in_chunks(chunks, limits)
    return _parse_formatted_numbers(frame, decimal_mark="," if delimiter == ";" else ".")


def _read_in_chunks(chunks, limits: TableLimits) -> pd.DataFrame:
    """Join a reader's chunks, stopping with a DataError as soon as they pass the limits."""
    kept, n_rows, n_bytes = [], 0, 0
    for chunk in chunks:
        kept.append(chunk)
        n_rows += len(chunk)
        n_bytes += table_memory(chunk)
        limits.check(n_rows, chunk.shape[1], n_bytes)
    return pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]  # a reader yields at least one chunk


_GROUPED_NUMBER = {
    ".": (re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"), ","),
    ",": (re.compile(r"[-+]?\d{1,3}(?:[. \u00a0\u202f]\d{3})+(?:,\d+)?"), r"[. \u00a0\u202f]"),
}
"""By the file's decimal mark: a number as a spreadsheet shows it with thousands separators ("1,499.50";
"1.499,50" or "1 499,50" where the decimal mark is a comma), and the separators to take out of it."""


def _parse_formatted_numbers(frame: pd.DataFrame, decimal_mark: str) -> pd.DataFrame:
    """Read as numbers the columns a spreadsheet saved as it shows them: Excel writes a cell formatted as
    "1,499" as that text, and a price column came in as 808 categories (Ecdat's Computers). Semicolon files
    usually come from locales that write 1,5 for 1.5, so their decimal mark is a comma. A column becomes
    numbers only when every cell then reads as one."""
    grouped, separators = _GROUPED_NUMBER[decimal_mark]
    for name in frame.columns:
        column = frame[name]
        if not ptypes.is_string_dtype(column):
            continue
        shown = column.dropna().astype(str).str.strip()
        text = shown.where(~shown.str.fullmatch(grouped), shown.str.replace(separators, "", regex=True))
        if decimal_mark == ",":
            text = text.str.replace(",", ".", regex=False)
        if text.equals(shown):
            continue  # nothing was written the spreadsheet's way; pandas has read any plain numbers
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().all():
            frame[name] = numbers.reindex(column.index)
    return frame


def _read_excel(data: bytes, limits: TableLimits, notes: list[str]) -> pd.DataFrame:
    """The first sheet with a table, streamed row by row (openpyxl's read-only mode), counting the cells it
    really holds: a sheet's stated size is written by whoever made the file, and a 70 KB workbook with none
    (or a false one) held 100,000 rows that openpyxl's full mode turned into 530 MB of cell objects. No
    full-mode load: it also made one object per cell of every merged range and of every sheet."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError("This is an old Excel file (.xls). Open it in Excel and save it as .xlsx, then load that file.")
    if not data.startswith(b"PK"):
        raise DataError(
            "This file is not a real Excel workbook. Open it in Excel and save it as .xlsx, or export it as CSV."
        )
    _check_unpacked_size(data, limits)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)  # data_only: saved results
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # the stated size may be wrong: read the rows it holds
            rows, width = _sheet_rows(sheet, limits)
            if len(rows) > 1 or width > 1:
                break
        else:
            raise DataError("Every sheet of the workbook is empty. Put the table on the first sheet and load it again.")
        merged = _merged_ranges(sheet)
    finally:
        workbook.close()
    if len(workbook.worksheets) > 1:
        notes.append(
            f"The workbook has {len(workbook.worksheets)} sheets; alcore read '{sheet.title}'. To use another, "
            "move it to the front (or save it as its own file) and load the file again."
        )
    _fill_merged_cells(merged, rows, limits, notes)
    header = [
        f"column_{i + 1}" if cell is None or str(cell).strip() == "" else str(cell) for i, cell in enumerate(rows[0])
    ]
    check_unique_names(header)  # read the header ourselves: pandas would silently rename duplicates to "name.1"
    frame = pd.DataFrame(rows[1:], columns=header).infer_objects()
    limits.check(*frame.shape, table_memory(frame))
    _note_uncalculated_formulas(data, sheet.title, frame, notes)
    return frame


def _check_unpacked_size(data: bytes, limits: TableLimits) -> None:
    """Refuse a workbook whose parts unpack to more than the memory limit: a zip of a few MB can unpack to
    gigabytes of XML (one shared string repeated), all of which openpyxl would hold. Python's zip reader
    stops each part at its stated size, so the stated sizes bound what is read."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(part.file_size for part in archive.infolist())
    if unpacked > limits.max_megabytes * 2**20:
        raise DataError(
            f"The workbook unpacks to {unpacked / 2**20:,.0f} MB, past the {limits.max_megabytes:,.0f} MB alcore "
            f"allows. Save the table as CSV or Parquet, or load a sample of its rows; the server's operator can "
            f"raise the limit with {MAX_MEGABYTES_VARIABLE}."
        )


def _sheet_rows(sheet, limits: TableLimits) -> tuple[list[list], int]:
    """The sheet's rows, each padded to the widest, and that width; stops at the limits as it goes."""
    rows, width = [], 0
    for row in sheet.iter_rows(values_only=True):
        width = max(width, len(row))
        rows.append(list(row))
        limits.check(len(rows), width, at_least=True)
    return [row + [None] * (width - len(row)) for row in rows], width


def _merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range of a read-only sheet, from its XML: the
    read-only reader streams the cells and keeps no merged ranges. An entity declaration is refused."""
    ranges = []

    def start(name: str, attributes: dict) -> None:
        if name.rsplit("}", 1)[-1] == "mergeCell" and "ref" in attributes:
            ranges.append(range_boundaries(attributes["ref"]))

    def refuse_entities(*_) -> None:
        raise DataError("This file is not a real Excel workbook. Open it in Excel and save it as .xlsx again.")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    parser.EntityDeclHandler = refuse_entities
    with sheet.parent._archive.open(sheet._worksheet_path) as source:  # openpyxl keeps no public handle on it
        parser.ParseFile(source)
    return ranges


def _fill_merged_cells(ranges: list[tuple[int, int, int, int]], rows: list[list], limits, notes: list[str]) -> None:
    """Every cell of a merged range below the header gets the range's value, as a person reads it. Ranges are
    cut to the table; ranges covering more cells than the table may hold (they overlap) are refused."""
    width = len(rows[0]) if rows else 0
    cut = [
        (min_col, min_row, min(max_col, width), min(max_row, len(rows)))
        for min_col, min_row, max_col, max_row in ranges
        if min_row <= len(rows) and min_col <= width
    ]
    covered = sum(
        (max_col - min_col + 1) * max(0, max_row - max(min_row, 2) + 1) for min_col, min_row, max_col, max_row in cut
    )
    if covered > limits.max_cells:
        raise DataError(
            "The workbook's merged ranges overlap: they cover more cells than the sheet holds. Unmerge them in Excel "
            "(or save the table as CSV) and load it again."
        )
    filled = 0
    for min_col, min_row, max_col, max_row in cut:
        value = rows[min_row - 1][min_col - 1]
        for r in range(max(min_row, 2), max_row + 1):  # the header row keeps one name per column
            for c in range(min_col, max_col + 1):
                if (r, c) != (min_row, min_col):
                    rows[r - 1][c - 1] = value
                    filled += 1
    if filled:
        notes.append(f"{filled:,} cells of merged ranges were filled with the value of their range.")


def _note_uncalculated_formulas(data: bytes, title: str, frame: pd.DataFrame, notes: list[str]) -> None:
    """A file written by a program (not a spreadsheet) has formulas without results: they read as empty."""
    empty = [name for name in frame.columns if frame[name].isna().all()]
    if not empty:
        return
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)[title]
    header = next(sheet.iter_rows(values_only=True))
    second = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True), ())
    formulas = [str(name) for name, cell in zip(header, second) if isinstance(cell, str) and cell.startswith("=")]
    if formulas:
        shown = ", ".join(f"'{name}'" for name in formulas[:5])
        columns_hold = "column" + (f" {shown} holds" if len(formulas) == 1 else f"s {shown} hold")
        notes.append(
            f"The {columns_hold} formulas whose results were never saved, so they read as empty. Open the file in "
            "Excel or LibreOffice, save it, and load it again to use them."
        )


def _read_parquet(data: bytes, limits: TableLimits, notes: list[str]) -> pd.DataFrame:
    if not data.startswith(b"PAR1"):
        raise DataError("This file is not a real Parquet file. Export the table again as Parquet, or as CSV.")
    metadata = pq.ParquetFile(io.BytesIO(data)).metadata  # counts and uncompressed sizes, no rows read
    uncompressed = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    limits.check(metadata.num_rows, metadata.num_columns, uncompressed)
    _check_spelled_out_size(data, limits)
    return pd.read_parquet(io.BytesIO(data))


_PARQUET_CHECK_ROWS = 1_024
"""Rows per batch of the size check: a batch's distinct texts are held while it is measured."""


def _check_spelled_out_size(data: bytes, limits: TableLimits) -> None:
    """Refuse a Parquet table whose text, spelled out, passes the memory limit, before it is spelled out.

    The sizes in a file's metadata count its text as stored: a dictionary of distinct values and a small
    index per row. A 0.5 KB file of 4,000 rows of one 250 KB text stated 0.2 MB and became a 950 MB table
    (3 GB while pandas built it). Here the text columns are read as dictionaries, batch by batch, and each
    row's text length is counted from its index."""
    schema = pq.ParquetFile(io.BytesIO(data)).schema
    texts = [column.path for column in schema if column.physical_type == "BYTE_ARRAY"]
    file = pq.ParquetFile(io.BytesIO(data), read_dictionary=texts)
    n_rows, n_bytes = 0, 0
    for batch in file.iter_batches(batch_size=_PARQUET_CHECK_ROWS):
        n_rows += batch.num_rows
        n_bytes += sum(_spelled_out_bytes(column) for column in batch.columns)
        limits.check(n_rows, batch.num_columns, n_bytes)


def _spelled_out_bytes(array: pa.Array) -> int:
    """Bytes `array` takes once each dictionary-encoded value is written out in its row (lists and structs too)."""
    kind = array.type
    if pa.types.is_dictionary(kind):
        values = array.dictionary
        if pa.types.is_binary(values.type) or pa.types.is_string(values.type):
            sizes = pc.add(pc.binary_length(values), 8)  # the text and its offset
        else:
            sizes = pa.array([values.nbytes // max(len(values), 1)] * len(values), pa.int64())
        return int(pc.sum(pc.take(sizes, array.indices)).as_py() or 0)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return 8 * len(array) + _spelled_out_bytes(array.flatten())
    if pa.types.is_map(kind):
        return 8 * len(array) + _spelled_out_bytes(array.keys) + _spelled_out_bytes(array.items)
    if pa.types.is_struct(kind):
        return sum(_spelled_out_bytes(array.field(i)) for i in range(kind.num_fields))
    return array.nbytes


def _read_json_lines(data: bytes, limits: TableLimits, notes: list[str]) -> pd.DataFrame:
    """Rows parsed and tabled _CHUNK_ROWS at a time, checking the limits after each chunk: parsed whole, a
    69 MB file of 9,000,000 small objects took 2-3 GB as Python dicts before the 72 MB table was built."""
    text = decode(data)
    records = _json_array(text) if text.lstrip().startswith("[") else _json_lines(text)
    frames, n_rows, n_bytes, width = [], 0, 0, 1
    for chunk in _chunked(records, _CHUNK_ROWS):
        frame = pd.DataFrame.from_records(chunk)
        n_rows, n_bytes, width = n_rows + len(frame), n_bytes + table_memory(frame), max(width, frame.shape[1])
        limits.check(n_rows, width, n_bytes)  # an empty object counts as a cell: "{}" a million times is not free
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0] if frames else pd.DataFrame()
    limits.check(*frame.shape, table_memory(frame))  # the chunks' columns joined
    return frame


def table_memory(frame: pd.DataFrame) -> int:
    """Bytes the table takes in memory, text included (what TableLimits' megabytes count)."""
    return int(frame.memory_usage(deep=True).sum())


def _chunked(records, size: int):
    chunk = []
    for record in records:
        if not isinstance(record, dict):
            raise DataError(
                'The JSON file does not hold rows: alcore reads one object per line ({"column": value, …}) or a '
                "list of such objects. Export the table again in that shape."
            )
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _json_lines(text: str):
    """Each non-blank line's value, parsed as it is reached (Python's parser: whole numbers of any size stay exact)."""
    for number, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"Line {number:,} of the file is not a JSON object ({exc.msg}). Each line of a JSON Lines file "
                'holds one row as {"column": value, …}: fix that line (or export the file again) and load it.'
            ) from exc


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _json_array(text: str):
    """Each element of a JSON list, parsed one at a time (a damaged list raises json.JSONDecodeError)."""
    decoder = json.JSONDecoder()
    at = _JSON_SPACE.match(text).end() + 1  # past the "["
    at = _JSON_SPACE.match(text, at).end()
    if text.startswith("]", at):
        at += 1
    else:
        while True:
            value, at = decoder.raw_decode(text, at)
            yield value
            if text[at : at + 1] not in (",", "]"):  # the usual case, "},{", skips the regular expressions
                at = _JSON_SPACE.match(text, at).end()
            if text.startswith("]", at):
                at += 1
                break
            if not text.startswith(",", at):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
            at += 1
            if text[at : at + 1] in (" ", "\n", "\t", "\r"):
                at = _JSON_SPACE.match(text, at).end()
    if _JSON_SPACE.match(text, at).end() != len(text):
        raise json.JSONDecodeError("Extra data", text, at)


_READERS = {
    ".csv": _read_delimited,
    ".txt": _read_delimited,
    ".tsv": lambda data, limits, notes: _read_delimited(data, limits, notes, "\t"),
    ".tab": lambda data, limits, notes: _read_delimited(data, limits, notes, "\t"),
    ".xlsx": _read_excel,
    ".xlsm": _read_excel,
    ".parquet": _read_parquet,
    ".jsonl": _read_json_lines,
    ".ndjson": _read_json_lines,
    ".json": _read_json_lines,
}


def check_unique_names(names) -> None:
    """Refuse repeated column names: a model (and a person) could not tell those columns apart."""
    stripped = pd.Series([str(name).strip() for name in names])
    repeated = sorted(set(stripped[stripped.duplicated()]))
    if repeated:
        shown = ", ".join(f"'{name}'" for name in repeated[:5])
        raise DataError(
            f"The table has more than one column named {shown}. "
            "Give every column a different name in the header row and load the file again."
        )


# -- one shape for every format -------------------------------------------------
def _tidy(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Text column names, no fully empty rows, one kind of value per column; refuse a table with no data."""
    names = [str(name).strip() or f"column_{i + 1}" for i, name in enumerate(frame.columns)]
    check_unique_names(names)
    frame = frame.set_axis(names, axis=1)
    empty = frame.isna().all(axis=1).to_numpy()
    if empty.all():
        raise DataError("The file has no rows of data. Choose a file with a header row and at least one row below it.")
    frame = frame[~empty].reset_index(drop=True)
    frame.attrs[_EMPTY_ROWS_BETWEEN] = int(empty[: np.flatnonzero(~empty)[-1]].sum())  # after the last move nothing
    huge, cleaned = [], []
    for name in [name for name in frame.columns if frame[name].dtype == object or ptypes.is_string_dtype(frame[name])]:
        column = original = frame[name]  # only columns of text or objects can need mending
        if column.dtype == object:
            column, too_large = _one_kind_of_value(column)
            huge += [name] if too_large else []
        if ptypes.is_string_dtype(column) or column.dtype == object:
            column = _numbers_with_markers(column)
        if ptypes.is_string_dtype(column) and column.str.contains(_CONTROL, regex=True, na=False).any():
            column = column.str.replace(_CONTROL, "", regex=True)
            cleaned.append(name)
        if column is not original:
            frame[name] = column
    if huge:
        notes.append(
            f"Whole numbers too large to store exactly (beyond ±9.2 quintillion) in {_names(huge)} are read as "
            "approximate numbers."
        )
    if cleaned:
        notes.append(
            f"Invisible control characters (such as NUL) were removed from the cells of {_names(cleaned)}, so a "
            "value with one hidden in it counts as the same value as the one without."
        )
    return frame


def _names(columns: list[str]) -> str:
    """'a', 'b' and 3 more: column names for a note."""
    shown = ", ".join(f"'{name}'" for name in columns[:5])
    return f"{shown} and {len(columns) - 5} more" if len(columns) > 5 else shown


def _one_kind_of_value(column: pd.Series) -> tuple[pd.Series, bool]:
    """An object column as one type a table widget and a model can take; True if whole numbers lost exactness.

    Nested values (JSON objects, Parquet lists and structs) become JSON text; a mix of numbers and
    words becomes text; whole numbers beyond int64 become floats.
    """
    present = column.dropna()
    if present.empty:
        return column, False
    kinds = {type(value) for value in present}
    if kinds <= {int, float, bool, np.int64, np.float64} and not kinds <= {bool}:
        too_large = any(isinstance(v, int) and not -(2**63) <= v < 2**63 for v in present)
        return pd.to_numeric(column.map(float, na_action="ignore"), errors="coerce"), too_large
    nested = (dict, list, tuple, np.ndarray)
    if any(issubclass(kind, nested) for kind in kinds):
        return column.map(lambda v: json.dumps(_plain(v), default=str) if isinstance(v, nested) else v), False
    if len(kinds) > 1 and str in kinds:
        return column.map(str, na_action="ignore").astype("str"), False
    return column, False


def _plain(value):
    """A nested Parquet or JSON value as lists and dicts that json.dumps writes."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _numbers_with_markers(column: pd.Series) -> pd.Series:
    """A column of numbers where some cells say "NA", "null", "?"…: numbers with gaps; any other column as it was."""
    text = column.dropna().astype(str).str.strip()
    markers = text.isin(MISSING_MARKERS)
    if not markers.any() or markers.all():
        return column
    numbers = pd.to_numeric(text[~markers], errors="coerce")
    if numbers.isna().any():
        return column  # words beside the markers: "NA" may be a class name here
    cells = column.map(lambda value: str(value).strip(), na_action="ignore")
    return pd.to_numeric(cells.where(~cells.isin(MISSING_MARKERS)), errors="coerce")
