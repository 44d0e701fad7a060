"""The keyboard workspace and the forms that exist without it (issue 10, items 3 and 4):
the ? overlay, j/k between suggestions, Escape and Ctrl+Enter in the statement form, the
focus after a save and the key from the card to "Contradicts…"; the standalone edit and
contradicts pages save with JavaScript on; with JavaScript off a researcher records a
statement through the plain form."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from claims.demo_data import seed
from claims.management.commands.demo import load_demo
from claims.models import Actor, Claim, Contradiction, Source, Statement, SuggestedStatement
from claims.services.statements import statement_delete
from claims.services.suggestions import suggestions_refresh
from tests.e2e.conftest import login
from tests.e2e.test_annotate import drag_select, settle

pytestmark = pytest.mark.django_db(transaction=True)

S5 = seed.STATEMENTS["S5"]["quote"]
PASSWORD = seed.USERS["researcher"][0]


def _demo(without_s5: bool = False) -> Source:
    load_demo()
    if without_s5:
        s5 = Statement.objects.get(exact=S5)
        statement_delete(user=s5.created_by, statement_id=s5.pk, version=s5.version)
    return Source.objects.get()


def _reading_page(page: Page, live_server, source: Source) -> None:
    login(page, live_server, "researcher", PASSWORD)
    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    page.wait_for_load_state("load")


def _nowhere(page: Page) -> None:
    """Focus on nothing in particular (the page itself), as after reading."""
    page.evaluate("document.activeElement && document.activeElement.blur()")


def _errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_question_mark_lists_the_keys_and_escape_closes_the_list(page: Page, live_server):
    source = _demo()
    _reading_page(page, live_server, source)
    dialog = page.locator("#keys-help")
    expect(dialog).to_be_hidden()
    _nowhere(page)
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    for words in ("Next / previous suggested statement", "Same speaker as last", "Save"):
        expect(dialog).to_contain_text(words)
    for key in ("?", "j", "k", "a", "e", "x", "c", "Esc", "Ctrl", "Enter"):
        expect(dialog.locator("kbd", has_text=key).first).to_be_attached()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # and the Keys button opens it too
    page.get_by_role("button", name="Keys").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_j_and_k_move_between_the_suggestions(page: Page, live_server):
    source = _demo(without_s5=True)
    suggestions_refresh(source=source)
    ids = [
        f"suggestion-{pk}"
        for pk in SuggestedStatement.objects.filter(source=source, status="pending")
        .order_by("start", "end", "id")
        .values_list("pk", flat=True)[:3]
    ]
    assert len(ids) == 3
    _reading_page(page, live_server, source)
    items = page.locator("#suggestions li.suggestion")
    expect(items.first).to_be_visible()
    listed = items.evaluate_all("els => els.slice(0, 3).map(e => e.id)")
    assert listed == ids  # in text order
    _nowhere(page)
    page.keyboard.press("j")
    expect(page.locator(f"#{ids[0]}")).to_be_focused()
    expect(page.locator(f"#{ids[0]}")).to_have_class("suggestion current")
    page.keyboard.press("j")
    expect(page.locator(f"#{ids[1]}")).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator(f"#{ids[2]}")).to_be_focused()
    page.keyboard.press("k")
    expect(page.locator(f"#{ids[1]}")).to_be_focused()
    expect(page.locator("#suggestions li.suggestion.current")).to_have_count(1)
    # the current one is drawn apart in the text
    assert page.evaluate("CSS.highlights.get('suggested-current').size") == 1


def test_escape_closes_the_statement_form(page: Page, live_server):
    source = _demo()
    _reading_page(page, live_server, source)
    drag_select(page, source.text, S5)
    page.keyboard.press("Enter")  # the form, with the focus in the speaker search
    form = page.locator("#annotate-slot form[data-statement-form]")
    expect(form.locator("[name=speaker_q]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    expect(page.locator("#source-text")).to_be_focused()  # back where the reader was


def test_ctrl_enter_saves_focus_lands_on_the_card_and_c_opens_contradicts(page: Page, live_server):
    source = _demo(without_s5=True)
    maliki = Actor.objects.get(name="Nuri al-Maliki")
    c1 = Claim.objects.get(text=seed.CLAIMS["C1"])
    _reading_page(page, live_server, source)
    drag_select(page, source.text, S5)
    page.keyboard.press("Enter")
    form = page.locator("#annotate-slot form[data-statement-form]")
    page.keyboard.type("al-Maliki")
    expect(form.locator("select[name=speaker]")).to_have_value(str(maliki.pk))
    form.locator("[name=claim_q]").focus()
    page.keyboard.type("envoy")
    expect(form.locator("select[name=claim]")).to_have_value(str(c1.pk))
    page.keyboard.press("Alt+2")
    expect(form.locator("input[name=stance][value=denies]")).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#annotate-slot .saved-note")).to_have_text("Saved.")
    statement = Statement.objects.get(exact=S5)
    assert (statement.speaker, statement.claim, statement.stance) == (maliki, c1, "denies")
    settle(page)
    card = page.locator(f"#statement-{statement.pk}")
    expect(card).to_be_focused()
    expect(page.locator(f".statement-card[data-statement='{statement.pk}']")).to_have_count(1)
    page.keyboard.press("c")
    link_form = card.locator(".link-form")
    expect(link_form).to_be_visible()
    expect(link_form.locator("input[type=search]")).to_be_attached()
    # Escape is not needed to leave it: e on the card opens Edit
    card.focus()
    page.keyboard.press("e")
    expect(card.locator("form[data-statement-form]")).to_be_visible()


def test_the_standalone_edit_page_saves_with_javascript_on(page: Page, live_server):
    source = _demo()
    s5 = Statement.objects.get(exact=S5)
    errors = _errors(page)
    login(page, live_server, "researcher", PASSWORD)
    page.goto(f"{live_server.url}/statements/{s5.pk}/edit/")
    page.get_by_label("Summary").fill("Saved from the standalone page.")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(lambda url: "/edit/" not in url)
    s5.refresh_from_db()
    assert s5.summary == "Saved from the standalone page."
    assert source.pk == s5.source_id
    # and by the key: Ctrl+Enter
    page.goto(f"{live_server.url}/statements/{s5.pk}/edit/")
    page.get_by_label("Summary").fill("Saved by Ctrl+Enter.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda url: "/edit/" not in url)
    s5.refresh_from_db()
    assert s5.summary == "Saved by Ctrl+Enter."
    assert not [e for e in errors if "targetError" in e or "htmx" in e.lower()], errors


def test_the_standalone_contradicts_page_saves_with_javascript_on(page: Page, live_server):
    _demo()
    s5 = Statement.objects.get(exact=S5)
    s7 = Statement.objects.get(exact=seed.STATEMENTS["S7"]["quote"])
    Contradiction.objects.filter(first__in=[s5, s7], second__in=[s5, s7]).delete()
    errors = _errors(page)
    login(page, live_server, "researcher", PASSWORD)
    page.goto(f"{live_server.url}/statements/{s5.pk}/contradicts/")
    page.get_by_label("Find a statement in any source").fill("save face")
    choice = page.locator(f".link-results input[value='{s7.pk}']")
    choice.check()
    page.get_by_label("Kind").select_option("rebuttal")
    page.get_by_label("Rationale").fill("Al-Ageili says the denial only saves face.")
    page.get_by_role("button", name="Propose the link").click()
    page.wait_for_url(lambda url: "/contradicts/" not in url)
    link = Contradiction.objects.get(first=s5, second=s7)
    assert (link.kind, link.status) == ("rebuttal", "proposed")
    assert not [e for e in errors if "targetError" in e or "htmx" in e.lower()], errors


def test_without_javascript_a_researcher_records_a_statement(browser: Browser, live_server):
    source = _demo(without_s5=True)
    maliki = Actor.objects.get(name="Nuri al-Maliki")
    c1 = Claim.objects.get(text=seed.CLAIMS["C1"])
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, live_server, "researcher", PASSWORD)
        page.goto(f"{live_server.url}{source.get_absolute_url()}")
        page.get_by_role("link", name="Record a statement").click()
        form = page.locator("form[data-statement-form]")
        form.get_by_label("Quote").fill(S5)
        # the pickers: words typed into the search boxes are resolved by the server
        form.get_by_label("Find speaker by name or alias").fill("al-Maliki")
        form.get_by_label("Find a claim").fill("envoys")
        form.locator("label.segment", has_text="denies").click()
        form.get_by_role("button", name="Save statement").click()
        page.wait_for_load_state("load")
        if not Statement.objects.filter(exact=S5).exists():
            # several claims matched: the list now offers them; choose one and save again
            form = page.locator("form[data-statement-form]")
            expect(form.locator("select[name=claim] option", has_text=c1.text)).to_have_count(1)
            form.locator("select[name=claim]").select_option(str(c1.pk))
            form.locator("label.segment", has_text="denies").click()
            form.get_by_role("button", name="Save statement").click()
            page.wait_for_load_state("load")
        statement = Statement.objects.get(exact=S5)
        assert (statement.speaker, statement.claim, statement.stance) == (maliki, c1, "denies")
        assert statement.created_by.username == "researcher"
        start = source.text.index(S5)
        assert (statement.start, statement.end) == (start, start + len(S5))
        expect(page.locator("h1")).to_contain_text(source.title)
    finally:
        context.close()
