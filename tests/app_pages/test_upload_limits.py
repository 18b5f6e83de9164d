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
