"""A first visit in a real browser, on public data (Palmer penguins), asserting what a person sees.

Screenshots at 1280 and 420 px go to screenshots/ (gitignored) for a person to look at.
"""

import re

import pytest
from palmerpenguins import load_penguins
from playwright.sync_api import expect

from tests.e2e.browser import NARROW, app_run, assert_fits, screenshot, wait_for_app
from tests.e2e.conftest import LOGS

pytestmark = pytest.mark.browser
SAVE = "Save these labels and get the next batch"
CLASSES = ["Adelie", "Chinstrap", "Gentoo"]


@pytest.fixture()
def penguins_to_label(tmp_path):
    """The penguins table with species known for its first 15 rows only: 329 rows to label."""
    frame = load_penguins()
    frame.loc[15:, "species"] = None
    path = tmp_path / "penguins.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture()
def penguins_csv(tmp_path):
    """The whole penguins table, every species known; its last column is `year`, its first `species`."""
    path = tmp_path / "penguins.csv"
    load_penguins().to_csv(path, index=False)
    return path


NOISE = re.compile(r"Warning|Traceback|Error")
"""What must not be in a server's log after a person's session: Python warnings and tracebacks."""


def server_noise(url: str) -> list[str]:
    """Lines of the server's log that mean nothing to a user (warnings, tracebacks), each with the line after."""
    lines = LOGS[url].read_text().splitlines()
    return [" / ".join(lines[i : i + 2]) for i, line in enumerate(lines) if NOISE.search(line)]


def _groups(page):
    return page.get_by_role("radiogroup").filter(has_text="skip: not sure")


def _focused_row(page) -> int:
    """Which row's choices hold the keyboard focus (-1: none)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[role="radiogroup"]')]
                 .filter(group => group.innerText.includes('skip: not sure'))
                 .findIndex(group => group.contains(document.activeElement))"""
    )


def test_labeling_by_keyboard_with_a_saved_note_and_a_remembered_name(
    app_url, page, screenshots_dir, penguins_to_label
):
    page.goto(f"{app_url}/label")
    page.wait_for_selector('[data-testid="stFileUploaderDropzoneInput"]', state="attached")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(penguins_to_label)
    page.get_by_role("button", name="Start labeling").wait_for()
    wait_for_app(page)
    label_column = page.get_by_role("combobox", name="Label column")
    expect(label_column).to_have_value("species")  # the mostly empty column, not year
    page.get_by_role("textbox", name="Classes, separated by commas").fill(", ".join(CLASSES))
    page.get_by_role("spinbutton", name="Rows per batch").fill("4")
    page.get_by_role("button", name="Start labeling").click()
    page.get_by_role("button", name=SAVE).wait_for(timeout=120_000)
    wait_for_app(page)

    assert page.locator('[data-testid="stMain"] :is(h1, h2, h3) a').count() == 0, "no Tab stops on heading anchors"
    expect(page.get_by_text("Keyboard:")).to_contain_text("1 Adelie · 2 Chinstrap · 3 Gentoo · 0 skip · Enter saves")
    page.get_by_role("textbox", name="Your name").fill("Ada")
    with app_run(page):
        page.get_by_role("textbox", name="Your name").press("Enter")

    _groups(page).nth(0).get_by_role("radio").first.focus()
    for key, expected in zip("1230", [*CLASSES, "skip: not sure"]):
        row = _focused_row(page)
        page.keyboard.press(key)
        expect(_groups(page).nth(row).get_by_role("radio", name=expected, exact=True)).to_be_checked()
    # past the last row: on the Save button (the page's key handler moves the focus a moment after the key)
    page.wait_for_function(
        """() => ![...document.querySelectorAll('[role="radiogroup"]')]
                 .filter(group => group.innerText.includes('skip: not sure'))
                 .some(group => group.contains(document.activeElement))""",
        timeout=10_000,
    )
    screenshot(page, screenshots_dir, "first-visit-keyboard")
    first_rows = page.get_by_text("Label for row").all_inner_texts()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved: 3 labels, 1 skipped.")).to_be_visible(timeout=60_000)
    page.wait_for_function(f"() => !document.body.innerText.includes({first_rows[0]!r})", timeout=60_000)
    wait_for_app(page)
    page.wait_for_function(
        """() => { const group = [...document.querySelectorAll('[role="radiogroup"]')]
                   .find(g => g.innerText.includes('skip: not sure'));
                   return group && group.contains(document.activeElement); }""",
        timeout=10_000,
    )
    top = _groups(page).nth(0).bounding_box()["y"]
    assert 0 <= top <= page.viewport_size["height"], "the new batch's first row is on screen"

    project = page.url.split("project=")[1].split("&")[0]
    page.goto(f"{app_url}/label?project={project}")  # a later visit: the link does not say who is labeling
    page.get_by_role("button", name=SAVE).wait_for(timeout=120_000)
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="Your name")).to_have_value("Ada")  # remembered by this browser
    page.set_viewport_size(NARROW)
    wait_for_app(page)
    assert_fits(page, "the labeling form")
    screenshot(page, screenshots_dir, "first-visit-label-narrow")


