"""Browser tests of the annotation workspace: select with the mouse and the keyboard,
record, link, edit and delete in place; exact spans on tricky text; hostile text inert.

The seed flow runs on the demo data set (claims.management.commands.demo) with S5 and
its links removed, so the researcher records S5 again the way it was meant to be done.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claims import anchoring
from claims.demo_data import seed
from claims.management.commands.demo import load_demo
from claims.models import Actor, Claim, Contradiction, Statement
from claims.services.statements import statement_delete
from tests.conftest import make_user
from tests.e2e.conftest import login
from tests.factories import make_actor, make_source, make_statement

pytestmark = pytest.mark.django_db(transaction=True)

S5 = seed.STATEMENTS["S5"]["quote"]
S3 = seed.STATEMENTS["S3"]["quote"]

# Emoji (with a skin-tone modifier and a ZWJ sequence), Arabic, a combining mark that has
# no precomposed form, and CRLF line ends as pasted from Windows.
TRICKY = (
    "Monday briefing\r\n\r\n"
    "On Monday, Zoë 😀 said: «قال الصدر إن الحكومة لم ترسل مبعوثا» and x\u0301 👍🏽 👨‍👩‍👧 closed.\r\n"
    "Another line follows here.\r\n"
)
TRICKY_QUOTE = "Zoë 😀 said: «قال الصدر إن الحكومة لم ترسل مبعوثا» and x\u0301 👍🏽 👨‍👩‍👧 closed"


# The characters the browser has selected (its DOM Range: what a user sees highlighted).
SELECTED = "window.getSelection().rangeCount ? window.getSelection().getRangeAt(0).toString() : ''"


def _researcher(username: str = "annotator") -> User:
    return make_user(username, "Researchers")


def _char_rects(page: Page, text: str, start: int, end: int) -> dict:
    """Viewport rectangles of the first and last characters of text[start:end] (code points),
    after scrolling them into view. Measuring only: the selection itself is made with the mouse
    or the keyboard."""
    first = (anchoring.cp_to_utf16(text, start), anchoring.cp_to_utf16(text, start + 1))
    last = (anchoring.cp_to_utf16(text, end - 1), anchoring.cp_to_utf16(text, end))
    return page.evaluate(
        """([first, last]) => {
          const root = document.getElementById('source-text');
          function point(offset) {
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            let node, seen = 0;
            while ((node = walker.nextNode())) {
              if (seen + node.length >= offset) return [node, offset - seen];
              seen += node.length;
            }
          }
          function rect([a, b]) {
            const r = document.createRange();
            const [n1, o1] = point(a), [n2, o2] = point(b);
            r.setStart(n1, o1); r.setEnd(n2, o2);
            return r.getBoundingClientRect();
          }
          window.scrollTo(0, window.scrollY + rect(first).top - 250);
          const f = rect(first), l = rect(last);
          return {x1: f.left + 1, y1: f.top + f.height / 2, x2: l.right - 1, y2: l.top + l.height / 2};
        }""",
        [first, last],
    )


def drag_select(page: Page, text: str, quote: str) -> None:
    """Select `quote` in the source text with a real mouse drag."""
    start = text.index(quote)
    box = _char_rects(page, text, start, start + len(quote))
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=10)
    page.mouse.move(box["x2"], box["y2"], steps=10)
    page.wait_for_timeout(50)
    page.mouse.up()


def settle(page: Page) -> None:
    """Wait until htmx has nothing in flight or settling (a save makes regions refresh)."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    for _ in range(2):
        page.wait_for_function(f"() => !document.querySelector('{busy}')")
        page.wait_for_timeout(100)


def marked_text(page: Page, statement_id: int) -> str:
    """The text of a statement's highlight (its marks joined)."""
    return page.evaluate(
        "(id) => Array.from(document.querySelectorAll(`#source-text mark[data-statements~='${id}']`))"
        ".map(m => m.textContent).join('')",
        str(statement_id),
    )


