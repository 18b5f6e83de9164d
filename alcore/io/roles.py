"""What each column of a user's table is for: the label, numbers, dates, categories, free text, or left out.

`infer_roles` guesses; a person can change any guess on the Data page. Dates and times (real
timestamps, or text such as "2024-03-01 14:05") are features the model learns from through their
parts (see `alcore.io.datasets.build_transformer`), never row ids by mistake.
"""

from __future__ import annotations

import datetime
import re
from enum import Enum

import pandas as pd
from pandas.api import types as ptypes

from alcore.io.errors import DataError


class Role(str, Enum):
    """What a column is for."""

    LABEL = "label"
    NUMERIC = "numeric"
    DATE = "date"
    CATEGORICAL = "categorical"
    TEXT = "text"
    IGNORE = "ignore"


FEATURE_ROLES = (Role.NUMERIC, Role.DATE, Role.CATEGORICAL, Role.TEXT)

_ID_NAME = re.compile(r"(^|[^a-z])(id|uuid|guid|key)$|^(index|row|rownum|row_number|unnamed: ?\d+)$", re.IGNORECASE)
_MIN_ROWS_TO_GUESS_IDS = 20
MAX_CATEGORIES = 50
"""One-hot columns kept per categorical column (the rarest values share one); see build_transformer."""
_DATE_TEXT = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}.*)?$|^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DATE_SAMPLE = 200
_NUMBERED_DATE = re.compile(r"^\s*(\d{1,2})([-/.])(\d{1,2})\2\d{2,4}\b")
"""A date of numbers alone with the year last (01/02/2012, 1.2.12): day and month, in an order to be found out."""


def require_column(frame: pd.DataFrame, column: str) -> None:
    if column not in frame.columns:
        shown = ", ".join(f"'{name}'" for name in list(frame.columns)[:10])
        raise DataError(f"There is no column named '{column}' in the table. Choose the label column from: {shown}.")


def infer_roles(frame: pd.DataFrame, label_column: str | None = None) -> dict[str, Role]:
    """Guess every column's role, in the frame's column order; `label_column` (if given) gets Role.LABEL."""
    if label_column is not None:
        require_column(frame, label_column)
    return {name: Role.LABEL if name == label_column else _infer_role(name, frame[name]) for name in frame.columns}


def _infer_role(name: str, column: pd.Series) -> Role:
    values = _present_values(column)
    if values.nunique() <= 1:
        return Role.IGNORE  # constants and empty columns carry nothing a model can learn from
    if is_date_column(column):
        return Role.DATE  # checked before ids: a timestamp differs on every row and is still worth learning from
    if _is_row_id(name, column, values):
        return Role.IGNORE
    if ptypes.is_bool_dtype(column):
        return Role.CATEGORICAL
    if ptypes.is_numeric_dtype(column) or ptypes.is_timedelta64_dtype(column):
        return Role.NUMERIC
    if pd.to_numeric(values, errors="coerce").notna().mean() >= 0.8:
        return Role.NUMERIC  # numbers with a few stray words such as "?" or "unknown"
    return Role.TEXT if _looks_like_text(values) else Role.CATEGORICAL


def _present_values(column: pd.Series) -> pd.Series:
    """The non-missing values; for columns of text or mixed objects as stripped text, with "" counted as missing."""
    values = column.dropna()
    if ptypes.is_numeric_dtype(column) or ptypes.is_datetime64_any_dtype(column) or ptypes.is_timedelta64_dtype(column):
        return values
    values = values.astype(str).str.strip()
    return values[values != ""]


def is_row_id(name: str, column: pd.Series) -> bool:
    """True for a row id: a value on every row, a different one on each, and named like an id or
    counting up or down (a number), or codes that are no free text; the rule `infer_roles` leaves out by."""
    return _is_row_id(str(name), column, _present_values(column))


def _is_row_id(name: str, column: pd.Series, values: pd.Series) -> bool:
    if len(values) < len(column) or values.nunique() < len(column):
        return False  # an id is present and different on every row
    if _ID_NAME.search(name) or name.endswith("Id"):
        return True
    if len(column) < _MIN_ROWS_TO_GUESS_IDS or ptypes.is_bool_dtype(column) or ptypes.is_timedelta64_dtype(column):
        return False
    if ptypes.is_integer_dtype(column):
        return column.is_monotonic_increasing or column.is_monotonic_decreasing
    return not ptypes.is_numeric_dtype(column) and not _looks_like_text(values)


def _looks_like_text(values: pd.Series) -> bool:
    """Free text: sentences (several words per cell, mostly different cells), or short phrases such as job
    titles with far more distinct values than one-hot categories could keep, whose shared words carry meaning.

    values: the present values, as text."""
    words, distinct = values.str.split().str.len().mean(), values.nunique()
    if words >= 3 and distinct >= 0.3 * len(values):
        return True
    return words >= 1.5 and distinct > 2 * MAX_CATEGORIES


def is_date_column(column: pd.Series) -> bool:
    """Timestamps, dates or times: a datetime dtype, date/time objects (Parquet, Excel), or text that reads as dates."""
    if ptypes.is_datetime64_any_dtype(column):
        return True
    if ptypes.is_numeric_dtype(column) or ptypes.is_bool_dtype(column) or ptypes.is_timedelta64_dtype(column):
        return False
    sample = column.dropna().head(_DATE_SAMPLE)
    if sample.empty:
        return False
    if sample.map(lambda v: isinstance(v, (datetime.date, datetime.time))).all():
        return True
    text = sample.astype(str).str.strip()
    return bool(text.str.match(_DATE_TEXT).mean() >= 0.9 and as_datetimes(text).notna().mean() >= 0.9)


def as_datetimes(column: pd.Series) -> pd.Series:
    """(n_rows,) UTC timestamps without a zone, NaT where a cell is no date; times of day fall on one day."""
    if ptypes.is_datetime64_any_dtype(column):
        stamps = column
    else:
        values = column.map(_time_as_text, na_action="ignore")
        stamps = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
        if stamps.notna().sum() < 0.9 * values.notna().sum():
            stamps = pd.to_datetime(values, errors="coerce", utc=True, format="mixed", dayfirst=_day_first(values))
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps


def _day_first(values: pd.Series) -> bool:
    """Whether the column's dates of numbers alone put the day first: a first number above 12 says so
    (13/02/2012), and so do dots (01.02.2012, as much of Europe writes dates); a second number above 12 says
    the month is first. pandas' "mixed" reading decides cell by cell, so one British column became
    2 January for 01/02/2012 beside 13 February for 13/02/2012."""
    parts = values.dropna().astype(str).str.extract(_NUMBERED_DATE).dropna()
    if parts.empty:
        return False
    first, mark, second = parts[0].astype(int), parts[1], parts[2].astype(int)
    return not (second > 12).any() and bool((first > 12).any() or (mark == ".").any())


def _time_as_text(value):
    """A time of day on a fixed day, so that it parses; dates and text as they are."""
    if isinstance(value, datetime.time):
        return f"2000-01-01T{value.isoformat()}"
    if isinstance(value, str) and re.match(r"^\d{1,2}:\d{2}", value.strip()):
        return f"2000-01-01T{value.strip()}"
    return value if isinstance(value, (datetime.date, str)) else str(value)
