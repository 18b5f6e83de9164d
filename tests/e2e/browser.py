"""What the browser tests do again and again: wait for Streamlit, take a picture, check a narrow fit."""

from contextlib import contextmanager

RUN_TIMEOUT_MS = 180_000
NARROW = {"width": 420, "height": 900}
DEFERRED_FILE_TIMEOUT_MS = 180_000
"""How long Streamlit's own page waits for a file built when its button is clicked (a PNG, a labeled
table): the test waits as long, since on a loaded machine building one took longer than 30 s."""


def wait_for_app(page) -> None:
    """Until Streamlit has drawn a page title and finished running the script: no
    "running" indicator and no element left greyed out (stale) from the previous run."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1')
    page.wait_for_timeout(300)  # the running indicator appears only after a short delay
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-stale="true"]')""",
        timeout=RUN_TIMEOUT_MS,
    )


def wait_for_charts(page, at_least: int = 1) -> None:
    """Until at least `at_least` charts are on the page, no element is a grey placeholder and every
    chart on screen has drawn itself.

    Streamlit loads the code that draws an element (a chart, a table) the first time a page shows one,
    and shows a grey placeholder (`stSkeleton`) meanwhile; a chart then draws asynchronously. On a loaded machine both
    took seconds after the script had finished: a test that counted charts at once found none, and a
    click aimed at a button below them landed where the button had been before they grew.
    """
    page.wait_for_function(
        """(atLeast) => {
            const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
            const shown = charts.filter(chart => chart.getClientRects().length > 0);
            return charts.length >= atLeast
                && !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')
                && shown.every(chart => chart.querySelector('canvas, svg'));
        }""",
        arg=at_least,
        timeout=RUN_TIMEOUT_MS,
    )


@contextmanager
def expect_file(page, timeout: float = DEFERRED_FILE_TIMEOUT_MS):
    """`page.expect_download` for a download button, once the page around it has stopped moving
    (the script done, every chart drawn: see `wait_for_charts`), waiting as long as Streamlit does
    for a file built on click."""
    wait_for_app(page)
    wait_for_charts(page, at_least=0)
    with page.expect_download(timeout=timeout) as download:
        yield download


def screenshot(page, directory, name: str) -> None:
    """Screenshot of the whole page. Streamlit scrolls inside its main area, not the document,
    so the window is made as tall as that area for the picture and then put back."""
    page.wait_for_timeout(500)  # let charts finish their first paint
    viewport = page.viewport_size
    height = page.evaluate("""() => document.querySelector('[data-testid="stMain"]').scrollHeight""")
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height)})
    page.wait_for_timeout(300)
    page.screenshot(path=directory / f"{name}.png", full_page=True)
    page.set_viewport_size(viewport)


def assert_fits(page, what: str) -> None:
    """Nothing on the page scrolls sideways at the current (narrow) width."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{what} scrolls sideways ({width}px)"
