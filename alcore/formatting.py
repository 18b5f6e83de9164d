"""Numbers written for people, one home for each kind: counts and money.

The engine's headline, its reports and the dashboard's pages all use these, so
a figure reads the same wherever it is shown.
"""

from __future__ import annotations

import math
from numbers import Real

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