def test_results_fit_a_narrow_screen_and_the_sidebar_closes_after_choosing_a_page(fresh_app_url, page, screenshots_dir):
    # A server of its own keeps this test apart from what other sessions did on the shared one (Explore's
    # charts once stayed placeholders there: the runs' manager, forked from the server, held the browser's
    # connections; the manager is spawned since, see test_the_runs_manager_holds_none_of_the_servers_connections).
    page.goto(
        f"{fresh_app_url}/explore?demo=iris&seeds=2&budget=40&initial=10&strategies=margin,entropy,least_confidence"
    )
    page.get_by_role("button", name="Run comparison").wait_for()
    wait_for_app(page)
    page.get_by_role("button", name="Run comparison").click()
    results = page.get_by_role("heading", name="Results")
    results.wait_for(timeout=120_000)
    wait_for_app(page)
    results.scroll_into_view_if_needed()  # Streamlit draws elements once they come near the screen
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    table = page.locator('[class*="st-key-wide-table-results"] [data-testid="stDataFrame"]')
    table.scroll_into_view_if_needed()
    expect(table).to_be_visible()
    screenshot(page, screenshots_dir, "first-visit-explore-wide")

    page.set_viewport_size(NARROW)
    wait_for_app(page)
    assert_fits(page, "the results")
    expect(page.locator('[class*="st-key-wide-table-results"]')).to_be_hidden()
    cards = page.locator('[class*="st-key-narrow-cards-results"]')
    cards.scroll_into_view_if_needed()
    expect(cards).to_be_visible()
    for figure in ("Labels to target", "Money saved", "Verdict"):  # off-screen in the wide table at 420 px
        assert figure in cards.inner_text()
    box = cards.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
    screenshot(page, screenshots_dir, "first-visit-explore-narrow")

    page.locator(
        '[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button'
    ).first.click()
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    sidebar.get_by_role("link", name="Data").click()
    page.get_by_role("heading", name="Your data").wait_for()
    expect(sidebar).to_have_attribute("data-collapsed", "true", timeout=5_000)


def test_an_upload_its_guess_roles_link_and_refresh_reproduce_a_comparison_in_plain_words(
    fresh_app_url, page, browser, screenshots_dir, penguins_csv
):
    """The Data page guesses `species` (the first column; the last is `year`) and shows a select per column;
    Explore's results of the upload come back after a refresh and in another browser from the link alone;
    strategies carry plain names; the server's log stays quiet."""
    page.goto(f"{fresh_app_url}/data")
    page.wait_for_selector('[data-testid="stFileUploaderDropzoneInput"]', state="attached")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(penguins_csv)
    label_column = page.get_by_role("combobox", name="Label column")
    expect(label_column).to_have_value("species", timeout=60_000)
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="island")).to_have_value("categorical")  # a select per column
    expect(page.get_by_role("combobox", name="year")).to_have_value("numeric")
    screenshot(page, screenshots_dir, "walk-data-wide")
    page.set_viewport_size(NARROW)
    wait_for_app(page)
    assert_fits(page, "the Data page")
    screenshot(page, screenshots_dir, "walk-data-narrow")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Compare strategies on this data").click()
    page.get_by_role("button", name="Run comparison").wait_for()
    wait_for_app(page)
    assert re.search(r"upload=[0-9a-f]{64}\.csv", page.url), "the link names the upload by its hash"
    # A shorter run, set the way a shared link sets it: its settings travel in the address.
    page.goto(re.sub(r"budget=\d+", "budget=40", re.sub(r"seeds=\d+", "seeds=2", page.url)))
    page.get_by_role("button", name="Run comparison").wait_for()
    wait_for_app(page)
    expect(page.get_by_role("spinbutton", name="Repetitions (seeds)")).to_have_value("2")
    page.get_by_role("button", name="Run comparison").click()
    verdicts = re.compile(r"random picking|Random picking|Neither random|Too few seeds")
    headline = page.get_by_test_id("stAlert").filter(has_text=verdicts).first
    headline.wait_for(timeout=180_000)
    wait_for_app(page)
    said = headline.inner_text().splitlines()[-1]  # the sentence, without the icon's name
    assert re.search(r"[A-Z][a-z]+[^()]* \([a-z_]+\)", said), f"a plain name beside the code name: {said}"
    link = page.url

    page.reload(wait_until="domcontentloaded", timeout=120_000)  # a refresh loses nothing
    expect(page.get_by_test_id("stAlert").filter(has_text=said)).to_be_visible(timeout=120_000)
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # someone holding the link
    try:
        other.goto(link, wait_until="domcontentloaded", timeout=120_000)
        expect(other.get_by_test_id("stAlert").filter(has_text=said)).to_be_visible(timeout=120_000)
        wait_for_app(other)
        results = other.get_by_role("heading", name="Results")
        results.scroll_into_view_if_needed()
        other.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
        screenshot(other, screenshots_dir, "walk-explore-wide")
        other.set_viewport_size(NARROW)
        wait_for_app(other)
        assert_fits(other, "the results")
        cards = other.locator('[class*="st-key-narrow-cards-results"]')
        cards.scroll_into_view_if_needed()
        expect(cards).to_contain_text("Entropy (entropy)")  # a plain name beside the code name
        screenshot(other, screenshots_dir, "walk-explore-narrow")
    finally:
        other.context.close()
    assert server_noise(fresh_app_url) == []


