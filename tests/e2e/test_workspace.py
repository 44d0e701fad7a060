"""Browser proof for issue 10: suggested statements decided in one key, the seed's S5
recorded with few actions (counted), the keys, the standalone pages and the form
without JavaScript.

Actions are counted by the helpers below: `click` is one mouse action, `press` one key
press (a chord such as Alt+S or Ctrl+Enter is one press), `type_keys` one press per
character.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from claims.demo_data import seed
from claims.management.commands.demo import load_demo
from claims.models import Actor, Claim, Statement, SuggestedStatement
from claims.services.statements import statement_delete
from claims.services.suggestions import suggestions_refresh
from tests.e2e.conftest import login
from tests.e2e.test_annotate import drag_select, settle

pytestmark = pytest.mark.django_db(transaction=True)

S5 = seed.STATEMENTS["S5"]["quote"]
PASSWORD = seed.USERS["researcher"][0]


class Counter:
    def __init__(self, page: Page):
        self.page, self.mouse, self.keys = page, 0, 0

    def click(self, locator) -> None:
        locator.click()
        self.mouse += 1

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1

    def type_keys(self, text: str) -> None:
        for ch in text:
            self.page.keyboard.press(ch)
            self.keys += 1


def _demo_without_s5():
    load_demo()
    s5 = Statement.objects.get(exact=S5)
    statement_delete(user=s5.created_by, statement_id=s5.pk, version=s5.version)
    source = Statement.objects.first().source
    return (
        source,
        Actor.objects.get(name="Nuri al-Maliki"),
        Claim.objects.get(text=seed.CLAIMS["C1"]),
    )


def _open(page: Page, live_server, source) -> None:
    login(page, live_server, "researcher", PASSWORD)
    page.goto(f"{live_server.url}{source.get_absolute_url()}")


def test_accept_the_s5_suggestion_with_its_claim_and_stance_in_three_actions(
    page: Page, live_server
):
    source, maliki, c1 = _demo_without_s5()
    suggestions_refresh(source=source)
    start = source.text.index(S5)
    suggestion = SuggestedStatement.objects.get(
        source=source, start__lte=start, end__gte=start + len(S5) - 10
    )
    assert suggestion.speaker == maliki
    _open(page, live_server, source)
    item = page.locator(f"#suggestion-{suggestion.pk}")
    expect(item).to_be_visible()
    # shown apart from statements: a dotted underline in the text (CSS highlight), not a mark
    assert page.evaluate("CSS.highlights.get('suggested').size") >= 1
    expect(page.locator("#source-text mark.hl")).not_to_have_count(0)

    act = Counter(page)
    act.click(item.locator(f"input[name=claim][value='{c1.pk}']"))
    act.click(item.locator("label.segment", has_text="denies"))
    act.click(item.get_by_role("button", name="Accept"))
    expect(page.locator(".suggestion-notice")).to_contain_text("Recorded: Nuri al-Maliki")
    assert act.mouse + act.keys == 3

    statement = Statement.objects.get(start=suggestion.start, end=suggestion.end)
    assert (statement.speaker, statement.claim, statement.stance) == (maliki, c1, "denies")
    assert statement.created_by.username == "researcher"
    expect(page.locator(f"#statement-{statement.pk}")).to_be_visible()
    expect(item).to_have_count(0)
    # the next suggestion is current, so the keys carry on
    expect(page.locator("#suggestions li.suggestion.current")).to_be_focused()


def test_record_s5_from_scratch_by_keyboard_in_at_most_twelve_presses(page: Page, live_server):
    source, maliki, c1 = _demo_without_s5()
    _open(page, live_server, source)
    drag_select(page, source.text, S5)  # the quote is selected; counting starts here

    act = Counter(page)
    act.press("Enter")  # opens the form, focus in the speaker search
    form = page.locator("#annotate-slot form[data-statement-form]")
    expect(form.locator("[name=speaker_q]")).to_be_focused()
    act.press("Alt+S")  # same speaker as the statement before (S4, al-Maliki)
    expect(form.locator("select[name=speaker]")).to_have_value(str(maliki.pk))
    expect(form.locator("[name=claim_q]")).to_be_focused()
    act.type_keys("envoy")
    expect(form.locator("select[name=claim]")).to_have_value(str(c1.pk))
    act.press("Alt+2")  # denies
    expect(form.locator("input[name=stance][value=denies]")).to_be_checked()
    act.press("Control+Enter")
    statement = _wait_for_statement(page, S5)
    assert act.keys <= 12 and act.mouse == 0, (act.keys, act.mouse)
    assert (statement.speaker, statement.claim, statement.stance) == (maliki, c1, "denies")
    settle(page)
    card = page.locator(f"#statement-{statement.pk}")
    expect(card).to_be_focused()  # focus lands on the new card ...
    expect(page.locator(f"#saved-statement-{statement.pk}")).to_have_count(0)  # ... shown once
    page.keyboard.press("c")  # and from the card a key opens "Contradicts…"
    expect(card.locator(".link-form")).to_be_visible()


def test_record_s5_from_scratch_with_the_mouse_in_at_most_five_clicks(page: Page, live_server):
    source, maliki, c1 = _demo_without_s5()
    _open(page, live_server, source)
    drag_select(page, source.text, S5)
    form = page.locator("#annotate-slot form[data-statement-form]")
    expect(form).to_be_visible()

    act = Counter(page)
    act.click(form.get_by_role("button", name="Same speaker as last"))
    expect(form.locator("select[name=speaker]")).to_have_value(str(maliki.pk))
    act.click(form.locator("[name=claim_q]"))
    act.type_keys("envoy")
    expect(form.locator("select[name=claim]")).to_have_value(str(c1.pk))
    act.click(form.locator("label.segment", has_text="denies"))
    act.click(form.get_by_role("button", name="Save statement"))
    statement = _wait_for_statement(page, S5)
    assert act.mouse <= 5 and act.keys <= 12, (act.mouse, act.keys)
    assert (statement.speaker, statement.claim, statement.stance) == (maliki, c1, "denies")


def _wait_for_statement(page: Page, quote: str) -> Statement:
    expect(page.locator("#annotate-slot .saved-note")).to_have_text("Saved.")
    return Statement.objects.get(exact=quote)
