"""Issue 9: who may use the server, and what a URL or a name can do to it.

The server binds to this machine by default; on a network without sign-in it refuses to serve unless
its operator opted in, and then every page warns. A project id in a URL is a small positive whole
number or "No such project", never a path or a Python error. Names are length-checked in the engine.
"""

import tomllib
from pathlib import Path

import pandas as pd
import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from alcore.labeling.store import ProjectNotFound, ProjectStore
from ui.format import as_text

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = ["app_pages/home.py", "app_pages/data.py", "app_pages/explore.py", "app_pages/label.py"]


@pytest.fixture()
def served_on_network():
    """`streamlit run app.py --server.address 0.0.0.0`, as far as the app can tell."""
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def _run(page: str, secrets: dict | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets.update(secrets or {})
    at.query_params.update(query)
    at.run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception
    return at


def test_config_binds_to_this_machine_only():
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["address"] == "localhost"


def test_a_local_server_shows_no_warning():
    at = _run(PAGES[0])
    assert not at.warning and not at.error


@pytest.mark.usefixtures("served_on_network")
@pytest.mark.parametrize("page", PAGES)
def test_a_network_server_without_sign_in_refuses_every_page(page):
    at = _run(page)
    assert "not open to the network" in at.title[0].value
    assert "open_without_sign_in" in at.error[0].value
    assert len(at.title) == 1  # nothing of the page itself ran


@pytest.mark.usefixtures("served_on_network")
@pytest.mark.parametrize("page", PAGES)
def test_an_opted_in_open_server_warns_on_every_page(page):
    at = _run(page, secrets={"access": {"open_without_sign_in": True}})
    assert "anyone who can reach it can see and change every project" in at.warning[0].value
    assert len(at.title) >= 1 and "not open" not in at.title[0].value


@pytest.mark.parametrize("wanted", ["0", "99999999999999999999", "²", "-3", "1e3", "../etc"])
def test_a_bad_project_id_in_the_link_says_no_such_project(wanted, tmp_path, monkeypatch):
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path))
    at = _run(PAGES[3], project=wanted)
    message = at.error[0].value
    assert message.startswith("No such project")
    assert str(tmp_path) not in message and "invalid literal" not in message and "Error" not in message
    assert "project" not in at.query_params  # the page is usable again: the list and the new-project form
    assert any(sub.value == "Your projects" for sub in at.subheader)


def test_the_engine_checks_name_lengths(tmp_path):
    store = ProjectStore(tmp_path)
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": [None, None, None]})
    with pytest.raises(ValueError, match="limit is 120"):
        store.create_project("x" * 1_000_000, frame, "label", ["a", "b"])
    project = store.create_project("fine", frame, "label", ["a", "b"])
    with pytest.raises(ValueError, match="limit is 120"):
        store.rename(project.id, "y" * 121)
    with pytest.raises(ValueError, match="limit is 200"):
        store.add_class(project.id, "z" * 201)
    with pytest.raises(ProjectNotFound, match="No such project"):
        store.load_project(99999999999999999999)


SIGN_IN = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "alcore",
        "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}


@pytest.mark.parametrize("page", PAGES)
def test_with_sign_in_configured_every_page_asks_for_it_first(page, tmp_path, monkeypatch):
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path))
    at = _run(page, secrets=SIGN_IN)
    assert [title.value for title in at.title] == ["Sign in to alcore"]
    assert [button.label for button in at.button] == ["Sign in"]
    assert not at.subheader  # nothing of the page itself ran


@pytest.mark.usefixtures("served_on_network")
def test_a_network_server_with_sign_in_serves_without_the_open_warning():
    at = _run(PAGES[0], secrets=SIGN_IN)
    assert at.title[0].value == "Sign in to alcore" and not at.warning and not at.error


@pytest.mark.usefixtures("served_on_network")
def test_an_open_server_refuses_a_project_beyond_its_limit_and_keeps_the_form(tmp_path, monkeypatch):
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path))
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "label": [None] * 4})
    ProjectStore(tmp_path).create_project("a stranger's", frame, "label", ["cat", "dog"])
    secrets = {"access": {"open_without_sign_in": True}, "projects": {"most_per_person": 1}}
    at = _run(PAGES[3], secrets=secrets)
    at.file_uploader(key="label.upload").set_value(("pets.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    next(field for field in at.text_input if field.label == "Classes, separated by commas").set_value("cat, dog")
    at.selectbox(key="label.label_column").set_value("label")
    next(button for button in at.button if button.label == "Start labeling").click()
    at.run()
    assert not at.exception
    assert [error.value for error in at.error] == [
        as_text(
            "Projects that no signed-in person owns: 1, the most this server allows. Delete a project you no longer "
            "need (export its labels first), or ask the server's operator to raise the limit."
        )
    ]
    assert len(ProjectStore(tmp_path).list_projects()) == 1
    assert any(button.label == "Start labeling" for button in at.button)  # the form is still there to retry


@pytest.mark.parametrize("verified", [False, "false"])
def test_an_e_mail_the_provider_has_not_verified_gets_no_ones_projects(verified, tmp_path, monkeypatch):
    """Roles are given by e-mail: a provider that lets people set an address it has not verified (it says so with
    email_verified false) let anyone sign in as the owner of someone else's projects (shown on a real server with
    oidc-provider-mock: 'mallory' with ann@example.org unverified opened Ann's project as its owner)."""
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path))
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "label": [None] * 4})
    ProjectStore(tmp_path).create_project("Ann's points", frame, "label", ["a", "b"], owner="ann@example.org")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets.update(SIGN_IN)
    at.user = {"is_logged_in": True, "sub": "mallory", "email": "ann@example.org", "email_verified": verified}
    at.run().switch_page(PAGES[3]).run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Your e-mail address is not verified"]
    assert not at.page_link and not at.subheader  # no project list, no page
    at.user = {"is_logged_in": True, "sub": "ann", "email": "ann@example.org", "email_verified": True}
    at.run()
    assert [link.label for link in at.page_link if "Ann" in link.label] == [
        "Ann's points: 0 of 4 rows labeled (0%)"
    ]  # the same address, verified: Ann's project