def _answer_batch_by_keyboard(page, key: str = "1") -> None:
    """Every row of the open batch gets class `key` from the keyboard, then Enter saves."""
    rows = _groups(page).count()
    # The page puts the focus on a new batch's first row a moment after drawing it (on the Save button when
    # it ran before the rows were drawn): wait until it has, so no key races it; then start at the first row.
    page.wait_for_function(
        """() => { const data = document.getElementById('alcore-batch-keys');
                   const focus = document.activeElement;
                   return data && window.alcoreBatchShown === data.dataset.batch
                       && (focus.tagName === 'BUTTON' || !!focus.closest('[role="radiogroup"]')); }""",
        timeout=60_000,
    )
    if _focused_row(page) != 0:
        _groups(page).nth(0).get_by_role("radio").first.focus()
    for row in range(rows):
        page.keyboard.press(key)
        expect(_groups(page).nth(row).get_by_role("radio", name=CLASSES[int(key) - 1], exact=True)).to_be_checked()
        # the key handler moves the focus on a moment later: to the next row, past the last one to Save
        page.wait_for_function(
            f"""() => [...document.querySelectorAll('[role="radiogroup"]')]
                 .filter(group => group.innerText.includes('skip: not sure'))
                 .findIndex(group => group.contains(document.activeElement)) === {row + 1 if row + 1 < rows else -1}""",
            timeout=60_000,
        )
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Saved: {rows} labels, 0 skipped.")).to_be_visible(timeout=60_000)
    wait_for_app(page)


def test_monitoring_numbers_batches_as_people_saw_them_in_words_that_fit_420_px(
    fresh_app_url, page, screenshots_dir, penguins_to_label
):
    """Two batches, the second undone, a third: the page says 3 batches (1 undone) and Monitoring lists
    batch 2 as undone; measurements keep the data's precision; at 420 px the tables are cards that fit;
    the server's log stays quiet."""
    page.goto(f"{fresh_app_url}/label")
    page.wait_for_selector('[data-testid="stFileUploaderDropzoneInput"]', state="attached")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(penguins_to_label)
    page.get_by_role("button", name="Start labeling").wait_for()
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Label column")).to_have_value("species")
    page.get_by_role("textbox", name="Classes, separated by commas").fill(", ".join(CLASSES))
    page.get_by_role("spinbutton", name="Rows per batch").fill("4")
    page.get_by_role("button", name="Start labeling").click()
    page.get_by_role("button", name=SAVE).wait_for(timeout=120_000)
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    assert re.search(r"flipper_length_mm: \d+ ", main.inner_text()), "whole millimetres, as in the table"
    assert "nan" not in main.inner_text().split()

    _answer_batch_by_keyboard(page, "1")
    _answer_batch_by_keyboard(page, "3")
    page.get_by_role("button", name="Undo your last batch").click()
    page.get_by_text("asked again after undo").first.wait_for(timeout=60_000)
    wait_for_app(page)
    _answer_batch_by_keyboard(page, "1")
    expect(page.get_by_test_id("stMetric").filter(has_text="Batches submitted")).to_contain_text("3 (1 undone)")
    screenshot(page, screenshots_dir, "walk-label-wide")

    page.get_by_text("Monitoring: what the loop picks").click()
    page.get_by_role("tab", name="What each batch bought").click()
    wait_for_app(page)
    bought = page.get_by_role("tabpanel", name="What each batch bought")
    page.set_viewport_size(NARROW)
    wait_for_app(page)
    cards = bought.locator('[class*="st-key-narrow-cards-gains"]')
    cards.scroll_into_view_if_needed()
    expect(cards).to_contain_text("Batch 2 (undone)")
    expect(cards).to_contain_text("imported labels")
    assert_fits(page, "the Label page with Monitoring open")
    screenshot(page, screenshots_dir, "walk-label-monitoring-narrow")
    page.set_viewport_size({"width": 1280, "height": 900})
    wait_for_app(page)
    screenshot(page, screenshots_dir, "walk-label-monitoring-wide")
    assert server_noise(fresh_app_url) == []
