"""Numbers written for people, one home for each kind: counts, money, and the measurements in a table.

The engine's headline, its reports and the dashboard's pages all use these, so
a figure reads the same wherever it is shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from itertools import chain, count
from numbers import Integral, Real

import numpy as np
import pandas as pd

MISSING = "—"
"""What a missing figure is written as (a strategy that never reached the target, a NaN)."""


def is_missing(value) -> bool:
    """None or NaN: a figure that does not exist."""
    return value is None or (isinstance(value, Real) and math.isnan(value))


def format_count(value: float | None) -> str:
    """1234.4 -> "1,234": a count of labels or rows, rounded, with thousands separators; a dash when missing."""
    if is_missing(value):
        return MISSING
    return f"{round(value) + 0:,.0f}"  # + 0 turns a rounded -0 into 0


ROW_MEANING = "the row's place in your file, where the first row under the header is row 1"
"""What a row number means, in the words the pages and the export's help give it (`shown_row`)."""

ROW_COLUMN = "row"
"""The exports' row-number column (`row_column_name`); a name the Data page ignores as a row id, so a
re-uploaded export does not learn from it."""


def shown_row(index):
    """The number a person sees for a stored row: `index` is the 0-based position in the table as read
    (what the pool, the store and every engine function use), the number its place among the file's data
    rows counted from 1. So the first row under the header is row 1, and in a CSV row n is on line n + 1.
    People label in the rows of their file; counting from 0 put every row one off, and two off from the
    spreadsheet's own numbers. index: an int, an array or a Series of them; `stored_row` undoes it."""
    return index + 1


def stored_row(number):
    """The stored 0-based index of the row a person numbers `number` (`shown_row` backwards): for any row
    number that comes from a person or their browser."""
    return number - 1


def format_row(index) -> str:
    """The row number a person reads, written as a count: stored row 1218 -> "1,219"."""
    return format_count(shown_row(index))


def row_column_name(columns: Iterable) -> str:
    """The name of an export's row-number column: `ROW_COLUMN`, unless the table has a column of that name
    (a re-uploaded export has), then "row_in_file", "row_in_file_2", … whichever is free."""
    taken = {str(column) for column in columns}
    names = chain([ROW_COLUMN, "row_in_file"], (f"row_in_file_{n}" for n in count(2)))
    return next(name for name in names if name not in taken)


def counted(n: int, noun: str, plural: str = "") -> str:
    """1 -> "1 row", 1218 -> "1,218 rows": a count with its noun in the right number (`plural` when it is not the
    noun and an s), where "row(s)" made a person work out which was meant."""
    return f"{format_count(n)} {noun if n == 1 else plural or noun + 's'}"


def format_money(amount: float | None, currency: str = "$") -> str:
    """1700 -> "$1,700"; -25.5 -> "-$25.50": cents only when the amount has them; a dash when missing."""
    if is_missing(amount):
        return MISSING
    digits = 0 if float(amount).is_integer() else 2
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency}{abs(amount):,.{digits}f}"


def format_p_value(p: float | None) -> str:
    """Small p-values as "< 0.001" rather than "0.000"; a dash when missing."""
    if is_missing(p):
        return MISSING
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


MAX_DECIMALS = 6
"""A table's measurements are written with at most this many decimals: past it, digits are float noise."""


def column_decimals(values) -> int | None:
    """The data's own precision: the fewest decimals (0 to MAX_DECIMALS) that write every value of a number
    column as it was recorded, float noise aside (21.100000028 -> 1, as 21.1 was typed; 20.0 -> 0).
    None for a column that is not numbers. values: a column (any sequence); its first 10,000 distinct values
    are looked at."""
    series = pd.Series(values)
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    numbers = series.to_numpy(dtype=float, na_value=np.nan)
    numbers = np.unique(numbers[np.isfinite(numbers)])[:10_000]
    for decimals in range(MAX_DECIMALS + 1):
        scaled = numbers * 10.0**decimals
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))):
            return decimals
    return MAX_DECIMALS


def format_cell(value, decimals: int | None = None) -> str:
    """A table's cell as plain text: a measurement with its column's precision (`column_decimals`: "20" beside
    "190", "21.1" not "21.100000028"), a whole number as it is, a dash when missing, anything else as text.
    Without `decimals`, a number keeps up to six significant digits (never float noise)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, Real) and math.isnan(value)):
        return MISSING
    if isinstance(value, bool | np.bool_ | Integral):
        return str(value)
    if isinstance(value, Real):
        if decimals is not None:
            return f"{value:.{decimals}f}"
        return f"{value:.0f}" if abs(value) >= 1e6 else f"{value:.6g}"
    return str(value)


# Every character Markdown (and Streamlit's :color[...] and :icon: shortcodes) gives a meaning, backslash-escaped.
_MARKDOWN_SPECIALS = str.maketrans({char: "\\" + char for char in "\\`*_{}[]()#+-.!|<>~$:=@&^"})
_AUTOLINK_STARTS = re.compile(r"(?i)(https?|ftp|mailto|xmpp|www)(?=\\[:.])|@")


def markdown_text(value) -> str:
    """A user's string (a project, column, class, cell or person) escaped for Markdown: the pages' st.markdown,
    titles, captions and labels, and the downloaded report. Shown exactly as typed, never as a link, an image,
    HTML or formatting (a bare URL is not auto-linked), and on one line (a table cell stays one cell)."""
    escaped = " ".join(str(value).split("\n")).translate(_MARKDOWN_SPECIALS)
    # GitHub-flavoured Markdown links bare URLs and e-mail addresses after escapes are resolved; an invisible
    # word joiner (U+2060) after "http", "www" or "@" keeps the text as typed but no longer a link.
    return _AUTOLINK_STARTS.sub("\\g<0>\u2060", escaped)
