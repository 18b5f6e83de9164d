"""Issue 9 point 2 in a real browser: sign-in with st.login against a real OpenID Connect provider
(oidc-provider-mock, started here on 127.0.0.1; people sign in on its own form), and roles.

Ann creates a project and is its owner; Bob, a viewer, sees it but cannot label, export or manage it;
made a labeler, he labels and the store records his sign-in, not a typed name; Eve, no member, sees
nothing of it, not even by its link; a visitor who has not signed in sees no page at all. Ann archives
the project, then deletes it after typing its name (its labels offered for download first).
"""

import contextlib
import json
import secrets
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest
from playwright.sync_api import expect

from alcore.labeling.store import ProjectStore
from tests.e2e.browser import RUN_TIMEOUT_MS, app_run, expect_file, screenshot, wait_for_app, wait_for_charts
from tests.e2e.conftest import _free_port, running_app

pytestmark = pytest.mark.browser
PEOPLE = ["ann@example.org", "bob@example.org", "eve@example.org"]
MALLORY = {"sub": "mallory", "email": "ann@example.org"}
"""Someone whose provider sends Ann's address without saying it verified it (as Microsoft Entra sends none)."""


@contextlib.contextmanager
def oidc_provider(log_path):
    """oidc-provider-mock on a free port of 127.0.0.1, knowing PEOPLE (sub = e-mail, verified) and MALLORY;
    yields its URL."""
    port = _free_port()
    users = [{"sub": person, "email": person, "email_verified": True} for person in PEOPLE] + [MALLORY]
    claims = [arg for user in users for arg in ("--user-claims", json.dumps(user))]
    with open(log_path, "w") as log:
        provider = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "-p", str(port), "-H", "127.0.0.1", *claims],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or provider.poll() is not None:
                    raise RuntimeError(f"the OIDC provider did not start:\n{log_path.read_text()}") from None
                time.sleep(0.3)
        yield url
    finally:
        provider.terminate()
        provider.wait(timeout=10)


@pytest.fixture()
def contexts(browser):
    """Browser contexts of the test's people, closed at its end (an open tab keeps reconnecting to a stopped server)."""
    opened = []
    yield opened
    for context in opened:
        context.close()


@pytest.fixture()
def signed_in_app(tmp_path, request):
    """The app with sign-in configured in a secrets file of the test's own: (app URL, data folder). Parametrized
    indirectly, the parameter is more lines of its `[auth]` section."""
    port = _free_port()
    with oidc_provider(tmp_path / "oidc.log") as issuer:
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            'client_id = "alcore-test"\n'
            'client_secret = "not-a-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n' + getattr(request, "param", "")
        )
        extra = ("--secrets.files", str(secrets_file))
        with running_app(tmp_path, port=port, extra_args=extra) as url:
            yield url, tmp_path


def _sign_in(browser, contexts, url: str, person: str):
    """A browser of `person`'s own: the app's sign-in button, then the provider's form."""
    page = _through_the_provider(browser, contexts, url, person)
    page.get_by_text("Signed in as").wait_for()
    assert f"Signed in as {person}" in _shown(page.locator('[data-testid="stSidebar"]').inner_text())
    return page


