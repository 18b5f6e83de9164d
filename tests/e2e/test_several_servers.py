"""Several app servers, one truth: two Streamlit servers on different ports share one PostgreSQL database.

Two people label one project, each through their own server, as a load balancer with sticky sessions
would send them: no row is in two live batches, no label is lost, each server shows the other's labels
on its next rerun, and a form left open past its lease, whose rows the other person labeled meanwhile
through the other server, is kept as second opinions only, and its person is told. A server killed
under an open tab loses nothing: the other server resumes the person's batch. And the database server
stopped under an open form: the page says saving is paused and sends the answers again by itself.
"""

import os
import signal

import pandas as pd
import pytest

from alcore.formatting import format_row
from alcore.labeling.store import ProjectStore
from tests.e2e.browser import NARROW, screenshot, wait_for_app
from tests.e2e.conftest import SERVERS, running_app
from tests.e2e.test_labeling import _metric
from tests.e2e.test_team_labeling import SAVE, _answer_all, _live_open_rows, _open, _project

pytestmark = pytest.mark.browser


def _save(page, rows: list[int]) -> None:
    """Save the form and wait until its batch is gone from the page (row 1 must not match row 12)."""
    page.get_by_role("button", name=SAVE).click()
    page.wait_for_function(
        f"() => !/Label for row {format_row(rows[0])}\\b/.test(document.body.innerText)", timeout=120_000
    )
    wait_for_app(page)


def _assert_no_row_in_two_live_batches(store: ProjectStore, project_id: int) -> None:
    rows = [row for batch_rows in _live_open_rows(store, project_id) for row in batch_rows]
    assert len(rows) == len(set(rows)), f"a row is in two live batches: {sorted(rows)}"


def test_two_servers_on_one_database_share_the_project(browser, tmp_path, postgres_server, screenshots_dir):
    database = postgres_server.new_schema_url()
    project_id = _project(database, n_rows=24, batch_size=4)
    store = ProjectStore(database)
    environment = {"ALCORE_DATABASE_URL": database}
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    ann, bob = (context.new_page() for context in contexts)
    try:
        with (
            running_app(tmp_path / "server-a", environment=environment) as server_a,
            running_app(tmp_path / "server-b", environment=environment) as server_b,
        ):
            for page in (ann, bob):
                page.set_default_timeout(60_000)
            _open(ann, server_a, project_id, "ann")
            _open(bob, server_b, project_id, "bob")
            submitted = 0
            for _ in range(2):  # two rounds of disjoint batches, one through each server
                shown = {"ann": _answer_all(ann), "bob": _answer_all(bob)}
                assert not set(shown["ann"]) & set(shown["bob"]), f"one row handed to both: {shown}"
                _assert_no_row_in_two_live_batches(store, project_id)
                _save(bob, shown["bob"])
                _save(ann, shown["ann"])
                submitted += 8
            assert len(store.labels(project_id)) == 16
            bob.reload()  # server B's next rerun shows what server A saved
            wait_for_app(bob)
            assert _metric(bob, "Labeled") == "16"

            # ann leaves her form open past its lease; bob, through server B, is handed its rows and labels them.
            stale = _answer_all(ann)
            with store.database.transaction(write=True) as connection:
                connection.execute(
                    "UPDATE batches SET lease_until = ? WHERE holder = 'ann' AND status = 'open'",
                    ((pd.Timestamp.now(tz="UTC") - pd.Timedelta(minutes=1)).isoformat(),),
                )
            bob_rows = _answer_all(bob)
            _save(bob, bob_rows)
            assert sorted(_answer_all(bob)) == sorted(stale), "ann's rows went to bob once her lease ran out"
            _save(bob, stale)
            submitted += 8
            _assert_no_row_in_two_live_batches(store, project_id)

            ann.get_by_role("button", name=SAVE).click()  # the stale form, through server A
            ann.get_by_text("Someone else labeled row").wait_for(timeout=120_000)
            wait_for_app(ann)
            submitted += 4
            screenshot(ann, screenshots_dir, "label-stale-form-other-server")
            assert _metric(ann, "Labeled") == "24", "server A shows the labels saved through server B"

            events = store.events(project_id)
            given = events[events["kind"].isin(["label", "opinion"])]
            assert len(given) == submitted == 28, "every answer submitted through either server is stored"
            opinions = given[given["kind"] == "opinion"]
            assert sorted(opinions["row"]) == sorted(stale) and set(opinions["labeler"]) == {"ann"}
            labels = store.labels(project_id).set_index("row")
            assert len(labels) == 24 and set(labels.loc[stale, "labeler"]) == {"bob"}, "bob's labels stand"
    finally:
        for context in contexts:
            context.close()


def test_killing_one_app_server_loses_nothing(browser, tmp_path, postgres_server):
    database = postgres_server.new_schema_url()
    project_id = _project(database, n_rows=24, batch_size=4)
    store = ProjectStore(database)
    environment = {"ALCORE_DATABASE_URL": database}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        with running_app(tmp_path / "server-b", environment=environment) as server_b:
            with running_app(tmp_path / "server-a", environment=environment) as server_a:
                _open(page, server_a, project_id, "ann")
                saved = _answer_all(page)
                _save(page, saved)
                open_on_a = _answer_all(page)  # the next batch, filled in, when server A dies
                os.kill(SERVERS[server_a].pid, signal.SIGKILL)
                SERVERS[server_a].wait()
            _open(page, server_b, project_id, "ann")  # the load balancer sends her to server B
            assert sorted(_answer_all(page)) == sorted(open_on_a), "server B resumes her batch"
            _save(page, open_on_a)
        labels = store.labels(project_id)
        assert sorted(labels["row"]) == sorted(saved + open_on_a), "nothing saved through server A was lost"
        assert len(store.events(project_id)) == 8, "and nothing was written twice"
    finally:
        context.close()


def test_the_page_pauses_saving_while_the_database_is_down_and_resumes_by_itself(
    browser, tmp_path, own_postgres_server, screenshots_dir
):
    database = own_postgres_server.new_schema_url()
    project_id = _project(database, n_rows=24, batch_size=4)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        with running_app(tmp_path, environment={"ALCORE_DATABASE_URL": database}) as url:
            _open(page, url, project_id, "ann")
            rows = _answer_all(page)
            own_postgres_server.stop("immediate")
            page.get_by_role("button", name=SAVE).click()
            page.get_by_text("Saving is paused: the database server cannot be reached").wait_for(timeout=120_000)
            screenshot(page, screenshots_dir, "label-saving-paused")
            page.set_viewport_size(NARROW)
            screenshot(page, screenshots_dir, "label-saving-paused-narrow")
            page.set_viewport_size({"width": 1280, "height": 900})
            own_postgres_server.start()  # no click: the page sends the answers again by itself
            page.wait_for_function(
                f"() => !/Label for row {format_row(rows[0])}\\b/.test(document.body.innerText)", timeout=120_000
            )
            wait_for_app(page)
            assert _metric(page, "Labeled") == "4"
        store = ProjectStore(database)
        events = store.events(project_id)
        assert sorted(events["row"]) == sorted(rows), "each answer stored once: none lost, none doubled"
        store.close()
    finally:
        context.close()
