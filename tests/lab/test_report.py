"""The HTML report and results.json for every experiment, opened in headless Chromium offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chainrule import lab

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.slow  # the report needs every experiment's result


@pytest.fixture(scope="module")
def report(results, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lab-report")
    return lab.write_report([results(n) for n in lab.names()], out)


def test_results_json(report, results):
    data = json.loads((report.parent / "results.json").read_text())
    assert [e["name"] for e in data["experiments"]] == lab.names()
    for e in data["experiments"]:
        res = results(e["name"])
        assert e["claim"] == res.claim
        assert e["verdict"] is res.verdict
        assert e["numbers"], e["name"]
        assert all(isinstance(c["passed"], bool) for c in e["checks"])
    assert data["supported"] == sum(e["verdict"] for e in data["experiments"])


def test_page_has_every_section_and_file(report):
    html = report.read_text()
    for name in lab.names():
        assert f'id="{name}"' in html
    assert "http://" not in html and "https://" not in html  # nothing to fetch
    for src in html.split('src="')[1:]:
        assert (report.parent / src.split('"')[0]).is_file()


def test_page_in_headless_chromium(report):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (apt-get install chromium); the report is not rendered")
    sync_api = pytest.importorskip("playwright.sync_api")
    errors, blocked = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists()
                                    else shutil.which("chromium"), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def offline(route):  # the network is off: only the report's own files load
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", offline)
            page.goto(report.as_uri(), wait_until="load")
            sections = page.eval_on_selector_all("section.experiment", "s => s.map(e => e.id)")
            images = page.eval_on_selector_all(
                "img", "s => s.map(e => [e.getAttribute('src'), e.complete, e.naturalWidth])")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "lab-report.png"), full_page=True)
        finally:
            browser.close()
    assert sections == lab.names()
    assert images, "the report has no images"
    not_loaded = [src for src, complete, width in images if not complete or width == 0]
    assert not not_loaded, f"images that did not load: {not_loaded}"
    assert any(src.endswith(".gif") for src, _, _ in images)
    assert not errors, f"console errors: {errors}"
    assert not blocked, f"the page tried to reach the network: {blocked}"
