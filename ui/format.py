"""Numbers written for people: thousands separators, percentages, money.

Every function accepts None or NaN (a strategy that never reached the target, a
missing value) and writes a dash instead of "nan".
"""

from __future__ import annotations

# One home for counts, money, p-values and the missing dash: the engine's headline and reports use the same.
from alcore.formatting import MISSING, is_missing
from alcore.formatting import format_count as fmt_int
from alcore.formatting import format_money as fmt_money
from alcore.formatting import format_p_value as fmt_p_value
from alcore.formatting import markdown_text as as_text

__all__ = ["as_text", "fmt_int", "fmt_money", "fmt_number", "fmt_p_value", "fmt_percent", "fmt_seconds"]


def fmt_number(value, digits: int = 2) -> str:
    """1234.5678 -> "1,234.57"; for scores and p-values that are not percentages."""
    if is_missing(value):
        return MISSING
    return f"{value:,.{digits}f}"


def fmt_percent(fraction, digits: int = 0) -> str:
    """0.6512 -> "65%" (digits=0) or "65.1%" (digits=1)."""
    if is_missing(fraction):
        return MISSING
    return f"{fraction * 100:,.{digits}f}%"


def fmt_seconds(seconds) -> str:
    """Time left for a run: "45 s", "3 min 20 s"."""
    if is_missing(seconds):
        return MISSING
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
