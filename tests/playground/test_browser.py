"""The playground in a real browser (the system Chromium, driven by Playwright): training to a low
test loss, the URL hash following the controls, a reload reproducing the network, two tabs training
independently, the gradients view and the one-example mode, and no console errors. Screenshots go
to ``test-artifacts/playground/``."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playground"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs the system Chromium at /usr/bin/chromium")]


def _loss(page, which: str) -> float:
    text = page.locator(f"#loss-{which}").inner_text()
    return float(text) if text not in ("-", "") else float("inf")


def _hash(page) -> dict[str, str]:
    return dict(p.split("=", 1) for p in page.evaluate("location.hash").lstrip("#").split("&") if "=" in p)


def test_playground_in_the_browser(playground_server) -> None:
    server_url, sessions = playground_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 820})

        def watch(page):
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            return page

        page = watch(context.new_page())
        page.goto(server_url + "#dataset=circle&networkShape=4,2&activation=tanh&seed=0.5&autoplay=true")
        # training runs on load and the test loss falls below 0.1
        page.wait_for_function("() => parseFloat(document.getElementById('loss-test').textContent) < 0.1",
                               timeout=90_000)
        assert _loss(page, "test") < 0.1
        assert page.locator("#network .node.hidden").count() == 6
        page.screenshot(path=str(ARTIFACTS / "01-trained-circle.png"))

        # the controls drive the URL hash
        page.click("#play")  # pause
        page.wait_for_function("() => !window.playground.state.frame.playing")
        page.select_option("#activation", "relu")
        page.wait_for_function("() => location.hash.includes('activation=relu')")
        page.click("#add-layer")
        page.wait_for_function("() => location.hash.includes('networkShape=4,2,2')")
        page.fill("#learningRate", "0.1")
        page.dispatch_event("#learningRate", "change")
        page.wait_for_function("() => location.hash.includes('learningRate=0.1')")
        page.click("#datasets button[data-name=xor]")
        page.wait_for_function("() => location.hash.includes('dataset=xor')")
        page.locator(".node.input[data-feature=xTimesY]").click()
        page.wait_for_function("() => location.hash.includes('xTimesY=true')")
        page.wait_for_function("() => window.playground.state.frame.config.dataset === 'xor'"
                               " && window.playground.state.frame.config.xTimesY === 'true'")
        h = _hash(page)
        assert h["activation"] == "relu" and h["networkShape"] == "4,2,2" and h["learningRate"] == "0.1"
        digest = page.evaluate("window.playground.state.frame.initDigest")
        first_sid = page.evaluate("window.playground.sid")

        # reloading from the hash rebuilds the same network (same shape, settings and initial weights)
        page.reload()
        page.wait_for_function("() => window.playground.state.frame !== null")
        assert page.evaluate("window.playground.sid") != first_sid
        assert first_sid not in sessions.entries  # the unloaded page's session was freed
        assert page.evaluate("window.playground.state.frame.initDigest") == digest
        assert page.input_value("#activation") == "relu"
        assert page.locator("#network .node.hidden").count() == 8
        assert _hash(page)["networkShape"] == "4,2,2"

        # a second tab trains on its own (the hash still says autoplay=true, so this one plays)
        page.wait_for_function("() => window.playground.state.frame.playing")
        other = watch(context.new_page())
        other.goto(server_url + "#dataset=spiral&networkShape=3&activation=sigmoid&seed=0.25")
        other.wait_for_function("() => window.playground.state.frame !== null")
        assert other.evaluate("window.playground.sid") != page.evaluate("window.playground.sid")
        assert other.evaluate("window.playground.state.frame.epoch") == 0
        epoch_before = page.evaluate("window.playground.state.frame.epoch")
        other.click("#step")
        other.wait_for_function("() => window.playground.state.frame.epoch === 1")
        page.wait_for_function(f"() => window.playground.state.frame.epoch > {epoch_before + 3}",
                               polling=100)  # a tab in the background gets no animation frames
        assert other.evaluate("window.playground.state.frame.epoch") == 1
        assert other.evaluate("window.playground.state.frame.config.dataset") == "spiral"
        # closing a tab frees its session (the page's pagehide beacon)
        other_sid = other.evaluate("window.playground.sid")
        assert other_sid in sessions.entries
        other.close(run_before_unload=True)
        for _ in range(100):
            if other_sid not in sessions.entries:
                break
            time.sleep(0.05)
        assert other_sid not in sessions.entries
        page.bring_to_front()
        page.click("#play")

        # the gradients view: every link carries dL/dw, every neuron dL/da
        page.check("#view-gradients")
        page.wait_for_function("() => location.hash.includes('view=gradients')")
        labels = page.locator("#network .node.hidden .label").all_inner_texts()
        assert labels and all(t.startswith("dL/da") for t in labels)
        # x1, x2, x1x2 -> 4 -> 2 -> 2 -> 1
        assert page.locator("#links path[data-dw]").count() == 3 * 4 + 4 * 2 + 2 * 2 + 2 * 1
        page.screenshot(path=str(ARTIFACTS / "02-gradients-view.png"))

        # one example: click a point, get the chain rule of a weight, sum over paths = engine's grad
        page.check("#oneExample")
        page.click("#heatmap", position={"x": 200, "y": 100})
        page.wait_for_selector("#example-sum")
        page.click("#links path[data-layer='0'][data-to='1'][data-from='0']", force=True)
        page.wait_for_function("() => window.playground.state.exampleResult.to === 1")
        r = page.evaluate("window.playground.state.exampleResult")
        assert r["nPaths"] == 2 * 2 and len(r["paths"]) == 4
        assert abs(r["sum"] - r["engine"]) <= 1e-5 * max(1.0, abs(r["engine"]))
        assert page.locator("#example-summary .ok").count() == 1
        assert page.locator("#paths tbody tr").count() == 4
        page.locator("#paths tbody tr").nth(1).click()
        assert page.locator("#links path.chosen").count() == 4  # x1 -> h1.2 -> h2 -> h3 -> out
        page.screenshot(path=str(ARTIFACTS / "03-one-example.png"), full_page=True)

        # bad input in the URL is refused or clamped with a message, and the page keeps working
        bad = watch(context.new_page())
        bad.goto(server_url + "#dataset=nope&learningRate=-1&networkShape=" + ",".join(["3"] * 50))
        bad.wait_for_function("() => window.playground.state.frame !== null")
        message = bad.locator("#message").inner_text()
        assert "unknown data set 'nope'" in message and "learningRate must be positive" in message
        assert re.search(r"at most 6", message)
        assert _hash(bad)["networkShape"] == "3,3,3,3,3,3" and _hash(bad)["dataset"] == "circle"
        bad.screenshot(path=str(ARTIFACTS / "04-bad-input.png"))
        browser.close()
    assert not errors, errors
