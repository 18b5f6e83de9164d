"""Monitoring of one labeling project: batches numbered as people see them, a planted wrong label
found, agreement of two labelers, gains at the project's cost, pace per labeler, the report's section."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alcore.io.datasets import make_dataset
from alcore.labeling import project_monitoring
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore
from tests.labeling.test_session import CLASSES, answers, blobs


@pytest.fixture
def labeled(store_location, plant_project):
    """(session, true labels, the wrong row): four batches of 8, the last one's first row mislabeled."""
    return plant_project(store_location)


def test_selection_numbers_batches_in_submission_order_and_compares_with_the_model(labeled):
    session, _, _ = labeled
    mix, scores = project_monitoring.selection(session)
    assert sorted(mix["batch"].unique()) == [1, 2, 3, 4]
    assert mix.groupby("batch")["given_share"].sum().round(6).eq(1).all()
    assert mix.groupby("batch")["predicted_share"].sum().round(6).eq(1).all()
    assert set(mix["class"]) == set(CLASSES)
    assert set(scores["batch"]) <= {1, 2, 3, 4, 5} and 5 in set(scores["batch"])  # the open batch is the 5th


def test_the_planted_wrong_label_is_suspicious_and_named_with_its_labeler(labeled):
    session, truth, wrong = labeled
    found = project_monitoring.suspicious(session)
    hit = found[found["row"] == wrong]
    assert len(hit) == 1 and hit["suggested"].iloc[0] == truth[wrong]
    assert hit["labeler"].iloc[0] == "bo"


def test_gains_cost_and_agreement(labeled):
    session, _, _ = labeled
    found = project_monitoring.gains(session)
    assert found["batch"].tolist() == [1, 2, 3, 4] and found["cost"].tolist() == [4.0] * 4
    gained = found[found["gain_points"] > 0]
    assert np.allclose(gained["cost_per_point"], gained["cost"] / gained["gain_points"])
    pairs, differing = project_monitoring.agreement(session)
    assert pairs[["labeler_a", "labeler_b"]].values.tolist() == [["ann", "bo"]] and pairs["n_rows"].iloc[0] == 4
    assert len(differing) == (1 if pairs["agreement"].iloc[0] < 1 else 0)
    pace = project_monitoring.pace(session)
    assert pace.set_index("labeler")["n_labels"].to_dict() == {"ann": 8, "bo": 24}


def test_report_section_is_plain_data(labeled):
    import json

    session, _, _ = labeled
    section = project_monitoring.report_section(session)
    json.dumps(section)
    assert [g["batch"] for g in section["gains"]] == [1, 2, 3, 4] and section["cost_per_label"] == 0.5
    assert section["agreement"][0]["n_rows"] == 4 and {m["class"] for m in section["selection_mix"]} == set(CLASSES)


def test_one_numbering_with_imported_labels_an_undone_batch_and_a_correction(store_location):
    """Imported labels are 'imported', never batch 1; an undone batch keeps its number, marked, in the
    progress, the quality curve, the gains and the report; a correction counts as a label given."""
    frame, truth = blobs()
    frame["label"] = pd.Series([*truth[:10], *[None] * (len(frame) - 10)], dtype=object)  # ten labels already there
    session = LabelingSession.create(
        ProjectStore(store_location), "blobs", make_dataset(frame, "label"), CLASSES, batch_size=6, cost_per_label=2.0
    )
    first = session.current_batch()
    session.submit(answers(first, truth), "ann")
    session.submit(answers(session.current_batch(), truth), "ann")
    session.undo_last_batch("ann")
    session.relabel(first.rows[0], next(c for c in CLASSES if c != truth[first.rows[0]]), "ann")
    session.submit(answers(session.current_batch(), truth), "ann")

    assert session.progress()["batches_submitted"] == 3 and session.progress()["batches_undone"] == 1
    assert session.quality()["batch"].tolist() == [0, 1, 3]
    found = project_monitoring.gains(session)
    assert found["batch"].tolist() == [0, 1, 2, 3] and found["undone"].tolist() == [False, False, True, False]
    assert found["batch_size"].tolist() == [10, 6, 6, 7]  # batch 3: its 6 answers and the correction
    assert found["cost"].tolist() == [0.0, 12.0, 12.0, 14.0]
    assert project_monitoring.undone_numbers(session) == [2]
    mix, scores = project_monitoring.selection(session)
    assert sorted(mix["batch"].unique()) == [1, 3]
    # The batch on screen when batch 2 was undone was given back unanswered: no batch of the chart, no number.
    assert sorted(scores["batch"].unique()) == [1, 3, 4]  # 4: the batch on screen now
    report = project_monitoring.project_report_markdown(session)
    assert "| 2 (undone) |" in report and "| imported labels |" in report
    assert "3 batches submitted (1 undone)" in report
