"""alcore.formatting: counts and money read the same in the engine's headline, its reports and the pages."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alcore.formatting import MISSING, counted, format_count, format_money
from ui.format import fmt_int, fmt_money


def test_counts_and_money_for_people():
    assert format_count(1234.4) == "1,234" and format_count(-0.4) == "0"
    assert format_money(1700) == "$1,700" and format_money(-25.5, "€") == "-€25.50"


def test_a_count_says_its_noun_in_the_right_number():
    """ "row(s)" made a person work out which was meant."""
    assert counted(1, "row") == "1 row" and counted(0, "row") == "0 rows" and counted(1218, "row") == "1,218 rows"
    assert counted(2, "class", "classes") == "2 classes" and counted(1, "class", "classes") == "1 class"


@pytest.mark.parametrize("missing", [None, math.nan])
def test_a_missing_figure_is_a_dash(missing):
    assert format_count(missing) == MISSING == format_money(missing) == "—"


def test_the_pages_use_the_engines_formats():
    assert fmt_int is format_count and fmt_money is format_money


def test_measurements_keep_the_datas_own_precision_without_float_noise():
    from alcore.formatting import column_decimals, format_cell

    assert column_decimals([20.0, 190.0, math.nan]) == 0
    assert column_decimals([39.1, 21.100000028, 18.0]) == 1
    assert column_decimals([0.125, 3.5]) == 3
    assert column_decimals(["a", "b"]) is None and column_decimals([True, False]) is None
    assert [format_cell(value, 0) for value in (20.0, 190.0)] == ["20", "190"]
    assert format_cell(21.100000028, 1) == "21.1" and format_cell(21.100000028) == "21.1"
    assert format_cell(math.nan) == format_cell(None) == MISSING and format_cell(7) == "7"


@given(st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=30), st.integers(0, 4))
def test_a_column_typed_with_d_decimals_is_written_back_as_typed(typed, decimals):
    from alcore.formatting import column_decimals, format_cell

    values = [number / 10**decimals for number in typed]  # as a spreadsheet stores what was typed
    found = column_decimals(values)
    assert found <= decimals
    assert [float(format_cell(value, found)) for value in values] == pytest.approx(values, abs=10**-decimals / 2)


def test_a_row_is_numbered_from_1_as_in_the_users_file_and_read_back_the_same_way():
    from alcore.formatting import format_row, shown_row, stored_row

    assert shown_row(0) == 1 and format_row(1218) == "1,219"  # the first row under the header is row 1
    assert list(shown_row(np.array([0, 4]))) == [1, 5] and list(stored_row(pd.Series([1, 5]))) == [0, 4]


@given(st.integers(0, 10**9))
def test_a_shown_row_number_leads_back_to_its_stored_row(index):
    from alcore.formatting import shown_row, stored_row

    assert stored_row(shown_row(index)) == index


def test_the_row_number_column_takes_a_free_name():
    from alcore.formatting import row_column_name

    assert row_column_name(["x", "label"]) == "row"
    assert row_column_name(["row", "x"]) == "row_in_file"
    assert row_column_name(["row", "row_in_file", "row_in_file_2"]) == "row_in_file_3"
