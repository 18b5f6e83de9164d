"""alcore.formatting: counts and money read the same in the engine's headline, its reports and the pages."""

import math

import pytest

from alcore.formatting import MISSING, format_count, format_money
from ui.format import fmt_int, fmt_money


def test_counts_and_money_for_people():
    assert format_count(1234.4) == "1,234" and format_count(-0.4) == "0"
    assert format_money(1700) == "$1,700" and format_money(-25.5, "€") == "-€25.50"


@pytest.mark.parametrize("missing", [None, math.nan])
def test_a_missing_figure_is_a_dash(missing):
    assert format_count(missing) == MISSING == format_money(missing) == "—"


def test_the_pages_use_the_engines_formats():
    assert fmt_int is format_count and fmt_money is format_money
