"""Links and refreshes keep your work (AppTest, public data): an upload is kept on the server under its
hash, so a link (which carries the hash, never a path) brings back the data, the settings and the results
for a fresh browser; a link whose upload is gone says what to do and keeps its settings; results from
earlier settings say so."""

import hashlib
from pathlib import Path

import pytest
from palmerpenguins import load_penguins
from streamlit.testing.v1 import AppTest

from alcore.io.datasets import load_demo

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SETTINGS = {"seeds": "2", "budget": "40", "initial": "10", "strategies": "margin"}


def _page(page: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _link(at: AppTest) -> dict[str, str]:
    return {name: value[0] if isinstance(value, list) else value for name, value in dict(at.query_params).items()}


@pytest.fixture(scope="module")
def penguins_csv() -> bytes:
    return load_penguins().to_csv(index=False).encode()


def _uploaded(penguins_csv: bytes) -> AppTest:
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("penguins.csv", penguins_csv, "text/csv")).run()
    assert not at.exception
    return at


def test_the_data_pages_link_names_the_upload_by_hash_and_a_refresh_restores_it(penguins_csv):
    link = _link(_uploaded(penguins_csv))
    assert len(link["upload"]) == 64 + len(".csv") and "/" not in link["upload"]
    assert link["label"] == "species"
    refreshed = _page("app_pages/data.py", **link)  # a new session: nothing in memory
    assert "Working with **penguins\\.csv**" in " ".join(caption.value for caption in refreshed.caption)
    assert refreshed.session_state["alcore_session"].dataset.label_column == "species"


def test_a_link_reproduces_data_settings_and_results_for_a_fresh_browser(penguins_csv):
    data_link = _link(_uploaded(penguins_csv))
    first = _page("app_pages/explore.py", **data_link, **SETTINGS)
    assert "Press **Run comparison**" in first.info[0].value  # a link without results says what to do
    first.button[0].click().run()
    assert not first.exception and first.dataframe
    link = _link(first)
    assert link["upload"] == data_link["upload"] and link["budget"] == "40"

    elsewhere = _page("app_pages/explore.py", **link)  # someone else opens the link
    assert elsewhere.number_input(key="explore.budget").value == 40
    table = elsewhere.dataframe[0].value
    assert list(table["Strategy"]) == list(first.dataframe[0].value["Strategy"])
    assert not any("Press **Run" in info.value for info in elsewhere.info)


def test_a_link_whose_upload_is_gone_says_so_and_keeps_its_settings(penguins_csv):
    gone = {"upload": "0" * 64 + ".csv", "label": "species", "name": "penguins.csv"}
    at = _page("app_pages/explore.py", **gone, **SETTINGS)
    assert "no longer on this server" in at.warning[0].value
    assert "First load a table" in at.info[0].value
    at.switch_page("app_pages/data.py").run()
    at.file_uploader[0].set_value(("penguins.csv", penguins_csv, "text/csv")).run()
    at.switch_page("app_pages/explore.py").run()
    assert at.number_input(key="explore.budget").value == 40 and at.number_input(key="explore.seeds").value == 2


def test_results_from_earlier_settings_are_marked():
    at = _page("app_pages/explore.py", demo="iris", **SETTINGS)
    at.button[0].click().run()
    assert not any("earlier settings" in warning.value for warning in at.warning)
    at.number_input(key="explore.budget").set_value(60)
    at.multiselect(key="explore.strategies").set_value([])
    at.button[0].click().run()  # a Run that cannot start leaves the earlier results on screen
    warnings = " ".join(warning.value for warning in at.warning)
    assert "earlier settings" in warnings and "budget 40 (now 60)" in warnings


def test_a_label_grouped_into_ranges_stays_grouped_through_a_link():
    frame = load_demo("wine").frame
    content = frame.to_csv(index=False).encode()
    digest = hashlib.sha256(content).hexdigest() + ".csv"
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("wines.csv", content, "text/csv")).run()
    at.selectbox(key="label:" + digest).set_value("magnesium").run()
    at.number_input(key=f"ranges:{digest}:magnesium").set_value(3)
    at.toggle(key=f"grouped:{digest}:magnesium").set_value(True).run()
    link = _link(at)
    assert link["label"] == "magnesium" and link["ranges"] == "3"

    refreshed = _page("app_pages/data.py", **link)  # a new session: the link alone groups it again
    assert not refreshed.exception and not refreshed.error
    assert "Classes of magnesium** (3)" in " ".join(block.value for block in refreshed.markdown)
    assert _link(refreshed)["ranges"] == "3"
    explore = _page("app_pages/explore.py", **link, **SETTINGS)
    assert len(explore.session_state["alcore_session"].dataset.classes()) == 3
    explore.button[0].click().run()
    assert not explore.exception and not explore.error and explore.dataframe
    assert _link(explore)["ranges"] == "3"

    tampered = _page("app_pages/explore.py", **(link | {"ranges": "5000"}))
    assert "2 to 20 ranges" in tampered.warning[0].value


def test_uploads_past_the_servers_room_let_go_of_the_oldest_whose_link_then_asks_for_it(penguins_csv, monkeypatch):
    monkeypatch.setenv("ALCORE_KEEP_UPLOADS_MB", "0.025")  # room for one penguins table (16 KB), not two
    first = _link(_uploaded(penguins_csv))
    other = penguins_csv.replace(b"Adelie", b"Adelie penguin")
    at = _page("app_pages/data.py")
    at.file_uploader[0].set_value(("penguins2.csv", other, "text/csv")).run()
    assert _link(at)["upload"] != first["upload"]
    gone = _page("app_pages/data.py", **first)
    assert (
        "no longer on this server" in gone.warning[0].value and "newer uploads need the room" in gone.warning[0].value
    )
    assert _page("app_pages/data.py", **_link(at)).session_state["alcore_session"].dataset is not None


@pytest.mark.parametrize("roles", ["[1]", "1", '"numeric"'])
def test_a_link_whose_roles_are_not_an_object_says_so_in_words(roles):
    at = _page("app_pages/explore.py", demo="iris", roles=roles)  # _page asserts no exception
    assert "column roles cannot be read" in at.warning[0].value