def _through_the_provider(browser, contexts, url: str, subject: str):
    """A browser of its own back from the provider's form, where it signed in as `subject`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "Sign in to alcore"
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(subject)  # the provider's own form
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**")
    wait_for_app(page)
    return page


def _shown(text: str) -> str:
    """Text as a person reads it: the invisible word joiners that stop auto-linking (after "@") left out."""
    return text.replace("\u2060", "")


def _open_label_page(page, url: str, project_id: int | None = None) -> None:
    page.goto(f"{url}/label" + (f"?project={project_id}" if project_id else ""))
    wait_for_app(page)


def _points_csv(path):
    pd.DataFrame({"x": [(-1) ** i * (1 + i % 7) for i in range(30)], "label": [""] * 30}).to_csv(path, index=False)
    return path


def test_two_people_sign_in_and_each_can_do_what_their_role_allows(
    signed_in_app, browser, contexts, tmp_path, screenshots_dir
):
    url, data_dir = signed_in_app
    contexts.append(browser.new_context())
    anonymous = contexts[-1].new_page()
    anonymous.goto(f"{url}/label")
    wait_for_app(anonymous)
    assert anonymous.locator("h1").first.inner_text() == "Sign in to alcore"
    assert anonymous.get_by_text("Your projects").count() == 0
    screenshot(anonymous, screenshots_dir, "sign-in")

    # Ann starts a project: she is its owner, and adds Bob as a viewer.
    ann = _sign_in(browser, contexts, url, "ann@example.org")
    _open_label_page(ann, url)
    with app_run(ann):
        ann.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(_points_csv(tmp_path / "points.csv"))
    ann.get_by_role("button", name="Start labeling").wait_for()
    ann.get_by_role("textbox", name="Project name").fill("Ann's points")
    ann.get_by_role("textbox", name="Classes, separated by commas").fill("left, right")
    ann.get_by_role("button", name="Start labeling").click()
    ann.get_by_role("button", name="Save these labels and get the next batch").wait_for(timeout=120_000)
    wait_for_app(ann)
    store = ProjectStore(data_dir)
    (project,) = store.list_projects()
    assert store.members(project.id) == {"ann@example.org": "owner"}
    ann.get_by_text("Labeled rows (CSV)").first.wait_for()  # the owner exports
    ann.get_by_text("Manage this project").click()
    wait_for_charts(ann, at_least=0)  # the members table drawn: it grows once its code has loaded
    ann.get_by_role("textbox", name="Sign-in e-mail").fill("bob@example.org")
    ann.get_by_role("radiogroup", name="Role").get_by_text("viewer", exact=True).click()
    expect(ann.get_by_role("radio", name="viewer")).to_be_checked()
    ann.get_by_role("button", name="Add or change").click()
    deadline = time.monotonic() + 30
    while "bob@example.org" not in store.members(project.id) and time.monotonic() < deadline:
        ann.wait_for_timeout(300)
    wait_for_app(ann)
    assert store.members(project.id) == {"ann@example.org": "owner", "bob@example.org": "viewer"}
    screenshot(ann, screenshots_dir, "sign-in-owner")

    # Bob, a viewer: sees the project and its labels, can neither label nor export nor manage.
    bob = _sign_in(browser, contexts, url, "bob@example.org")
    _open_label_page(bob, url)
    bob.get_by_role("link", name="Ann's points").click()
    bob.get_by_text("You can follow this project but not label it").wait_for()
    wait_for_app(bob)
    for absent in ("Save these labels and get the next batch", "Labeled rows (CSV)", "Manage this project", "Undo"):
        assert bob.get_by_text(absent).count() == 0, absent
    assert bob.get_by_role("textbox", name="Your name").count() == 0
    screenshot(bob, screenshots_dir, "sign-in-viewer")

    # Made a labeler, Bob labels a batch: the store records his sign-in.
    store.set_member(project.id, "bob@example.org", "labeler")
    _open_label_page(bob, url, project.id)
    bob.get_by_role("button", name="Save these labels and get the next batch").wait_for()
    wait_for_charts(bob, at_least=0)  # each row's choice drawn, not a placeholder: the rows are counted next
    groups = bob.get_by_role("radiogroup").filter(has_text="skip: not sure")
    for i in range(groups.count()):
        groups.nth(i).get_by_text("left", exact=True).click()
    bob.get_by_role("button", name="Save these labels and get the next batch").click()
    deadline = time.monotonic() + 60
    while store.events(project.id).empty and time.monotonic() < deadline:
        bob.wait_for_timeout(300)
    wait_for_app(bob)
    assert set(store.events(project.id)["labeler"]) == {"bob@example.org"}
    assert bob.get_by_text("Labeled rows (CSV)").count() == 0 and bob.get_by_text("Manage this project").count() == 0

    # Eve is no member: no project in her list, and its link says only that there is no such project.
    eve = _sign_in(browser, contexts, url, "eve@example.org")
    _open_label_page(eve, url)
    eve.get_by_text("No labeling project yet").wait_for()
    _open_label_page(eve, url, project.id)
    eve.get_by_text("No such project").first.wait_for()
    assert eve.get_by_text("Ann's points").count() == 0

    # Ann archives the project (Bob can no longer label), restores nothing, and deletes it.
    _open_label_page(ann, url, project.id)
    ann.get_by_text("Manage this project").click()
    ann.get_by_role("button", name="Archive").click()
    ann.get_by_text("This project is archived").wait_for()
    wait_for_app(ann)
    _open_label_page(bob, url, project.id)
    bob.get_by_text("it is archived").wait_for()
    assert bob.get_by_text("Save these labels and get the next batch").count() == 0
    ann.get_by_text("Manage this project").click()
    with expect_file(ann) as download:
        ann.get_by_role("button", name="Labeled rows (CSV)").last.click()
    assert len(pd.read_csv(download.value.path())) == len(store.labels(project.id))
    delete = ann.get_by_role("button", name="Delete for good")
    assert delete.is_disabled()
    ann.get_by_role("textbox", name="Type the project's name to delete it").fill("Ann's points")
    ann.get_by_role("textbox", name="Type the project's name to delete it").press("Enter")
    expect(delete).to_be_enabled(timeout=RUN_TIMEOUT_MS)  # once the script has run with the name typed
    delete.click()
    ann.get_by_text("Start a new project").wait_for()
    assert store.list_projects() == []


@pytest.mark.parametrize(
    ("signed_in_app", "trusted"),
    [("", False), ("provider_verifies_email = true\n", True)],
    indirect=["signed_in_app"],
    ids=["by-default", "operator-trusts"],
)
def test_an_e_mail_the_provider_never_said_it_verified_opens_nothing_unless_the_operator_trusts_it(
    signed_in_app, trusted, browser, contexts, screenshots_dir
):
    """A provider that sent no email_verified was trusted: Mallory, with Ann's address that nobody checked, would
    have opened Ann's project as its owner. By default she is refused, told the setting; trusted, she is Ann."""
    url, data_dir = signed_in_app
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "label": [""] * 4})
    ProjectStore(data_dir).create_project("Ann's points", frame, "label", ["a", "b"], owner="ann@example.org")
    mallory = _through_the_provider(browser, contexts, url, MALLORY["sub"])
    _open_label_page(mallory, url)
    if trusted:
        mallory.get_by_text("Ann's points").first.wait_for()  # the operator vouched for the provider's addresses
        assert "Signed in as ann@example.org" in _shown(mallory.locator('[data-testid="stSidebar"]').inner_text())
        return
    assert mallory.locator("h1").first.inner_text() == "Your e-mail address is not verified"
    refusal = _shown(mallory.locator('[data-testid="stAlertContentError"]').inner_text())
    assert "did not say that it has verified ann@example.org" in refusal
    assert "[auth] provider_verifies_email = true" in refusal and "ALCORE_PROVIDER_VERIFIES_EMAIL=1" in refusal
    assert mallory.get_by_text("Ann's points").count() == 0 and mallory.get_by_text("Your projects").count() == 0
    screenshot(mallory, screenshots_dir, "sign-in-unverified-email")
