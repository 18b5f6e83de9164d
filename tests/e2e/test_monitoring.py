"""The monitoring panel in a real browser: a labeling project with four batches by two labelers and
one planted wrong label (made through the engine in the server's data folder); the panel opens,
draws its charts, finds the wrong label and relabels it with one click; kappa is shown.

Screenshots (normal and narrow) go to screenshots/ for a person to look at.
"""

import pytest
from playwright.sync_api import expect

from alcore.formatting import format_row
from alcore.labeling.store import ProjectStore
from tests.e2e.browser import NARROW, assert_fits, wait_for_app

pytestmark = pytest.mark.browser
PANEL = "Monitoring: what the loop picks"


@pytest.fixture()
def planted(tmp_path, plant_project):
    """The AppTest's project (ann, then bo; one wrong label in bo's last batch), in the server's folder."""
    session, truth, wrong = plant_project(tmp_path)
    return tmp_path, session.project_id, truth, wrong


def _shoot_panel(panel, directory, name: str) -> None:
    """The panel alone (the whole page is too tall to read in one picture)."""
    panel.page.wait_for_timeout(500)  # let charts finish their first paint
    panel.screenshot(path=directory / f"{name}.png")


def _tab(page, name: str):
    page.get_by_role("tab", name=name).click()
    wait_for_app(page)


def test_monitoring_panel_shows_charts_and_the_wrong_label(planted, fresh_app_url, page, screenshots_dir):
    folder, project_id, truth, wrong = planted
    page.goto(fresh_app_url)
    wait_for_app(page)
    page.goto(f"{fresh_app_url}/label?project={project_id}")
    wait_for_app(page)
    page.get_by_text(PANEL).click()
    wait_for_app(page)
    panel = page.locator('[data-testid="stExpander"]').filter(has_text=PANEL)
    expect(panel.locator('[data-testid="stVegaLiteChart"]:visible')).to_have_count(2)  # class mix, pick scores
    panel.scroll_into_view_if_needed()
    _shoot_panel(panel, screenshots_dir, "monitoring-picked")

    _tab(page, "What each batch bought")
    expect(panel.get_by_text("Cost per accuracy point = ")).to_be_visible()
    expect(panel.locator('[data-testid="stVegaLiteChart"]:visible')).to_have_count(1)
    _shoot_panel(panel, screenshots_dir, "monitoring-bought")

    _tab(page, "Labels that look wrong")
    panel.get_by_role("button", name="Look for labels that look wrong").click()
    listed = panel.get_by_text(f"Row {format_row(wrong)}:")
    listed.wait_for(timeout=60_000)
    wait_for_app(page)
    expect(panel.get_by_role("button", name=f"Relabel as {truth[wrong]}")).to_be_visible()
    _shoot_panel(panel, screenshots_dir, "monitoring-wrong-labels")
    page.set_viewport_size(NARROW)
    wait_for_app(page)
    assert_fits(page, "the panel")
    _shoot_panel(panel, screenshots_dir, "monitoring-wrong-labels-narrow")
    page.set_viewport_size({"width": 1280, "height": 900})

    panel.get_by_role("button", name=f"Relabel as {truth[wrong]}").click()
    expect(listed).to_have_count(0, timeout=30_000)
    events = ProjectStore(folder).events(project_id)
    assert events[(events["row"] == wrong) & (events["kind"] == "relabel")]["label"].tolist() == [truth[wrong]]

    _tab(page, "Agreement")
    expect(panel.get_by_text("Cohen's kappa: 1 = always agree")).to_be_visible()
    _shoot_panel(panel, screenshots_dir, "monitoring-agreement")
    _tab(page, "What is picked")
    page.set_viewport_size(NARROW)
    wait_for_app(page)
    _shoot_panel(panel, screenshots_dir, "monitoring-picked-narrow")


def test_explore_shows_what_each_strategy_asked_about(app_url, page, screenshots_dir):
    page.goto(f"{app_url}/explore?demo=iris&seeds=2&budget=50&strategies=margin")
    page.get_by_role("button", name="Run comparison").click()
    views = page.get_by_text("Why a strategy wins")
    views.wait_for(timeout=120_000)
    wait_for_app(page)
    views.click()  # the panel is computed only once opened
    page.locator(".st-key-explore-monitoring").wait_for(timeout=60_000)
    wait_for_app(page)
    for name in ["random", "margin"]:
        page.get_by_role("tab", name=name).click()
        page.wait_for_timeout(300)
    area = page.locator(".st-key-explore-monitoring")
    views.scroll_into_view_if_needed()
    _shoot_panel(area, screenshots_dir, "explore-monitoring")
    page.set_viewport_size(NARROW)
    wait_for_app(page)
    _shoot_panel(area, screenshots_dir, "explore-monitoring-narrow")
