"""pytest's root conftest: its presence puts the repository root on sys.path, so tests
can import the dashboard's `ui` package (app.py, app_pages/ and ui/ are not installed;
`streamlit run app.py` finds them the same way, from the entry file's folder)."""

import pytest
from hypothesis import settings

# Speed is measured by the scripts in benchmarks/, never by a test: on a shared, loaded machine a
# property test must not fail because one example took longer than Hypothesis's 200 ms default.
settings.register_profile("alcore", deadline=None)
settings.load_profile("alcore")


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path_factory, monkeypatch):
    """Each test's projects, kept uploads and kept results go to a fresh folder, never ./alcore-data:
    a result kept by one test must not show up in another's page."""
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path_factory.mktemp("alcore-data")))
