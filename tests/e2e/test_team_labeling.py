"""Several people on one project in real browsers, and a server restart under an open form.

Three browser contexts (three people, each with their own cookies and Streamlit session) label one
project at once: no row is in two open batches, every label submitted is stored, and the distinct
rows labeled equal the labels submitted less the second opinions. Then the server is killed with
SIGKILL and started again on the same port: the first Save in the tab that stayed open is kept.
"""

import os
import signal
import time
import urllib.parse

import pandas as pd
import pytest

from alcore.formatting import format_row
from alcore.io.datasets import make_dataset
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore
from tests.e2e.browser import screenshot, wait_for_app
from tests.e2e.conftest import SERVERS, _free_port, running_app
from tests.e2e.test_labeling import _batch_groups, _rows_shown

pytestmark = pytest.mark.browser
SAVE = "Save these labels and get the next batch"


def _truth(row: int) -> str:
    return "good" if row % 2 == 0 else "bad"


def _project(data_dir, n_rows: int = 120, batch_size: int = 4) -> int:
    frame = pd.DataFrame(
        {
            "review": [f"{'lovely' if i % 2 == 0 else 'broken'} thing number {i}" for i in range(n_rows)],
            "stars": [5 - 3 * (i % 2) for i in range(n_rows)],
            "sentiment": [None] * n_rows,
        }
    )
    dataset = make_dataset(frame, "sentiment")
    session = LabelingSession.create(ProjectStore(data_dir), "team", dataset, ["good", "bad"], batch_size=batch_size)
    session.close()
    return session.project_id


def _answer_all(page, batch_size: int = 4) -> list[int]:
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=\"stRadio\"]').length >= {batch_size}", timeout=60_000
    )
    rows = _rows_shown(page)
    assert len(rows) == batch_size
    groups = _batch_groups(page)
    for i, row in enumerate(rows):
        groups.nth(i).get_by_text(_truth(row), exact=True).click()
    return rows


def _open(page, url: str, project_id: int, name: str) -> None:
    page.goto(f"{url}/label?project={project_id}&labeler={urllib.parse.quote(name)}")
    page.get_by_role("button", name=SAVE).wait_for(timeout=120_000)
    wait_for_app(page)


def test_first_save_after_a_server_restart_is_kept(browser, tmp_path, screenshots_dir):
    project_id = _project(tmp_path)
    port = _free_port()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        with running_app(tmp_path, port) as url:
            _open(page, url, project_id, "ann")
            rows = _answer_all(page)
            os.kill(SERVERS[url].pid, signal.SIGKILL)  # the server dies with the form filled in
            SERVERS[url].wait()
        with running_app(tmp_path, port) as url:
            page.wait_for_timeout(8000)  # the tab reconnects by itself
            page.get_by_role("button", name=SAVE).click()  # the first click after the restart
            deadline = time.monotonic() + 60
            store = ProjectStore(tmp_path)
            while time.monotonic() < deadline and len(store.labels(project_id)) < len(rows):
                time.sleep(0.5)
            wait_for_app(page)
            screenshot(page, screenshots_dir, "label-after-restart")
            labels = store.labels(project_id)
            assert sorted(labels["row"]) == sorted(rows), "the first Save after the restart was kept"
            assert list(labels.set_index("row").loc[rows, "label"]) == [_truth(row) for row in rows]
    finally:
        context.close()


def _live_open_rows(store: ProjectStore, project_id: int) -> list[list[int]]:
    now = pd.Timestamp.now(tz="UTC")
    return [
        batch.rows
        for batch in store.batches(project_id)
        if batch.status == "open" and batch.lease_until is not None and batch.lease_until > now
    ]


def test_three_visitors_label_one_project_without_sharing_a_row(browser, tmp_path, screenshots_dir):
    project_id = _project(tmp_path)
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(3)]
    pages = [context.new_page() for context in contexts]
    try:
        with running_app(tmp_path) as url:
            for page in pages:  # three fresh visitors follow the same link, with no name in it
                page.set_default_timeout(60_000)
                page.goto(f"{url}/label?project={project_id}")
                page.get_by_role("button", name=SAVE).wait_for(timeout=120_000)
                wait_for_app(page)
            names = [urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["labeler"][0] for page in pages]
            assert len(set(names)) == 3, f"each visitor has a name of their own: {names}"
            store = ProjectStore(tmp_path)
            submitted = 0
            for _ in range(2):  # two rounds, saved one visitor after another
                shown = [_answer_all(page) for page in pages]
                assert len({row for rows in shown for row in rows}) == 12, f"three disjoint batches: {shown}"
                open_rows = [row for rows in _live_open_rows(store, project_id) for row in rows]
                assert len(open_rows) == len(set(open_rows)), "no row is in two open batches"
                for page, rows in zip(pages, shown):
                    page.get_by_role("button", name=SAVE).click()
                    page.wait_for_function(  # the saved batch is gone (row 11 must not match row 116)
                        f"() => !/Label for row {format_row(rows[0])}\\b/.test(document.body.innerText)",
                        timeout=120_000,
                    )
                    submitted += len(rows)
                for page in pages:
                    wait_for_app(page)
            screenshot(pages[0], screenshots_dir, "label-three-visitors")
            events = store.events(project_id)
            given = events[events["kind"].isin(["label", "opinion"])]
            assert len(given) == submitted == 24, "every label submitted is stored"
            assert given["row"].nunique() == submitted, "distinct rows = submitted (no second opinions asked)"
            assert set(given["labeler"]) == set(names)
    finally:
        for context in contexts:
            context.close()
