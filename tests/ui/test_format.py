"""The dashboard's number formats: every figure written for people, a dash when missing."""

import math

import pytest

from ui.format import (
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_p_value,
    fmt_percent,
    fmt_seconds,
)


def test_numbers_are_written_for_people():
    assert fmt_int(1234567) == "1,234,567"
    assert fmt_number(1234.5678) == "1,234.57"
    assert fmt_percent(0.6512) == "65%"
    assert fmt_percent(0.6512, digits=1) == "65.1%"
    assert fmt_money(1700, "$") == "$1,700"
    assert fmt_money(-25.5, "€") == "-€25.50"
    assert fmt_p_value(0.0001) == "< 0.001"
    assert fmt_p_value(0.04321) == "0.043"
    assert fmt_seconds(200) == "3 min 20 s"


@pytest.mark.parametrize("formatter", [fmt_int, fmt_number, fmt_percent, fmt_money, fmt_p_value, fmt_seconds])
def test_missing_numbers_show_a_dash(formatter):
    assert formatter(None) == "—"
    assert formatter(math.nan) == "—"


def test_user_text_is_escaped_and_never_auto_linked():
    from ui.format import as_text

    shown = as_text("![p](http://host/x.png) <b>hi</b> :red[x] www.host.org me@host.org\nnext")
    assert "\n" not in shown and "![" not in shown and "](" not in shown and "<b>" not in shown
    assert "http://" not in shown and "www." not in shown and "me@host" not in shown  # broken for the autolinker
    assert shown.replace("\\", "").replace("\u2060", "") == (
        "![p](http://host/x.png) <b>hi</b> :red[x] www.host.org me@host.org next"
    )


def test_a_late_answer_names_its_rows_as_the_form_does():
    from alcore.labeling.store import Submitted
    from ui.batch_form_ui import saved_notice

    notice = saved_notice(Submitted(late=(0, 1218), disagreeing=(1218,)))
    assert notice.startswith("Someone else labeled rows 1, 1,219 while you had them open")
