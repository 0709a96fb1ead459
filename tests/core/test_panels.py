"""Page panels: higher floors add to lower floors' pages through registered slots."""

import pytest
from django.test import RequestFactory

from core import panels


def test_the_disputes_floor_fills_the_lower_pages_slots():
    slots = ["commission_detail", "order_line", "account_links", "moderation_nav", "style_banner"]
    for slot in slots:
        assert [p.template.split("/")[0] for p in panels.registered(slot)] == ["disputes"], slot
    # The report link, then the copyright notice (a link, or why the listing is disabled).
    assert [p.template for p in panels.registered("listing_detail")] == [
        "disputes/panels/listing_report.html",
        "disputes/panels/listing_takedown.html",
    ]


@pytest.mark.django_db
def test_a_panel_with_nothing_to_show_renders_nothing(monkeypatch):
    monkeypatch.setattr(panels, "_slots", {})
    panels.register(
        "test_slot", template="disputes/panels/moderation_back.html", context=lambda r, o: None
    )
    request = RequestFactory().get("/")
    assert panels.render("test_slot", request=request) == ""
    panels.register(
        "test_slot", template="disputes/panels/moderation_back.html", context=lambda r, o: {}
    )
    assert "Moderation" in panels.render("test_slot", request=request)
    assert panels.render("no_such_slot", request=request) == ""
