"""Members and roles of a labeling project (issue 9, sign-in): stored additively, checked in the engine."""

import sqlite3

import pandas as pd
import pytest

from alcore.labeling.members import NotAllowed, allows, require
from alcore.labeling.records import MIGRATIONS
from alcore.labeling.store import ProjectStore, TooManyProjects


@pytest.fixture()
def store(store_location) -> ProjectStore:
    return ProjectStore(store_location)


def _project(store, name="pets"):
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "label": [None] * 4})
    return store.create_project(name, frame, "label", ["cat", "dog"])


def test_roles_allow_what_the_issue_says():
    assert [allows(role, "see") for role in ("owner", "labeler", "viewer", None)] == [True, True, True, False]
    assert [allows(role, "label") for role in ("owner", "labeler", "viewer", None)] == [True, True, False, False]
    assert [allows(role, "manage") for role in ("owner", "labeler", "viewer", None)] == [True, False, False, False]
    with pytest.raises(NotAllowed, match="Only the project's owner can export the labels"):
        require("labeler", "manage", "export the labels")


def test_members_roles_and_the_last_owner(store):
    first, second = _project(store), _project(store, "other")
    store.set_member(first.id, "ann@example.org", "owner")
    store.set_member(first.id, "bob@example.org", "viewer")
    store.set_member(first.id, "bob@example.org", "labeler")  # a new role replaces the old one
    store.set_member(second.id, "bob@example.org", "owner")
    assert store.members(first.id) == {"ann@example.org": "owner", "bob@example.org": "labeler"}
    assert store.role_of(first.id, "bob@example.org") == "labeler"
    assert store.role_of(first.id, "eve@example.org") is None and store.role_of(first.id, None) is None
    assert store.roles_of("bob@example.org") == {first.id: "labeler", second.id: "owner"}
    with pytest.raises(ValueError, match="only owner"):
        store.remove_member(first.id, "ann@example.org")
    with pytest.raises(ValueError, match="not a role"):
        store.set_member(first.id, "eve@example.org", "admin")
    with pytest.raises(ValueError, match="limit is 320"):
        store.set_member(first.id, "e" * 400, "viewer")
    store.remove_member(first.id, "bob@example.org")
    assert store.members(first.id) == {"ann@example.org": "owner"}
    store.delete_project(first.id)
    assert store.roles_of("ann@example.org") == {}  # members go with their project


def test_the_creator_owns_the_project_from_its_first_commit(store):
    frame = pd.DataFrame({"x": [1.0, 2.0], "label": [None] * 2})
    project = store.create_project("pets", frame, "label", ["cat", "dog"], owner=" ann@example.org ")
    assert store.members(project.id) == {"ann@example.org": "owner"}


def test_a_person_owns_at_most_the_servers_limit_of_projects(store):
    frame = pd.DataFrame({"x": [1.0, 2.0], "label": [None] * 2})

    def create(owner, name="pets"):
        return store.create_project(name, frame, "label", ["cat", "dog"], owner=owner, most_owned=2)

    first, _ = create("ann@example.org"), create("ann@example.org")
    store.archive(first.id)  # an archived project still holds its table: it counts
    store.set_member(first.id, "bob@example.org", "labeler")  # labeling in it is not owning it
    with pytest.raises(TooManyProjects, match="Projects you own: 2, the most this server allows"):
        create("ann@example.org", "third")
    assert [summary.name for summary in store.list_projects()] == ["pets", "pets"]  # nothing stored
    create("bob@example.org")  # another person has room of their own
    store.delete_project(first.id)
    assert create("ann@example.org", "third").name == "third"  # a deleted project frees its place


def test_without_sign_in_the_limit_counts_the_projects_nobody_owns(store):
    frame = pd.DataFrame({"x": [1.0, 2.0], "label": [None] * 2})
    store.create_project("owned", frame, "label", ["cat", "dog"], owner="ann@example.org")
    store.create_project("open", frame, "label", ["cat", "dog"], most_owned=2)
    store.create_project("open", frame, "label", ["cat", "dog"], most_owned=2)
    with pytest.raises(TooManyProjects, match="Projects that no signed-in person owns: 2, the most"):
        store.create_project("open", frame, "label", ["cat", "dog"], most_owned=2)
    assert len(store.list_projects()) == 3


def test_archive_and_restore(store):
    project = _project(store)
    store.archive(project.id)
    assert store.archived_at(project.id) is not None
    assert [summary.archived for summary in store.list_projects()] == [True]
    store.archive(project.id, archived=False)
    assert store.archived_at(project.id) is None and not store.list_projects()[0].archived


def test_a_store_of_schema_2_gains_members_and_keeps_its_projects(tmp_path):
    """Step 3 only adds: a store written before it opens with its projects whole and no members."""
    path = tmp_path / "old.sqlite3"
    store = ProjectStore(path)
    project = _project(store)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE members")
        connection.execute("ALTER TABLE projects DROP COLUMN archived_at")
        connection.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    reopened = ProjectStore(path)
    assert reopened.load_project(project.id).name == "pets"
    assert reopened.members(project.id) == {} and reopened.archived_at(project.id) is None
    with sqlite3.connect(path) as connection:
        (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert int(version) == max(MIGRATIONS) >= 3


def test_the_operator_gives_an_old_project_an_owner_from_the_command_line(store, capsys, monkeypatch):
    from alcore.cli import main

    project = _project(store)
    if isinstance(store.location, str):  # PostgreSQL: the server's URL comes from the environment
        monkeypatch.setenv("ALCORE_DATABASE_URL", store.location)
        where = []
    else:
        where = ["--data-dir", str(store.location.parent)]
    assert main(["members", str(project.id), "ann@example.org", *where]) == 0
    assert main(["members", str(project.id), "bob@example.org", "viewer", *where]) == 0
    assert store.members(project.id) == {"ann@example.org": "owner", "bob@example.org": "viewer"}
    assert main(["members", "999", *where]) == 2
    assert "No such project" in capsys.readouterr().err
