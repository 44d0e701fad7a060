"""Browser regressions found by QA."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claims.models import Statement
from tests.conftest import make_user
from tests.e2e.conftest import login
from tests.factories import make_actor, make_source, make_statement

pytestmark = pytest.mark.django_db(transaction=True)


def _researcher(username: str = "qa_researcher") -> User:
    return make_user(username, "Researchers")


def test_saving_a_statement_deleted_meanwhile_says_so(page: Page, live_server):
    # Was: htmx does not swap a 404, so "Save" on a card whose statement another tab had
    # deleted did nothing visible at all.
    user = _researcher()
    source = make_source()
    statement = make_statement(
        source=source, quote="the bridge was safe", speaker=make_actor(), created_by=user
    )
    login(page, live_server, user.username)
    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    card = page.locator(f".statement-card[data-statement='{statement.pk}']")
    card.get_by_role("link", name="Edit").click()
    form = card.locator(".card-slot form")
    expect(form).to_be_visible()

    Statement.objects.filter(pk=statement.pk).delete()  # someone else, meanwhile
    form.locator("[name=summary]").fill("my edit")
    form.get_by_role("button", name="Save").click()

    alert = card.locator(".request-error[role=alert]")
    expect(alert).to_contain_text("no longer exists")
    expect(form).to_be_visible()  # the form, and what was typed, stay
    expect(form.locator("[name=summary]")).to_have_value("my edit")

    # A request that goes through clears the explanation.
    page.reload()
    expect(page.locator(".request-error")).to_have_count(0)


def test_an_htmx_click_after_the_session_expired_goes_to_the_login_page(page: Page, live_server):
    # Was: the login page was swapped into the statement card, where it could not log in.
    user = _researcher()
    source = make_source()
    make_statement(
        source=source, quote="the bridge was safe", speaker=make_actor(), created_by=user
    )
    login(page, live_server, user.username)
    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    page.context.clear_cookies()  # the session expired
    page.get_by_role("link", name="Edit").first.click()

    page.wait_for_url(f"**/login/?next=/sources/{source.pk}/")
    expect(page.locator("main")).to_have_count(1)
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"pw-{user.username}")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/sources/{source.pk}/")
