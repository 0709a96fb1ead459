"""A newcomer's first hour on a freshly started app, started the way the README says
(`bin/run`: embedded defaults, demo data, its own worker), driven through Chromium:

sign up as a creator (confirming the address from the mail bin/run prints) → commission →
watch progress → list → sign up as a buyer → buy a standard licence on the local test
gateway → download the original and the certificate → the verify page shows the licence →
file a dispute → the demo moderator (password and TOTP from the README) decides.

The app runs in its own process group with its own VAR_DIR (SQLite, media, broker, worker
log) and none of the service variables, so it uses what a newcomer gets. Screenshots go to
test-artifacts/newcomer/.
"""

import io
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from demo.management.commands.seed_demo import DEMO_MODERATOR_TOTP_SECRET
from tests.browser.conftest import ARTIFACTS
from tests.factories import totp_code
from tests.faults.workers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ARTIFACTS / "newcomer"
PASSWORD = "a-long-newcomer-passphrase-2026"
DEMO_MODERATOR = ("moderator@demo.promptfolio.local", "demo-art-2026")  # README
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE")
START_TIMEOUT = 600  # migrate + demo catalogue rendered on CPU, on a shared 2-core machine


@pytest.fixture
def app(tmp_path):
    """`bin/run` in its own process group; yields its base URL; kills the group after."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SERVICE_VARIABLES
        and not key.startswith(("S3_", "AWS_", "STRIPE_", "PYTEST", "DJANGO_"))
    }
    env.update(VAR_DIR=str(tmp_path / "var"), HOST="127.0.0.1", PORT=str(port))
    env["PYTHONUNBUFFERED"] = "1"
    log = tmp_path / "bin-run.log"
    process = subprocess.Popen(
        ["bin/run"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, log.read_text()[-4000:]
            assert time.monotonic() < deadline, log.read_text()[-4000:]
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(1)
        # Mail leaves from the worker (core.tasks.send_email): its console backend prints there.
        yield url, tmp_path / "var" / "log" / "worker.log"
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=15)
                break
            except subprocess.TimeoutExpired:
                continue
        worker_log = tmp_path / "var" / "log" / "worker.log"
        if worker_log.exists():
            (SHOTS / "worker.log").write_text(worker_log.read_text()[-20000:])
        (SHOTS / "bin-run.log").write_text(log.read_text()[-20000:])


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def verification_link(log: Path, email: str) -> str:
    """The link in the verification mail that the worker's console backend printed to its
    log (bin/run's worker sends the mail)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        start = text.rfind(f"To: {email}")
        found = start >= 0 and re.search(r"https?://\S+/accounts/confirm-email/\S+/", text[start:])
        if found:
            return found.group(0)
        time.sleep(0.5)
    raise AssertionError(f"no verification mail for {email} in {log}")


def sign_up(page, url: str, log: Path, email: str, name: str) -> None:
    """Sign up, confirm the address from the mail, then log in."""
    page.goto(f"{url}/accounts/signup/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    page.goto(verification_link(log, email))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r".*/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/accounts/profile/$"))


def test_newcomer_journey_on_a_freshly_started_app(app, browser):
    url, log = app
    creator = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    creator.set_default_timeout(30_000)

    # A creator signs up and opens a creator profile.
    sign_up(creator, url, log, "newcomer.creator@example.com", "Nova Creator")
    shot(creator, "01-creator-signed-up")
    creator.goto(f"{url}/accounts/creator/")
    creator.get_by_label("Display name").fill("Nova Creator")
    creator.get_by_label("Bio").fill("Coastal scenes in gouache and ink.")
    creator.get_by_role("button", name="Start selling").click()
    expect(creator.get_by_text("Your creator profile is live.")).to_be_visible()

    # Commission one image and watch it progress to the result.
    creator.get_by_role("link", name="Commission", exact=True).click()
    creator.get_by_label("Prompt", exact=True).fill("a teal lighthouse on a basalt cliff, gouache")
    creator.get_by_label("Size").select_option("512x512")
    creator.get_by_label("Count").fill("1")
    shot(creator, "02-commission-form")
    creator.get_by_role("button", name="Generate").click()
    creator.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]+/$"))
    status = creator.locator("#job-status")
    expect(status).to_have_attribute("data-status", re.compile("queued|running|succeeded"))
    shot(creator, "03-job-progress")
    expect(status).to_have_attribute("data-status", "succeeded", timeout=240_000)
    expect(creator.get_by_role("img", name=re.compile("AI-generated image"))).to_have_count(1)
    shot(creator, "04-job-succeeded")

    # List it and publish.
    creator.get_by_role("link", name="List this").first.click()
    creator.get_by_label("Title").fill("Teal lighthouse")
    creator.get_by_label("Tags").fill("lighthouse, coast")
    creator.get_by_label("Category").select_option("landscape")
    creator.get_by_label("Price").fill("19.00")
    creator.get_by_role("button", name="Save draft").click()
    expect(creator.get_by_text("Draft saved.")).to_be_visible()
    creator.get_by_role("button", name="Publish").click()
    expect(creator.get_by_role("heading", name="Teal lighthouse")).to_be_visible()
    listing_url = creator.url
    shot(creator, "05-listing-published")
    creator.context.close()

    # A buyer signs up and buys a standard licence on the local test gateway.
    buyer = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    buyer.set_default_timeout(30_000)
    sign_up(buyer, url, log, "newcomer.buyer@example.com", "Bo Buyer")
    buyer.goto(listing_url)
    buyer.get_by_role("button", name=re.compile(r"Buy Standard licence")).click()
    expect(buyer.get_by_text("TEST MODE: no real money moves")).to_be_visible()
    shot(buyer, "06-test-checkout")
    buyer.get_by_role("button", name=re.compile(r"Pay .* \(test\)")).click()
    buyer.wait_for_url(re.compile(r".*/orders/[0-9a-f-]+/$"))
    expect(buyer.locator("#order-status")).to_have_attribute("data-status", "paid", timeout=120_000)
    certificate = buyer.get_by_role("link", name="Certificate (PDF)")
    expect(certificate).to_be_visible(timeout=120_000)
    shot(buyer, "07-order-paid")

    # Download the certificate and the original.
    pdf = buyer.request.get(url + certificate.get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Teal lighthouse" in text and "Standard" in text
    verify_path = re.search(r"/certificates/[0-9a-f-]{36}/", text).group(0)
    buyer.get_by_role("link", name="Library").click()
    original = buyer.get_by_role("link", name="Download original")
    response = buyer.request.get(url + original.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"\x89PNG")
    shot(buyer, "08-library")

    # The public verify page shows the licence.
    buyer.goto(url + verify_path)
    expect(buyer.locator(".certificate-state")).to_contain_text("Valid.")
    expect(buyer.locator(".certificate-state")).to_contain_text("Standard licence is active")
    expect(buyer.locator(".certificate-facts")).to_contain_text("Teal lighthouse")
    shot(buyer, "09-certificate-verified")

    # The buyer files a dispute about the listing.
    buyer.goto(listing_url)
    buyer.get_by_role("link", name="Report or dispute it").click()
    buyer.get_by_label("What is the problem?").select_option("infringement")
    buyer.get_by_label("Your statement").fill(
        "This lighthouse is my own 2024 painting; the listing copies it closely."
    )
    buyer.get_by_role("button", name="File dispute").click()
    buyer.wait_for_url(re.compile(r".*/disputes/[0-9a-f-]+/$"))
    expect(buyer.locator("#dispute-summary")).to_have_attribute("data-status", "open")
    case_url = buyer.url
    shot(buyer, "10-dispute-filed")

    # The demo moderator (README's credentials) decides the case.
    moderator = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    moderator.set_default_timeout(30_000)
    moderator.goto(f"{url}/accounts/login/")
    moderator.get_by_label("Email").fill(DEMO_MODERATOR[0])
    moderator.get_by_label("Password", exact=True).fill(DEMO_MODERATOR[1])
    moderator.get_by_role("button", name="Log in").click()
    moderator.wait_for_url(re.compile(r".*/accounts/2fa/authenticate/$"))
    moderator.get_by_label("Code").fill(totp_code(DEMO_MODERATOR_TOTP_SECRET))  # README
    moderator.get_by_role("button", name="Sign In").click()
    moderator.wait_for_url(re.compile(r".*/accounts/profile/$"))
    moderator.get_by_role("link", name="Moderation").click()
    moderator.get_by_role("link", name=re.compile("Infringement")).first.click()
    moderator.get_by_label("Note / decision / reason").fill(
        "No evidence of an earlier work was provided; the claim is rejected."
    )
    moderator.get_by_label("Outcome (for Decide)").select_option("rejected")
    moderator.get_by_role("button", name="Decide").click()
    expect(moderator.get_by_text("Decision recorded and sent to the parties.")).to_be_visible()
    shot(moderator, "11-moderator-decided")
    moderator.context.close()

    buyer.goto(case_url)
    expect(buyer.locator("#dispute-summary")).to_have_attribute("data-status", "decided")
    expect(buyer.locator(".dispute-outcome")).to_have_text("Rejected")
    shot(buyer, "12-buyer-sees-decision")
    buyer.context.close()
