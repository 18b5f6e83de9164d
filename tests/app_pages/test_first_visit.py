"""A first visit through Streamlit's AppTest, on public data (Palmer penguins): the label column a person
would pick, a warning for measurements, a select per column role, and the Label page that follows the
Data page's choice and asks before creating a project with nothing to ask."""

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from palmerpenguins import load_penguins
from streamlit.testing.v1 import AppTest

from alcore.labeling.store import ProjectStore

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _key(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest() + ".csv"


def _page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(page).run()
    assert not at.exception
    return at


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    return load_penguins()


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path))
    return tmp_path


def test_data_page_guesses_species_and_warns_about_a_measurement(penguins):
    content = _csv(penguins)
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("penguins.csv", content, "text/csv")).run()
    label = at.selectbox(key="label:" + _key(content))
    assert label.value == "species"
    assert not at.warning
    label.set_value("bill_length_mm").run()
    assert "looks like a number to predict" in at.warning[0].value


def test_data_page_takes_the_partly_empty_column_as_the_labels_to_fill():
    """A survey shaped like R's Chile: 'vote' (four answers) empty in some rows beside a full 'sex'; the Data
    page guessed 'sex', the Label page 'vote'. Both pages now guess the column whose empty cells are the rows to
    label."""
    rows = 400
    frame = pd.DataFrame(
        {
            "region": [("N", "C", "S", "SA", "M")[i % 5] for i in range(rows)],
            "sex": [("F", "M")[i % 2] for i in range(rows)],
            "age": [18 + (i * 7) % 60 for i in range(rows)],
            "vote": [None if i % 16 == 0 else ("Y", "N", "U", "A")[i % 4] for i in range(rows)],
        }
    )
    content = _csv(frame)
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("chile.csv", content, "text/csv")).run()
    assert at.selectbox(key="label:" + _key(content)).value == "vote"


def test_each_column_has_its_own_role_select_and_a_change_reaches_the_dataset(penguins):
    content = _csv(penguins)
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("penguins.csv", content, "text/csv")).run()
    role = at.selectbox(key=f"role:{_key(content)}:species:year")
    assert role.value == "numeric"
    role.set_value("ignore").run()
    assert at.session_state["alcore_session"].dataset.roles["year"].value == "ignore"


def test_label_page_takes_the_mostly_empty_column_and_asks_before_a_project_with_nothing_to_ask(penguins, data_dir):
    frame = penguins.copy()
    frame.loc[15:, "species"] = None  # 329 of 344 rows to label
    at = _page("app_pages/label.py")
    at.file_uploader(key="label.upload").set_value(("penguins.csv", _csv(frame), "text/csv")).run()
    assert at.selectbox(key="label.label_column").value == "species"
    at.selectbox(key="label.label_column").set_value("year").run()
    next(button for button in at.button if button.label == "Start labeling").click()
    at.run()
    message = at.error[0].value.replace("\\", "")  # as shown: the user's names escaped, escapes resolved
    assert "nothing to ask" in message and "Did you mean `species`" in message
    assert ProjectStore(data_dir).list_projects() == []  # not created


def test_the_data_pages_label_column_carries_to_the_label_page(penguins, data_dir):
    content = _csv(penguins)
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("penguins.csv", content, "text/csv")).run()
    at.selectbox(key="label:" + _key(content)).set_value("island").run()
    at.switch_page("app_pages/label.py").run()
    assert at.radio(key="label.source").value == "loaded"
    assert at.selectbox(key="label.label_column").value == "island"
