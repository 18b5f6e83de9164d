"""What the browser tests do again and again: wait for Streamlit, take a picture, check a narrow fit."""

RUN_TIMEOUT_MS = 180_000
NARROW = {"width": 420, "height": 900}


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