def test_an_e_mail_the_provider_says_nothing_about_counts_only_when_the_operator_says_it_checks_them(
    tmp_path, monkeypatch
):
    """A provider that sends no email_verified (Microsoft Entra sends none) was trusted: an address nobody
    checked opened Ann's project as its owner. Now it is refused, with the setting that trusts such a provider,
    unless the operator set it or the provider vouches for the address's domain (Entra's xms_edov)."""
    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path))
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "label": [None] * 4})
    ProjectStore(tmp_path).create_project("Ann's points", frame, "label", ["a", "b"], owner="ann@example.org")
    silent = {"is_logged_in": True, "sub": "mallory", "email": "ann@example.org"}

    def ann_projects(secrets: dict, user: dict) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.secrets.update(secrets)
        at.user = user
        at.run().switch_page(PAGES[3]).run()
        assert not at.exception
        return at

    at = ann_projects(SIGN_IN, silent)
    assert [title.value for title in at.title] == ["Your e-mail address is not verified"]
    assert "`[auth] provider_verifies_email = true`" in at.error[0].value
    assert "ALCORE_PROVIDER_VERIFIES_EMAIL=1" in at.error[0].value
    assert not at.page_link and not at.subheader
    trusted = {"auth": SIGN_IN["auth"] | {"provider_verifies_email": True}}
    for secrets, user in [(trusted, silent), (SIGN_IN, silent | {"xms_edov": True})]:
        at = ann_projects(secrets, user)
        assert [link.label for link in at.page_link if "Ann" in link.label] == [
            "Ann's points: 0 of 4 rows labeled (0%)"
        ]
    at = ann_projects(trusted, silent | {"email_verified": False})  # a provider that says no is not overruled
    assert [title.value for title in at.title] == ["Your e-mail address is not verified"]


@pytest.mark.parametrize(
    "headers",
    [
        {"host": "192.0.2.2:8631"},  # a raw forwarder (socat, ssh -L) passes the name the visitor typed
        {"host": "localhost:8501", "x-forwarded-for": "203.0.113.9"},  # a proxy on this machine says so
        {"host": "alcore.example.ngrok.app", "forwarded": "for=203.0.113.9"},
    ],
)
def test_a_local_server_reached_from_elsewhere_through_this_machine_is_refused_too(headers, monkeypatch):
    """A server on localhost behind a proxy or tunnel on the same machine served every page to anyone, with no
    sign-in and no warning (shown with a TCP forwarder on 0.0.0.0 in front of a localhost server)."""
    from ui import server_config

    monkeypatch.setattr(server_config, "_request_headers", lambda: headers)
    at = _run(PAGES[3])
    assert "not open to the network" in at.title[0].value and len(at.title) == 1
    monkeypatch.setattr(server_config, "_request_headers", lambda: {"host": "localhost:8501"})
    at = _run(PAGES[3])
    assert at.title[0].value == "Label your data" and not at.warning


@pytest.mark.usefixtures("served_on_network")
def test_a_person_with_as_many_comparisons_as_the_server_allows_is_told_to_wait_and_loses_nothing(
    tmp_path, monkeypatch
):
    """Anyone who could reach the server could queue heavy comparisons without limit, tab after tab, and everyone
    else's waited behind them. Ann, with a comparison in another tab and a limit of 1, is told what to do; her
    results and settings stay, and once the other one is done her Run runs."""
    from alcore.experiment.execution import RUNNING

    monkeypatch.setenv("ALCORE_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets.update(SIGN_IN | {"explore": {"most_running_per_person": 1}})
    at.user = {"is_logged_in": True, "sub": "ann", "email": "ann@example.org", "email_verified": True}
    at.query_params.update(demo="iris", seeds="2", budget="40", strategies="margin")
    at.run().switch_page(PAGES[2]).run()
    run = next(button for button in at.button if button.label == "Run comparison")
    run.click().run()
    assert not at.exception and not at.error and "Results" in [header.value for header in at.subheader]
    with RUNNING.admitted("person:ann@example.org", None):  # her comparison in another tab
        at.number_input(key="explore.seeds").set_value(3)
        next(button for button in at.button if button.label == "Run comparison").click().run()
        assert not at.exception
        assert [error.value for error in at.error] == [
            "You already have 1 comparison queued or running on this server, the most it allows one person at "
            "once. Wait for it to finish or stop it, then run this one again (or ask the server's operator to "
            "raise the limit)."
        ]
        assert "Results" in [header.value for header in at.subheader]  # the last results are still shown
        assert at.number_input(key="explore.seeds").value == 3 and at.query_params["seeds"] in ("3", ["3"])
    next(button for button in at.button if button.label == "Run comparison").click().run()
    assert not at.exception and not at.error and not at.warning  # run with 3 seeds: the results are current
