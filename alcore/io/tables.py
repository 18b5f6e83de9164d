"""Reading a user's table from a file, and `DataError`, the one exception for bad user data.

A table arrives as a path, raw bytes, or the file-like object of a browser upload. Its format comes
from the file name; CSV text is sniffed for its encoding and delimiter. Whatever goes wrong with the
file becomes a `DataError` whose message a non-programmer can act on: no pandas, openpyxl or pyarrow
traceback reaches the user. `alcore.io.datasets` re-exports both names.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
from pandas.api import types as ptypes

FORMATS = ".csv, .tsv, .txt, .xlsx, .parquet, .jsonl"
_SAMPLE_CHARS = 65_536
_DELIMITERS = ",;\t|"
MAX_CELLS_VARIABLE = "ALCORE_MAX_CELLS"
MAX_MEGABYTES_VARIABLE = "ALCORE_MAX_TABLE_MB"
DEFAULT_MAX_CELLS = 10_000_000
DEFAULT_MAX_MEGABYTES = 500
_CHUNK_ROWS = 100_000  # a CSV or JSON Lines file is read this many rows at a time, checking the limits after each


class DataError(Exception):
    """A problem with the user's data, told in plain words: what is wrong and what to do."""


@dataclass(frozen=True)
class TableLimits:
    """The largest table alcore reads: rows × columns, and megabytes in memory once read.

    A small file can spell out a huge table (a 326 KB Parquet file held 20,000,000 rows), so the limits are
    checked before the table is built: from a Parquet file's metadata, an Excel sheet's dimensions, and
    chunk by chunk for CSV and JSON Lines. The server's operator raises them with the environment
    variables ALCORE_MAX_CELLS and ALCORE_MAX_TABLE_MB.
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

    def check(self, n_rows: int, n_columns: int, n_bytes: float = 0.0) -> None:
        """Raise a DataError naming the limit and the setting that raises it, when the table is past either."""
        cells = n_rows * n_columns
        if cells > self.max_cells:
            raise DataError(
                f"The table has {n_rows:,} rows × {n_columns:,} columns, more than the {self.max_cells:,} cells "
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
    Returns a DataFrame with text column names and no entirely empty rows.
    """
    name = filename or _source_name(source)
    reader = _READERS.get(Path(name).suffix.lower())
    if reader is None:
        shown = f"'{Path(name).name}'" if name else "This file"
        raise DataError(f"{shown} is not a format alcore reads. Save it as one of {FORMATS} and load it again.")
    data = _read_bytes(source)
    if not data.strip():
        raise DataError("The file is empty. Choose a file that has a header row and at least one row of data.")
    try:
        frame = reader(data, limits or TableLimits.from_environment())
    except DataError:
        raise
    except (
        Exception
    ) as exc:  # pandas, openpyxl and pyarrow raise many types for a broken file; the user needs one message
        raise DataError(
            f"The file could not be read as a table ({short_reason(exc)}). Check that the file is complete and not "
            "damaged, and that every row has as many cells as the header; then load it again."
        ) from exc
    return _tidy(frame)


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


_ENCODING_MESSAGE = (
    "This file does not look like a text table: it contains binary data or uses a text encoding alcore cannot "
    "recognize. Open it in your spreadsheet program and save it as 'CSV UTF-8' (or .xlsx), then load that file."
)


def _decode(data: bytes) -> str:
    """Bytes to text: UTF-16 when it has a byte-order mark, else UTF-8 (with or without BOM), Windows-1252, Latin-1."""
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError(_ENCODING_MESSAGE)
    sample = text[:_SAMPLE_CHARS]
    # Latin-1 decodes any bytes at all, so garbage shows up as control characters instead.
    control = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n") or ch in "\x7f\ufffd")
    if control > 0.01 * len(sample):
        raise DataError(_ENCODING_MESSAGE)
    return text


