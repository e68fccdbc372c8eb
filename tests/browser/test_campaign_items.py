"""A campaign's item on the real site (issue 18): "My training" lists it with its reason, and
the module page's status shows it while it is open, in Chromium against the real service."""

from __future__ import annotations

import datetime as dt

import pytest

from builder.lifecycle.campaigns import Selector
from builder.records.campaigns import assign
from tests.test_browser import EMAIL, TODAY, Site, page, playwright_api, sign_in, site

__all__ = ["page", "site"]  # the fixtures, built once for this module
pytestmark = [pytest.mark.browser]
REASON = "Phishing wave <b>in Ops</b> (INC-311)"


def test_my_training_shows_the_campaign_item_with_its_reason(
    page: playwright_api.Page, site: Site
) -> None:
    due = TODAY + dt.timedelta(days=5)
    plan = assign(site.store, site.service.course, ["second"], Selector("department", "Operations"),
                  REASON, TODAY, due=due, assigned_by="lead")  # fmt: skip
    assert [p.email for p in plan.people] == [EMAIL]
    sign_in(page, site)
    page.goto(site.url + "my-training/")
    me = page.locator("#trustpath-me")
    playwright_api.expect(me.get_by_role("heading", name="Assigned to you")).to_be_visible()
    item = me.locator(f'li[data-campaign="{plan.campaign}"]')
    shown = f"{due:%b} {due.day}, {due.year}"
    playwright_api.expect(item).to_have_text(
        f"Second steps: Due soon, due {shown} — {REASON}"
    )  # the reason is text, never markup
    playwright_api.expect(item.get_by_role("link", name="Second steps")).to_have_attribute(
        "href", site.url + "basics/second/"
    )
    assert me.locator("li b").count() == 0
    page.goto(site.url + "basics/second/")
    status = page.locator(".trustpath-status-line .trustpath-status")
    playwright_api.expect(status).to_have_text(f"Due soon, due {shown}")
