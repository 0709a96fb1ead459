"""static/js/watch.js in Chromium against scripted answers: a full fragment, a 304, then a
patch (X-Watch-Patch) whose values land in the marked elements while the rest of the
fragment stays as it was, and the ETag each answer carried goes back in If-None-Match."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://watch.test"
FRAGMENT = """<section id="job-status" data-watch-url="/status" data-watch-interval="0.05"
  data-watch-max="0.1"><p class="kept">{kept}</p>
  <label data-watch-text="label">{label}</label>
  <progress data-watch-value="step" data-watch-limit="total" max="8" value="{step}">
  <span data-watch-text="percent">{percent}</span>%</progress></section>"""
PAGE = "<!doctype html><html><body>{fragment}<script src='/watch.js'></script></body></html>"


def test_a_patch_updates_the_marked_values_in_place(page):
    sent_tags = []
    answers = [
        {
            "status": 200,
            "headers": {"ETag": '"e.v1.a"'},
            "body": FRAGMENT.format(kept="rendered once", label="Step 2 of 8", step=2, percent=25),
        },
        {"status": 304, "headers": {"ETag": '"e.v1.a"'}, "body": ""},
        {
            "status": 200,
            "headers": {
                "ETag": '"e.v2.b"',
                "X-Watch-Patch": "1",
                "Content-Type": "application/json",
            },
            "body": json.dumps({"label": "Step 6 of 8", "step": 6, "total": 8, "percent": 75}),
        },
    ]

    def status(route):
        sent_tags.append(route.request.headers.get("if-none-match"))
        answer = answers[min(len(sent_tags), len(answers)) - 1]
        route.fulfill(status=answer["status"], headers=answer["headers"], body=answer["body"])

    first = FRAGMENT.format(kept="first page", label="Step 1 of 8", step=1, percent=12)
    page.route(
        f"{ORIGIN}/",
        lambda route: route.fulfill(content_type="text/html", body=PAGE.format(fragment=first)),
    )
    page.route(
        f"{ORIGIN}/watch.js",
        lambda route: route.fulfill(
            content_type="text/javascript", body=(ROOT / "static/js/watch.js").read_text()
        ),
    )
    page.route(f"{ORIGIN}/status", status)

    page.goto(f"{ORIGIN}/")

    expect(page.locator("label")).to_have_text("Step 6 of 8", timeout=5000)
    progress = page.locator("progress")
    assert progress.evaluate("p => [p.value, p.max]") == [6, 8]
    expect(page.locator("[data-watch-text=percent]")).to_have_text("75")
    expect(page.locator(".kept")).to_have_text("rendered once")  # from the full answer
    assert sent_tags[:3] == [None, '"e.v1.a"', '"e.v1.a"']
    page.wait_for_timeout(300)
    assert '"e.v2.b"' in sent_tags[3:]  # the patch's ETag is the one asked with next