def test_record_s5_link_it_to_s3_and_find_it_after_reload(page: Page, live_server):
    load_demo()
    s5 = Statement.objects.get(exact=S5)
    statement_delete(user=s5.created_by, statement_id=s5.pk, version=s5.version)
    s3 = Statement.objects.get(exact=S3)
    source = s3.source
    maliki = Actor.objects.get(name="Nuri al-Maliki")
    c1 = Claim.objects.get(text=seed.CLAIMS["C1"])
    password = seed.USERS["researcher"][0]

    login(page, live_server, "researcher", password)
    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    drag_select(page, source.text, S5)

    form = page.locator("#annotate-slot form[data-statement-form]")
    expect(form).to_be_visible()
    expect(form.locator("[name=exact]")).to_have_value(S5)
    form.locator("[name=speaker_q]").fill("al-Maliki")
    expect(form.locator("select[name=speaker]")).to_have_value(str(maliki.pk))
    form.locator("[name=claim_q]").fill("sent envoys")
    expect(form.locator("select[name=claim]")).to_have_value(str(c1.pk))
    form.locator("label.segment", has_text="denies").click()
    form.locator("[name=summary]").fill("Denies sending an envoy to Najaf.")
    form.get_by_role("button", name="Save statement").click()

    expect(page.locator("#annotate-slot .saved-note")).to_have_text("Saved.")
    statement = Statement.objects.get(exact=S5)
    assert (statement.speaker, statement.claim, statement.stance) == (maliki, c1, "denies")
    start = source.text.index(S5)
    assert (statement.start, statement.end) == (start, start + len(S5))
    # highlight and card appear without a reload
    expect(
        page.locator(f"#source-text mark[data-statements~='{statement.pk}']").first
    ).to_be_visible()
    assert marked_text(page, statement.pk) == S5
    card = page.locator(f"#statement-{statement.pk}")
    expect(card).to_contain_text("Nuri al-Maliki")
    settle(page)  # the text and the card list have refreshed themselves

    card.get_by_role("link", name="Contradicts…").click()
    panel = card.locator(".link-form")
    panel.get_by_label("Find a statement in any source").fill("criticized the Iraqi government")
    panel.locator(f".link-results input[value='{s3.pk}']").check()
    panel.get_by_label("Kind").select_option("denial")
    panel.get_by_label("Rationale").fill("Al-Maliki denies what al-Sadr says the government did.")
    panel.get_by_role("button", name="Propose the link").click()
    card = page.locator(f"#statement-{statement.pk}")
    expect(card.locator(".links")).to_contain_text("Denial of Muqtada al-Sadr")
    link = Contradiction.objects.get(first=statement)
    assert (link.second, link.kind, link.status) == (s3, "denial", "proposed")
    assert link.proposed_by.username == "researcher"
    s3_card = page.locator(f"#statement-{s3.pk}")
    expect(s3_card.locator(".links")).to_contain_text("Denial by Nuri al-Maliki")

    page.reload()
    assert marked_text(page, statement.pk) == S5
    mark = page.locator(f"#source-text mark[data-statements~='{statement.pk}']").first
    expect(mark).to_have_attribute("title", f"Nuri al-Maliki denies: {c1.text}")
    offset = page.evaluate(
        """(id) => {
          const root = document.getElementById('source-text');
          const mark = root.querySelector(`mark[data-statements~='${id}']`);
          const r = document.createRange(); r.setStart(root, 0); r.setEndBefore(mark);
          return r.toString().length;
        }""",
        str(statement.pk),
    )
    assert offset == anchoring.cp_to_utf16(source.text, statement.start)
    # a click on the highlight brings its card into view, focused
    mark.click()
    expect(page.locator(f"#statement-{statement.pk}")).to_be_focused()


def test_tricky_text_stores_exactly_the_selected_characters(page: Page, live_server):
    _researcher()
    source = make_source(text=TRICKY, title="Tricky")
    assert "\r" not in source.text and "x\u0301" in source.text
    make_actor("Zoë Haddad")
    login(page, live_server, "annotator")
    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    assert page.locator("#source-text").evaluate("el => el.textContent") == source.text

    drag_select(page, source.text, TRICKY_QUOTE)
    form = page.locator("#annotate-slot form[data-statement-form]")
    expect(form.locator("[name=exact]")).to_have_value(TRICKY_QUOTE)
    selected = page.evaluate(SELECTED)
    assert selected == TRICKY_QUOTE
    form.locator("[name=speaker_q]").fill("Zoë")
    expect(form.locator("select[name=speaker] option:checked")).to_have_text("Zoë Haddad")
    form.get_by_role("button", name="Save statement").click()
    expect(page.locator("#annotate-slot .saved-note")).to_be_visible()
    statement = Statement.objects.get()
    assert statement.exact == selected == source.text[statement.start : statement.end]
    expect(
        page.locator(f"#source-text mark[data-statements~='{statement.pk}']").first
    ).to_be_visible()
    assert marked_text(page, statement.pk) == TRICKY_QUOTE


