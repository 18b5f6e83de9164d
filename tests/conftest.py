"""Fixtures shared by the engine's, the pages' and the browser's tests."""

from __future__ import annotations

import pytest

from alcore.io.datasets import make_dataset
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore
from tests.labeling.test_session import CLASSES, answers, blobs


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
