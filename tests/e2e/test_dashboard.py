"""The dashboard in a real browser: what only a browser shows (the file picker, the
rendered chart, the download), with a screenshot of every page for a person to look at."""

import pytest

pytestmark = pytest.mark.browser


def _wait_for_app(page) -> None:
    """Until Streamlit has drawn the page and finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1')
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')""")


def test_home_says_what_the_tool_does(app_url, page, screenshots_dir):
    page.goto(app_url)
    _wait_for_app(page)
    assert "label less, learn as much" in page.locator("h1").first.inner_text()
    page.screenshot(path=screenshots_dir / "home.png", full_page=True)