def test_keyboard_selection_and_creating_a_speaker_in_place(page: Page, live_server):
    _researcher()
    source = make_source(text=TRICKY, title="Tricky")
    quote = "Zoë 😀 said"
    login(page, live_server, "annotator")
    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    # put the caret before "Zoë" (a click), then select with Shift + arrows only
    start = source.text.index(quote)
    box = _char_rects(page, source.text, start, start + 1)
    page.mouse.click(box["x1"], box["y1"])
    for _ in range(10):  # Z o ë ␠ 😀 ␠ s a i d: ten characters as a reader counts them
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate(SELECTED) == quote
    form = page.locator("#annotate-slot form[data-statement-form]")
    expect(form.locator("[name=exact]")).to_have_value(quote)
    page.keyboard.press("Enter")  # opens the form and moves into it
    expect(form.locator("[name=speaker_q]")).to_be_focused()

    form.locator(".picker[data-picker=speaker] summary").click()
    form.get_by_label("New actor's name").first.fill("Zoë Haddad")
    form.locator(".picker[data-picker=speaker]").get_by_role(
        "button", name="Create and choose"
    ).click()
    expect(form.locator(".picker[data-picker=speaker] .picker-message")).to_contain_text("created")
    actor = Actor.objects.get(name="Zoë Haddad")
    expect(form.locator("select[name=speaker]")).to_have_value(str(actor.pk))
    form.get_by_role("button", name="Save statement").click()
    expect(page.locator("#annotate-slot .saved-note")).to_be_visible()
    statement = Statement.objects.get()
    assert (statement.exact, statement.speaker) == (quote, actor)
    assert source.text[statement.start : statement.end] == quote
    # the visible "Annotate selection" button opens the form for a keyboard selection
    settle(page)
    start = source.text.index("Another line")
    box = _char_rects(page, source.text, start, start + 1)
    page.mouse.click(box["x1"], box["y1"])
    for _ in range(len("Another")):
        page.keyboard.press("Shift+ArrowRight")
    page.get_by_role("button", name="Annotate selection").click()
    form = page.locator("#annotate-slot form[data-statement-form]")
    expect(form.locator("[name=exact]")).to_have_value("Another")
    expect(form.locator("[name=speaker_q]")).to_be_focused()


def test_edit_and_delete_a_card_in_place(page: Page, live_server):
    user = _researcher()
    source = make_source()
    statement = make_statement(
        source=source, quote="Critics said the bridge was not safe.", created_by=user
    )
    login(page, live_server, "annotator")
    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    card = page.locator(f"#statement-{statement.pk}")
    card.get_by_role("link", name="Edit").click()
    card.locator("[name=summary]").fill("They doubt the inspection.")
    card.get_by_role("button", name="Save changes").click()
    expect(page.locator(f"#statement-{statement.pk} .summary")).to_have_text(
        "They doubt the inspection."
    )
    statement.refresh_from_db()
    assert statement.summary == "They doubt the inspection." and statement.version == 2
    settle(page)  # the text and the card list refresh themselves

    card = page.locator(f"#statement-{statement.pk}")
    card.get_by_role("link", name="Delete…").click()
    card.get_by_role("button", name="Delete").click()
    expect(page.locator(".deleted-note").first).to_have_text("Statement deleted.")
    expect(page.locator(f"#source-text mark[data-statements~='{statement.pk}']")).to_have_count(0)
    assert not Statement.objects.exists()
    assert "/sources/" in page.url


def test_hostile_article_runs_no_script(page: Page, live_server):
    user = _researcher()
    hostile = (
        "Breaking: <script>alert('script in text')</script> and "
        "<img src=x onerror=alert('img in text')> and <svg onload=alert(3)> end.\n"
    )
    source = make_source(text=hostile, title="<img src=y onerror=alert('title')>")
    make_statement(
        source=source,
        quote="<img src=x onerror=alert('img in text')>",
        speaker=make_actor("<script>alert('speaker')</script>"),
        created_by=user,
    )
    login(page, live_server, "annotator")
    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    expect(page.locator("h1")).to_have_text(source.title)
    assert page.locator("#source-text").evaluate("el => el.textContent") == source.text
    assert page.locator("#source-text img, #source-text script, #source-text svg").count() == 0
    drag_select(page, source.text, "<svg onload=alert(3)>")
    expect(page.locator("#annotate-slot [name=exact]")).to_have_value("<svg onload=alert(3)>")
    page.locator("#source-text mark").first.click()
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_a_highlight_whose_card_is_on_a_later_page_loads_its_card(page: Page, live_server):
    user = _researcher()
    text = " ".join(f"Sentence number {i:02d} was said." for i in range(30))
    source = make_source(text=text)
    statements = [
        make_statement(source=source, quote=f"Sentence number {i:02d} was said.", created_by=user)
        for i in range(30)
    ]
    last = statements[-1]
    login(page, live_server, "annotator")
    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    expect(page.locator(f"#statement-{last.pk}")).to_have_count(0)  # not on the first page
    page.locator(f"#source-text mark[data-statements~='{last.pk}']").click()
    expect(page.locator(f"#focus-statement-{last.pk}")).to_be_focused()
    expect(page.locator(f"#focus-statement-{last.pk} .quote")).to_have_text(last.exact)
    # a link to the statement does the same
    page.goto(f"{live_server.url}{last.get_absolute_url()}")
    expect(page.locator(f"#focus-statement-{last.pk}")).to_be_visible()
