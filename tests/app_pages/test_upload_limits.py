"""Issue 9 point 5 on the Data page: a huge table from a tiny file is refused with the limit and its
setting named, and an upload that is replaced frees its table (no cache shared across sessions holds it)."""

import gc
import io
import weakref
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.switch_page("app_pages/data.py").run()


def test_a_tiny_parquet_file_of_twenty_million_rows_is_refused_with_the_setting_named():
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": pa.repeat(pa.scalar(1.0), 20_000_000)}), buffer)
    at = _data_page()
    at.file_uploader[0].set_value(("huge.parquet", buffer.getvalue(), "application/octet-stream")).run()
    assert not at.exception
    message = at.error[0].value.replace("\\", "")  # as Markdown shows it, escapes resolved
    assert "20,000,000 rows" in message and "ALCORE_MAX_CELLS" in message
    assert at.session_state["alcore_session"].upload is None


def test_a_replaced_upload_frees_its_table():
    at = _data_page()
    first = pd.DataFrame({"x": range(50), "label": ["a", "b"] * 25}).to_csv(index=False).encode()
    at.file_uploader[0].set_value(("first.csv", first, "text/csv")).run()
    held = weakref.ref(at.session_state["alcore_session"].upload[1])
    second = pd.DataFrame({"y": range(60), "label": ["c", "d"] * 30}).to_csv(index=False).encode()
    at.file_uploader[0].set_value(("second.csv", second, "text/csv")).run()
    assert not at.exception
    assert list(at.session_state["alcore_session"].upload[1].columns) == ["y", "label"]
    gc.collect()
    assert held() is None


def test_a_file_open_in_two_tabs_is_one_table_in_memory():
    """Each tab read and kept its own copy of an upload: a link opened in ten tabs held its table ten times."""
    content = pd.DataFrame({"x": [i % 7 for i in range(40)], "label": ["a", "b"] * 20}).to_csv(index=False).encode()
    first, second = _data_page(), _data_page()
    for tab in (first, second):
        tab.file_uploader[0].set_value(("same.csv", content, "text/csv")).run()
        assert not tab.exception
    assert first.session_state["alcore_session"].upload[1] is second.session_state["alcore_session"].upload[1]


def test_past_the_memory_all_tabs_may_hold_a_new_upload_is_refused_and_the_open_one_stays(monkeypatch):
    from ui import links

    gc.collect()  # tables of earlier tests' sessions let go now, not in the middle of the count below
    open_tab = _data_page()
    held = pd.DataFrame({"x": [i % 7 for i in range(40)], "label": ["a", "b"] * 20}).to_csv(index=False).encode()
    open_tab.file_uploader[0].set_value(("held.csv", held, "text/csv")).run()
    budget = links._held_tables(links.held_tables_megabytes())
    monkeypatch.setattr(budget, "megabytes", budget.held_bytes / 2**20)  # the server is full

    crowded = _data_page()
    other = pd.DataFrame({"y": range(30), "label": ["c", "d"] * 15}).to_csv(index=False).encode()
    crowded.file_uploader[0].set_value(("other.csv", other, "text/csv")).run()
    assert not crowded.exception
    message = crowded.error[0].value.replace("\\", "")
    assert "Try again in a few minutes" in message and "ALCORE_HELD_TABLES_MB" in message
    assert crowded.session_state["alcore_session"].upload is None
    assert list(open_tab.session_state["alcore_session"].upload[1].columns) == ["x", "label"]

    crowded.file_uploader[0].set_value(("held.csv", held, "text/csv")).run()  # a file already open: no new memory
    assert not crowded.error, [error.value for error in crowded.error]
    assert crowded.session_state["alcore_session"].upload is not None
