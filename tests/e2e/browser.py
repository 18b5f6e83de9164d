"""What the browser tests do again and again: wait for Streamlit, take a picture, check a narrow fit."""

from contextlib import contextmanager

RUN_TIMEOUT_MS = 180_000
NARROW = {"width": 420, "height": 900}
DEFERRED_FILE_TIMEOUT_MS = 180_000
"""How long Streamlit's own page waits for a file built when its button is clicked (a PNG, a labeled
table): the test waits as long, since on a loaded machine building one took longer than 30 s."""


def wait_for_app(page) -> None:
    """Until Streamlit has drawn a page title and finished running the script: the app says its script is
    not running, and no element is left greyed out (stale) from the previous run.

    The script's state is the one Streamlit's page keeps on its root element (`data-test-script-state`),
    not its "running" indicator: that indicator appears only 500 ms into a run, so a run that had drawn
    the title, with no stale element left, looked finished for its first half second (waiting 300 ms for
    the indicator did not cover it). After an action that reruns the script, use `app_run` around it:
    until the server has started that run, the page it replaces looks finished too.
    """
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1')
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
                 && !document.querySelector('[data-stale="true"]')""",
        timeout=RUN_TIMEOUT_MS,
    )


@contextmanager
def app_run(page):
    """Around an action that reruns the script (a click, Enter in a box, a file chosen): then waits until a
    run that started after the action has finished (`wait_for_app`).

    A click only sends the rerun to the server; until the server starts it (on a loaded machine, seconds
    later) the page shows the last run's result, finished, so waiting for a finished page right after the
    click returned at once and the test read the page before the action. A run's start is seen as the app's
    script state leaving "notRunning" or an element going stale.
    """
    page.evaluate(
        """() => {
            window.alcoreRunStarted = false;
            const app = document.querySelector('[data-testid="stApp"]');
            const started = () => app.dataset.testScriptState !== 'notRunning'
                || document.querySelector('[data-stale="true"]') !== null;
            window.alcoreRunWatch?.disconnect();
            window.alcoreRunWatch = new MutationObserver(() => {
                if (started()) { window.alcoreRunStarted = true; window.alcoreRunWatch.disconnect(); }
            });
            window.alcoreRunWatch.observe(app, {attributes: true, subtree: true,
                                                attributeFilter: ['data-test-script-state', 'data-stale']});
        }"""
    )
    yield
    page.wait_for_function("() => window.alcoreRunStarted", timeout=RUN_TIMEOUT_MS)
    wait_for_app(page)


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
