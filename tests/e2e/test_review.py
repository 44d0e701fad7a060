"""Browser test: an editor confirms X3 with a note, gives C1 a verdict, and finds both
decisions on the history pages. Runs on the seed demo (claims.management.commands.demo)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from claims.demo_data import seed
from claims.management.commands.demo import load_demo
from claims.models import Claim, Contradiction
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_editor_reviews_x3_and_c1_and_finds_them_in_history(page: Page, live_server, tmp_path):
    load_demo()
    editor_password = seed.USERS["editor"][0]
    c1 = Claim.objects.get(text=seed.CLAIMS["C1"])
    x3 = Contradiction.objects.get(
        first__exact=seed.STATEMENTS["S9"]["quote"], second__exact=seed.STATEMENTS["S10"]["quote"]
    )
    assert x3.status == "proposed"

    login(page, live_server, "editor", editor_password)
    page.goto(f"{live_server.url}/review/")
    badge = page.locator("#review-count")
    waiting_before = int(badge.inner_text())
    row = page.locator(f"#contradiction-{x3.pk}")
    expect(row).to_contain_text("militias weren't targeted")
    expect(row).to_contain_text("strongholds of al-Sadr's Mehdi Army militia")
    row.get_by_label("Review note").fill(
        "Both quotes are in the article; the fighting was in Mehdi Army strongholds."
    )
    row.get_by_role("button", name="Confirm").click()
    row = page.locator(f"#contradiction-{x3.pk}")
    expect(row.locator(".decision")).to_contain_text("Confirmed by editor")
    expect(row.locator(".decision")).to_contain_text("Mehdi Army strongholds")
    expect(page.locator("#review-count")).to_have_text(str(waiting_before - 1))  # the badge follows
    assert "/review/" in page.url  # no reload, no navigation

    page.goto(f"{live_server.url}{c1.get_absolute_url()}")
    expect(page.locator("svg.dg title").first).to_contain_text("Who asserts and who denies")
    panel = page.locator("#claim-verdict")
    panel.get_by_label("Verdict").select_option("mostly_true")
    panel.get_by_label("Rationale").fill(
        "Al-Sadr and his spokesman say envoys came; the denial was face-saving."
    )
    panel.get_by_role("button", name="Record verdict").click()
    expect(page.locator("#claim-verdict .verdict")).to_have_text("Mostly true")
    expect(page.locator("#claim-verdict .rationale")).to_contain_text("face-saving")
    page.screenshot(path=str(tmp_path / "c1.png"), full_page=True)

    page.goto(f"{live_server.url}/review/?status=confirmed")
    page.locator(f"#contradiction-{x3.pk}").get_by_role("link", name="history").click()
    expect(page.locator("h1")).to_contain_text(f"contradiction #{x3.pk}")
    latest = page.locator(".history-entry").first
    expect(latest).to_contain_text("Changed by editor")
    expect(latest).to_contain_text("confirmed by editor")
    expect(latest).to_contain_text("Proposed")
    expect(latest).to_contain_text("Confirmed")
    expect(latest).to_contain_text("Mehdi Army strongholds")

    page.goto(f"{live_server.url}{c1.get_absolute_url()}")
    page.get_by_role("link", name="History", exact=True).click()
    entries = page.locator(".history-entry")
    expect(entries.first).to_contain_text("verdict mostly true by editor")
    expect(entries.first).to_contain_text("Mostly true")
    expect(entries.first).to_contain_text("face-saving")
    expect(page.locator("body")).to_have_text(re.compile("Unrated"))
    assert page.dialogs == []
