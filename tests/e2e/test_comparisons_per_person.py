"""One browser's comparisons at once on a server others reach, in a real browser: a server on 0.0.0.0 open
without sign-in, with a limit of 1 comparison queued or running per person.

Without sign-in a person is their browser (its tabs share Streamlit's XSRF cookie): a second tab of the same
browser is told to wait while the first one runs, another browser is not held back, and once the first tab's
comparison is stopped the second tab's Run runs.
"""

import pytest

from tests.e2e.browser import screenshot, wait_for_app
from tests.e2e.conftest import running_app

pytestmark = pytest.mark.browser
LONG_RUN = "/explore?demo=digits&seeds=20&batch=1&budget=600&strategies=margin,entropy"
REFUSED = "You already have 1 comparison queued or running on this server"


@pytest.fixture()
def open_server(tmp_path):
    environment = {"ALCORE_OPEN_WITHOUT_SIGN_IN": "1", "ALCORE_MOST_RUNNING_PER_PERSON": "1"}
    with running_app(tmp_path, extra_args=("--server.address", "0.0.0.0"), environment=environment) as url:
        yield url


@pytest.fixture()
def browsers(browser):
    """Browser contexts (each a browser of its own, with its own cookies), closed at the test's end."""
    opened = []

    def new():
        opened.append(browser.new_context(viewport={"width": 1280, "height": 900}))
        return opened[-1]

    yield new
    for context in opened:
        context.close()


def _run_in_new_tab(context, url: str):
    """A new tab of `context` on the long comparison's link, Run pressed."""
    tab = context.new_page()
    tab.set_default_timeout(120_000)
    tab.goto(url + LONG_RUN)
    wait_for_app(tab)
    tab.get_by_role("button", name="Run comparison").click()
    return tab


def _stop(tab) -> None:
    tab.get_by_role("button", name="Stop").click()
    tab.get_by_text("The comparison was stopped").wait_for()


def test_a_second_tab_of_the_same_browser_waits_for_the_first_and_another_browser_does_not(
    open_server, browsers, screenshots_dir
):
    mine = browsers()
    first = _run_in_new_tab(mine, open_server)
    first.get_by_text("rounds done").first.wait_for()
    second = _run_in_new_tab(mine, open_server)
    second.get_by_text(REFUSED).wait_for()
    wait_for_app(second)
    assert second.get_by_role("button", name="Stop").count() == 0  # nothing runs in this tab
    screenshot(second, screenshots_dir, "explore-one-comparison-per-person")

    elsewhere = _run_in_new_tab(browsers(), open_server)
    elsewhere.get_by_text("rounds done").first.wait_for()
    assert elsewhere.get_by_text(REFUSED).count() == 0
    _stop(elsewhere)

    _stop(first)
    second.get_by_role("button", name="Run comparison").click()
    second.get_by_text("rounds done").first.wait_for()
    assert second.get_by_text(REFUSED).count() == 0, "the refusal of the Run before is gone while this one runs"
    _stop(second)
    assert second.get_by_text(REFUSED).count() == 0
