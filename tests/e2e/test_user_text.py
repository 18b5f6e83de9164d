"""Issue 9 point 3 in a real browser: what users type or upload is shown as text.

A table whose column names, class names and cells hold Markdown images, links, HTML and bare URLs,
and a project named with a Markdown image, go through the Data, Explore and Label pages. Every
payload points at a small HTTP server of the test's own on 127.0.0.1: it must receive no request,
the browser must send none there, and no link or image on the page may lead there.
"""

import csv
import http.server
import threading

import pytest

from tests.e2e.browser import RUN_TIMEOUT_MS, app_run, screenshot, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture()
def payload_host():
    """host:port of a server that only counts the requests it gets."""
    hits = []

    class Counter(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_port}", hits
    finally:
        server.shutdown()
        server.server_close()


def _payload_csv(path, host: str):
    label = f"![lab](http://{host}/label-column.png)"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x", f"<img src=http://{host}/column.png>", "note", label])
        cells = [
            f"![cell](http://{host}/cell.png)",
            f"see http://{host}/bare-link and www.example.invalid",
            f'<img src="http://{host}/cell-html.png"> <a href="http://{host}/a">a</a>',
            f"[click](http://{host}/cell-link)",
        ]
        classes = [f"![k](http://{host}/class.png)", "<b>plain</b>"]
        for i in range(40):
            writer.writerow([(-1) ** i * (1 + i % 5), i % 3, cells[i % 4], classes[i % 2] if i < 8 else ""])
    return path


def _shown(text: str) -> str:
    """Text as a person reads it: the invisible word joiners that stop auto-linking left out."""
    return text.replace("\u2060", "")


def _assert_nothing_leads_to(page, host: str, where: str) -> None:
    leaks = page.locator(f'a[href*="{host}"], img[src*="{host}"], [style*="{host}"]')
    assert leaks.count() == 0, f"{where}: {leaks.first.evaluate('e => e.outerHTML')}"


def test_names_classes_and_cells_are_text_and_fetch_nothing(app_url, page, payload_host, tmp_path, screenshots_dir):
    host, hits = payload_host
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    csv_path = _payload_csv(tmp_path / "payloads.csv", host)

    page.goto(f"{app_url}/data")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(csv_path)
    page.get_by_text("Classes of").wait_for()
    wait_for_app(page)
    assert f"Classes of ![lab](http://{host}/label-column.png)" in _shown(page.locator("body").inner_text())
    screenshot(page, screenshots_dir, "payloads-data")
    _assert_nothing_leads_to(page, host, "Data page")

    with app_run(page):
        page.get_by_role("link", name="Compare strategies on this data").click()
    _assert_nothing_leads_to(page, host, "Explore page")

    page.goto(f"{app_url}/label")  # a fresh session: the table comes in through the Label page's own picker
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(csv_path)
    page.get_by_role("textbox", name="Project name").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_for_app(page)
    project_name = f"![p](http://{host}/project.png)"
    page.get_by_role("textbox", name="Project name").fill(project_name)
    page.get_by_role("spinbutton", name="Rows per batch").fill("4")
    page.get_by_role("button", name="Start labeling").click()
    page.get_by_role("button", name="Save these labels and get the next batch").wait_for(timeout=120_000)
    wait_for_app(page)
    assert _shown(page.locator("h1").first.inner_text()) == project_name
    assert page.get_by_text("<b>plain</b>", exact=True).first.is_visible()  # a class, as a choice
    screenshot(page, screenshots_dir, "payloads-label")
    _assert_nothing_leads_to(page, host, "Label page")

    page.get_by_role("button", name="Close project").click(timeout=RUN_TIMEOUT_MS)
    # Other tests' projects share this server's list: find this one by the start of its name.
    listed = page.get_by_role("link", name="rows labeled").filter(has_text="![p](")
    listed.wait_for()
    assert project_name in _shown(listed.inner_text())
    wait_for_app(page)

    _assert_nothing_leads_to(page, host, "project list")
    assert not [url for url in sent if host in url]
    assert not hits
