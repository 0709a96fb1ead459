"""Security headers on every kind of response, and no inline script or style anywhere, so
the strict CSP (scripts and styles from 'self' only) never has to be loosened."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.security.test_authorization_matrix import OWN_DATA, matrix

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_CSP_DIRECTIVES = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
}


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, handlers, styles, js: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # A JSON data block (allauth's WebAuthn options) is never executed, so CSP allows it.
        data_block = attributes.get("type") == "application/json"
        if tag == "script" and not attributes.get("src") and not data_block:
            self._in_inline_script = True
            self.problems.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.problems.append(f"<style> block at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> handler at line {self.getpos()[0]}")
            if name == "style":
                self.problems.append(f"<{tag} style=…> at line {self.getpos()[0]}")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…> at line {self.getpos()[0]}")
            if name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}=…> (htmx eval) at line {self.getpos()[0]}")


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def pages(w) -> dict[str, tuple[str, object]]:
    """name → (url, user) for every GET page: public ones, own-data ones, private ones."""
    users = w["users"]
    found = {
        "home": (reverse("home"), None),
        "listing_browse": (reverse("listing_browse"), None),
        "listing_detail": (reverse("listing_detail", args=[w["listing"].pk]), None),
        "storefront": (reverse("storefront", args=[users["creator"].pk]), None),
        "provenance:verify": (reverse("provenance:verify"), None),
        "provenance:verify_piece": (reverse("provenance:verify_piece", args=[w["piece"].pk]), None),
        "login": (reverse("account_login"), None),
        "signup": (reverse("account_signup"), None),
        "privacy": (reverse("privacy"), None),
        "style_browse": (reverse("style_browse"), None),
        "style_detail": (reverse("style_detail", args=[w["style"].pk]), None),
        "healthz": (reverse("healthz"), None),
        "livez": (reverse("livez"), None),
    }
    for name in sorted(OWN_DATA):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        role = "moderator" if "moderation" in name else "creator"
        found[name] = (url, users[role])
    for name, (url, roles) in matrix(w).items():
        if roles:
            found[name] = (url, users[sorted(roles)[0]])
    return found


def test_csp_is_strict():
    directives = {part.strip() for part in settings.CONTENT_SECURITY_POLICY.split(";")}
    assert directives >= EXPECTED_CSP_DIRECTIVES
    assert "unsafe-inline" not in settings.CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in settings.CONTENT_SECURITY_POLICY


def test_every_page_sends_the_security_headers_and_no_inline_code(world):
    failures, html_pages = [], 0
    for name, (url, user) in pages(world).items():
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"{name}: status {response.status_code}")
            continue
        # Every response carries the headers, refusals (404/405) and redirects included.
        headers = {
            "Content-Security-Policy": settings.CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin",
        }
        for header, expected in headers.items():
            if response.get(header) != expected:
                failures.append(f"{name}: {header} = {response.get(header)!r}")
        content_type = response.get("Content-Type", "")
        if response.status_code == 200 and content_type.startswith("text/html"):
            html_pages += 1
            html = response.content.decode()
            failures += [f"{name}: {problem}" for problem in inline_problems(html)]
    assert failures == []
    assert html_pages >= 30  # the walk really rendered the site's pages


def test_no_template_carries_inline_script_or_style():
    templates = [
        path
        for path in ROOT.rglob("templates/**/*.html")
        if ".venv" not in path.parts and "node_modules" not in path.parts
    ]
    assert len(templates) >= 30
    failures = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in templates
        for problem in inline_problems(path.read_text())
    ]
    assert failures == []


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<button onclick="go()">x</button>',
        '<p style="color:red">x</p>',
        '<div hx-on:click="alert(1)"></div>',
    ],
)
def test_the_inline_finder_catches_each_kind(html):
    assert inline_problems(html) != []
