"""Several app servers, one truth: two Streamlit servers on different ports share one PostgreSQL database.

Two people label one project, each through their own server, as a load balancer with sticky sessions
would send them: no row is in two live batches, no label is lost, each server shows the other's labels
on its next rerun, and a form left open past its lease, whose rows the other person labeled meanwhile
through the other server, is kept as second opinions only, and its person is told.
"""

import pandas as pd
import pytest

from alcore.labeling.store import ProjectStore
from tests.e2e.browser import screenshot, wait_for_app
from tests.e2e.conftest import running_app
from tests.e2e.test_labeling import _metric
from tests.e2e.test_team_labeling import SAVE, _answer_all, _live_open_rows, _open, _project

pytestmark = pytest.mark.browser


def _save(page, rows: list[int]) -> None:
    """Save the form and wait until its batch is gone from the page (row 1 must not match row 12)."""
    page.get_by_role("button", name=SAVE).click()
    page.wait_for_function(f"() => !/Label for row {rows[0]}\\b/.test(document.body.innerText)", timeout=120_000)
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
            ann.get_by_text("Someone else labeled row(s)").wait_for(timeout=120_000)
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