def _cell_counts(text: str, delimiter: str) -> pd.Series:
    """Cells per non-empty row among the first 50 lines, header included."""
    lines = text[:_SAMPLE_CHARS].splitlines()[:50]
    return pd.Series([len(row) for row in csv.reader(lines, delimiter=delimiter) if row], dtype=int)


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (>1) of cells most consistently."""
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        counts = _cell_counts(text, delimiter)
        mode = int(counts.mode().iloc[0]) if len(counts) else 0
        score = (float((counts == mode).mean()), mode)
        if mode >= 2 and score > best_score:
            best, best_score = delimiter, score
    return best


def _read_delimited(data: bytes, limits: TableLimits, delimiter: str | None = None) -> pd.DataFrame:
    text = _decode(data)
    delimiter = delimiter or _sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    check_unique_names(header)
    cells = _cell_counts(text, delimiter).iloc[1:]
    if len(cells) and cells.mode().iloc[0] > len(header):
        # pandas would quietly turn the extra leading cells into an index and drop them
        raise DataError(
            f"The header row has {len(header)} names but the rows below have {int(cells.mode().iloc[0])} cells. "
            "Put exactly one name per column in the first row, and load the file again."
        )
    frame = _read_in_chunks(pd.read_csv(io.StringIO(text), sep=delimiter, chunksize=_CHUNK_ROWS), limits)
    return _parse_decimal_commas(frame) if delimiter == ";" else frame


def _read_in_chunks(chunks, limits: TableLimits) -> pd.DataFrame:
    """Join a reader's chunks, stopping with a DataError as soon as they pass the limits."""
    kept, n_rows, n_bytes = [], 0, 0
    for chunk in chunks:
        kept.append(chunk)
        n_rows += len(chunk)
        n_bytes += int(chunk.memory_usage(deep=True).sum())
        limits.check(n_rows, chunk.shape[1], n_bytes)
    return pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]  # a reader yields at least one chunk


def _parse_decimal_commas(frame: pd.DataFrame) -> pd.DataFrame:
    """Semicolon files usually come from locales that write 1,5 for 1.5: read those columns as numbers."""
    for name in frame.columns:
        column = frame[name]
        if ptypes.is_string_dtype(column) and column.astype(str).str.contains(",", regex=False).any():
            numbers = pd.to_numeric(column.str.replace(",", ".", regex=False), errors="coerce")
            if numbers.notna().sum() == column.notna().sum():
                frame[name] = numbers
    return frame


def _read_excel(data: bytes, limits: TableLimits) -> pd.DataFrame:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError("This is an old Excel file (.xls). Open it in Excel and save it as .xlsx, then load that file.")
    if not data.startswith(b"PK"):
        raise DataError(
            "This file is not a real Excel workbook. Open it in Excel and save it as .xlsx, or export it as CSV."
        )
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:  # the first sheet's stated dimensions, before any cell is read
        limits.check(workbook.worksheets[0].max_row or 0, workbook.worksheets[0].max_column or 0)
    finally:
        workbook.close()
    raw = pd.read_excel(io.BytesIO(data), header=None, engine="openpyxl")
    if raw.empty:
        raise DataError("The first sheet of the workbook is empty. Put the table on the first sheet and load it again.")
    header = [f"column_{i + 1}" if pd.isna(cell) else str(cell) for i, cell in enumerate(raw.iloc[0])]
    check_unique_names(header)  # read the header ourselves: pandas would silently rename duplicates to "name.1"
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = header
    return frame.infer_objects()


def _read_parquet(data: bytes, limits: TableLimits) -> pd.DataFrame:
    if not data.startswith(b"PAR1"):
        raise DataError("This file is not a real Parquet file. Export the table again as Parquet, or as CSV.")
    metadata = pq.ParquetFile(io.BytesIO(data)).metadata  # counts and uncompressed sizes, no rows read
    uncompressed = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    limits.check(metadata.num_rows, metadata.num_columns, uncompressed)
    return pd.read_parquet(io.BytesIO(data))


def _read_json_lines(data: bytes, limits: TableLimits) -> pd.DataFrame:
    text = _decode(data)
    if text.lstrip().startswith("["):  # one JSON array: no way to read it in parts; checked once read
        frame = pd.read_json(io.StringIO(text))
        limits.check(*frame.shape, int(frame.memory_usage(deep=True).sum()))
        return frame
    return _read_in_chunks(pd.read_json(io.StringIO(text), lines=True, chunksize=_CHUNK_ROWS), limits)


_READERS = {
    ".csv": _read_delimited,
    ".txt": _read_delimited,
    ".tsv": lambda data, limits: _read_delimited(data, limits, "\t"),
    ".tab": lambda data, limits: _read_delimited(data, limits, "\t"),
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


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Text column names, no fully empty rows, nested JSON values as text; refuse a table with no data."""
    check_unique_names(frame.columns)
    frame = frame.set_axis([str(name).strip() for name in frame.columns], axis=1)
    frame = frame.dropna(how="all").reset_index(drop=True)
    if frame.empty:
        raise DataError("The file has no rows of data. Choose a file with a header row and at least one row below it.")
    for name in frame.columns:
        if frame[name].dtype == object and frame[name].map(lambda v: isinstance(v, (dict, list))).any():
            frame[name] = frame[name].map(lambda v: json.dumps(v) if isinstance(v, (dict, list)) else v)
    return frame
