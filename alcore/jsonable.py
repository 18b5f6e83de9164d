"""Values as plain Python, ready for JSON: one home for every report, export and label cell.

pandas and NumPy hand back `np.float64`, `np.int64`, `np.bool_`, NaN and
`pd.NA`; `json.dumps` refuses the NumPy types and writes NaN as an invalid
`NaN`. The results JSON, a project's report and its labels all pass through
`plain`, so a missing number is `null` everywhere.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def plain(value):
    """A NumPy scalar as its Python value; None, NaN and pd.NA as None; anything else unchanged."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    """One dict per row of `frame`, every value `plain`."""
    return [{key: plain(value) for key, value in row.items()} for row in frame.to_dict(orient="records")]
