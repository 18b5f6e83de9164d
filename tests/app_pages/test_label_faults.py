"""The Label page when the store cannot be written: a full disk keeps the form's answers and says what
to do; a read-only folder still shows the labels and offers the downloads (real tmpfs mounts)."""

import pandas as pd

from alcore.io.datasets import make_dataset
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore
from tests.app_pages.test_label import _choices, _label_page, _metric, _row, _truth
from tests.faults import fill, remount_read_only, small_disk


def _points_project(folder) -> int:
    n = 40
    frame = pd.DataFrame({"x": [(-1) ** i * (1 + i % 7) for i in range(n)], "label": [None] * n})
    store = ProjectStore(folder)
    session = LabelingSession.create(store, "Points", make_dataset(frame, "label"), ["left", "right"], batch_size=4)
    session.close()
    store.close()
    return session.project_id


def _save(at):
    next(button for button in at.button if button.label.startswith("Save these labels")).click()
    return at.run()


def test_a_full_disk_keeps_the_answers_and_says_what_to_do(tmp_path, monkeypatch):
    with small_disk(tmp_path / "disk", 1024) as disk:
        monkeypatch.setenv("ALCORE_DATA_DIR", str(disk))
        project = _points_project(disk)
        at = _label_page(query={"project": str(project), "labeler": "ann"})
        given = {}
        for radio in _choices(at):
            given[_row(radio)] = _truth(_row(radio))
            radio.set_value(given[_row(radio)])
        ballast = fill(disk)
        _save(at)
        assert not at.exception, [e.value for e in at.exception]
        warning = " ".join(w.value for w in at.warning)
        assert "Your labels could not be saved: the disk is full. Nothing was lost" in warning
        assert "free some space on the disk" in warning
        assert {_row(radio): radio.value for radio in _choices(at)} == given, "the form keeps its answers"

        ballast.unlink()
        _save(at)
        assert not at.exception
        assert _metric(at, "Labeled") == "4"
        labels = ProjectStore(disk).labels(project)
        assert dict(zip(labels["row"], labels["label"])) == given


def test_a_read_only_folder_still_shows_the_labels_and_the_downloads(tmp_path, monkeypatch):
    with small_disk(tmp_path / "disk", 4096) as disk:
        monkeypatch.setenv("ALCORE_DATA_DIR", str(disk))
        project = _points_project(disk)
        store = ProjectStore(disk)
        session = LabelingSession.open(store, project, labeler="ann")
        session.submit({row: _truth(row) for row in session.current_batch().rows}, "ann")
        store.close()
        remount_read_only(disk)

        at = _label_page(query={"project": str(project), "labeler": "bob"})
        assert not at.exception, [e.value for e in at.exception]
        errors = " ".join(e.value for e in at.error)
        assert "the data folder is read-only" in errors and "can still be viewed and downloaded" in errors
        assert _metric(at, "Labeled") == "4"
        assert not _choices(at), "no batch to fill in that could not be saved"
        history = next(table for table in at.dataframe if (table.key or "").startswith("label.history")).value
        assert len(history) == 4
        assert any(button.label == "Labeled rows (CSV)" for button in at.get("download_button"))


def test_a_new_read_only_folder_says_what_to_do(tmp_path, monkeypatch):
    with small_disk(tmp_path / "disk", 256) as disk:
        remount_read_only(disk)
        monkeypatch.setenv("ALCORE_DATA_DIR", str(disk / "alcore-data"))
        at = _label_page()
        assert not at.exception, [e.value for e in at.exception]
        (error,) = [e.value for e in at.error]
        assert "cannot be written" in error and "ALCORE_DATA_DIR" in error
