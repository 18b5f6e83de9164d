"""What the operator configures: read from the environment here (no secrets.toml in the tests' folder)."""

import pytest

from ui.server_config import DEFAULT_MOST_PROJECTS, MOST_PROJECTS_VARIABLE, most_projects_per_person


@pytest.mark.parametrize(
    ("configured", "most"),
    [
        ("", DEFAULT_MOST_PROJECTS),
        ("7", 7),
        ("0", None),
        ("many", DEFAULT_MOST_PROJECTS),
        ("inf", DEFAULT_MOST_PROJECTS),
        ("2.9", 2),
    ],
)
def test_the_per_person_project_limit_comes_from_the_operator(configured, most, monkeypatch):
    monkeypatch.setenv(MOST_PROJECTS_VARIABLE, configured)
    assert most_projects_per_person() == most
