"""Fixtures shared by the engine's, the pages' and the browser's tests: a planted monitoring project,
and the labeling store on each of its databases.

`store_location` runs a test once on SQLite (a folder of its own) and once on PostgreSQL (a schema
of its own on one throwaway server per test session). Without PostgreSQL installed the second run is
skipped on a laptop and fails in CI (env var CI set), where `.ci/run` installs it.
"""

from __future__ import annotations

import os

import pytest

from alcore.io.datasets import make_dataset
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore
from tests.labeling.test_session import CLASSES, answers, blobs
from tests.postgres import ThrowawayCluster, postgres_bin


def _planted_project(folder) -> tuple[LabelingSession, dict, int]:
    """A labeling project in `folder`: ann's batch of 8, then bo's three (the second with 4 second
    opinions on ann's rows); the last batch's first row is deliberately mislabeled. Cost 0.5 per label.
    Returns (session, true labels, the wrong row)."""
    frame, truth = blobs()
    session = LabelingSession.create(
        ProjectStore(folder),
        "blobs",
        make_dataset(frame, "label"),
        CLASSES,
        batch_size=8,
        cost_per_label=0.5,
        second_opinion_share=0.5,
    )
    for labeler in ["ann", "bo", "bo"]:
        session.submit(answers(session.current_batch(), truth), labeler)
    last = session.current_batch()
    wrong = last.rows[0]
    given = answers(last, truth)
    given[wrong] = next(c for c in CLASSES if c != truth[wrong])
    session.submit(given, "bo")
    return session, truth, wrong


@pytest.fixture(scope="session")
def plant_project():
    """Makes the monitoring tests' project (`_planted_project`) in a folder the test chooses."""
    return _planted_project


def _throwaway_cluster() -> ThrowawayCluster:
    """A started throwaway server; skips the test without PostgreSQL, except in CI, where that fails it."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        why = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"CI runs every store test on PostgreSQL too: {why}")
        pytest.skip(why)
    return ThrowawayCluster(bin_dir).start()


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL server for the whole test session, stopped and removed afterwards."""
    cluster = _throwaway_cluster()
    yield cluster
    cluster.remove()


@pytest.fixture()
def own_postgres_server():
    """A throwaway PostgreSQL server for one test that stops and starts it (a fault), removed afterwards."""
    cluster = _throwaway_cluster()
    yield cluster
    cluster.remove()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request, tmp_path):
    """Where a test's store lives: a SQLite folder, or a fresh schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield tmp_path / "alcore-data"
        return
    url = request.getfixturevalue("postgres_server").new_schema_url()
    yield url
    from alcore.labeling.postgres_database import PostgresDatabase

    PostgresDatabase(url).close()  # this process's connections to the test's schema
