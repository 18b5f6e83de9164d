"""The Label page on PostgreSQL when the database server stops and starts again mid-session: the page
says saving is paused, keeps the answers and sends them again by itself; nothing is lost or doubled."""

from alcore.labeling.store import ProjectStore
from tests.app_pages.test_label import _choices, _label_page, _metric, _row, _truth
from tests.app_pages.test_label_faults import _points_project, _save


def test_saving_pauses_while_the_database_is_down_and_resumes_by_itself(own_postgres_server, monkeypatch):
    database = own_postgres_server.new_schema_url()
    monkeypatch.setenv("ALCORE_DATABASE_URL", database)
    project = _points_project(database)
    at = _label_page(query={"project": str(project), "labeler": "ann"})
    given = {}
    for radio in _choices(at):
        given[_row(radio)] = _truth(_row(radio))
        radio.set_value(given[_row(radio)])

    own_postgres_server.stop("immediate")  # the database server goes away with the form filled in
    _save(at)
    assert not at.exception, [e.value for e in at.exception]
    paused = " ".join(w.value for w in at.warning)
    assert "Saving is paused: the database server cannot be reached. Your 4 answers are kept here" in paused
    at.run()  # a retry while it is still down: still paused, nothing else on the page fails
    assert not at.exception and "Saving is paused" in " ".join(w.value for w in at.warning)

    own_postgres_server.start()
    at.run()  # the page's next retry (every few seconds in a browser)
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Saving is paused" in w.value for w in at.warning)
    assert _metric(at, "Labeled") == "4"
    store = ProjectStore(database)
    events = store.events(project)
    assert sorted(events["row"]) == sorted(given), "each answer stored once: none lost, none doubled"
    assert dict(zip(events["row"], events["label"])) == given
    store.close()
