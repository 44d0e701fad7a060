"""Layout on any screen (issue 10, item 5): nothing scrolls sideways on a 390 px phone,
every control shows where the keyboard focus is, and on a phone the statement form opens
right under the selection; a saved card shows once.

The screens are those of test_accessibility.py, visited as the role that sees them.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from claims.models import Actor, Statement
from claims.services.statements import statement_delete
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import PASSWORDS, S5, Demo, visit
from tests.e2e.test_annotate import drag_select, settle

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
ROLES = ["anonymous", "norole", "researcher", "editor"]


@pytest.mark.parametrize("role", ROLES)
def test_no_screen_scrolls_sideways_on_a_390px_phone(page: Page, live_server, role):
    page.set_viewport_size(PHONE)
    demo = Demo()
    wide: dict[str, str] = {}
    for name, p in visit(page, live_server, demo, role):
        sizes = p.evaluate(
            """() => {
              const d = document.documentElement;
              const widest = Array.from(document.querySelectorAll('body *'))
                .filter(el => el.getBoundingClientRect().right > d.clientWidth + 0.5)
                .filter(el => !el.closest('.visually-hidden, .skip-link, .segment-input'))
                .slice(0, 5)
                .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                     (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                     ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
              return {scroll: d.scrollWidth, client: d.clientWidth, widest};
            }"""
        )
        if sizes["scroll"] > sizes["client"]:
            wide[name] = (
                f"{sizes['scroll'] - sizes['client']} px too wide; e.g. {', '.join(sizes['widest'])}"
            )
    assert not wide, "Screens that scroll sideways at 390 px:\n" + "\n".join(
        f"  [{name}] {what}" for name, what in wide.items()
    )


# Every control reached with Tab must look different focused: an outline or a shadow
# (on itself, or on the label drawn for a visually hidden radio button).
FOCUS_JS = """
  () => {
    const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex], [contenteditable=true]';
    const look = (el) => {
      const s = getComputedStyle(el);
      return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor,
              s.backgroundColor, s.textDecorationLine].join('|');
    };
    const shown = (el) => {
      const s = getComputedStyle(el);
      return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 || s.boxShadow !== 'none';
    };
    const drawnBy = (el) => {  // the label that draws a visually hidden radio/checkbox
      if (el.tagName === 'INPUT' && parseFloat(getComputedStyle(el).opacity) === 0) {
        return (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label') || el;
      }
      return el;
    };
    if (!window.__unfocused) {
      window.__unfocused = new Map();
      if (document.activeElement) document.activeElement.blur();
      for (const el of document.querySelectorAll(sel)) {
        window.__unfocused.set(el, look(drawnBy(el)));
      }
      return null;
    }
    const el = document.activeElement;
    if (!el || el === document.body) return {done: true};
    const target = drawnBy(el);
    const before = window.__unfocused.get(el);
    const now = look(target);
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : '') +
      ` "${(el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40)}"`;
    return {name, visible: before !== undefined ? before !== now && shown(target) : shown(target),
            key: name + '@' + Array.from(document.querySelectorAll(sel)).indexOf(el)};
  }
"""


def focus_problems(page: Page, limit: int = 400) -> tuple[list[str], int]:
    """Tab through the page: the controls whose focus cannot be seen, and how many
    controls were reached."""
    page.evaluate("window.__unfocused = undefined")
    page.evaluate(FOCUS_JS)  # remember how every control looks unfocused
    seen: set[str] = set()
    problems = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_JS)
        if state.get("done"):
            continue
        if state["key"] in seen:
            break  # round the page (or the open dialog) once
        seen.add(state["key"])
        if not state["visible"]:
            problems.append(state["name"])
    return problems, len(seen)


@pytest.mark.parametrize("role", ROLES)
def test_every_control_shows_its_keyboard_focus(page: Page, live_server, role):
    demo = Demo()
    found: dict[str, list[str]] = {}
    reached: dict[str, int] = {}
    for name, p in visit(page, live_server, demo, role):
        problems, reached[name] = focus_problems(p)
        if problems:
            found[name] = problems
    assert all(reached.values()), f"Tab reached no control on some screens: {reached}"
    assert not found, "Controls without a visible focus:\n" + "\n".join(
        f"  [{name}] " + "; ".join(problems) for name, problems in found.items()
    )


def test_on_a_phone_the_form_opens_under_the_selection_and_the_saved_card_shows_once(
    page: Page, live_server
):
    demo = Demo()
    s5 = Statement.objects.get(exact=S5)
    statement_delete(user=s5.created_by, statement_id=s5.pk, version=s5.version)
    maliki = Actor.objects.get(name="Nuri al-Maliki")
    page.set_viewport_size(PHONE)
    login(page, live_server, "researcher", PASSWORDS["researcher"])
    page.goto(f"{live_server.url}{demo.source.get_absolute_url()}")
    drag_select(page, demo.source.text, S5)

    form = page.locator("#annotate-slot form[data-statement-form]")
    expect(form).to_be_visible()
    where = page.evaluate(
        """() => {
          const sel = window.getSelection().getRangeAt(0).getBoundingClientRect();
          const form = document.querySelector('#annotate-slot').getBoundingClientRect();
          const text = document.getElementById('source-text').getBoundingClientRect();
          return {selBottom: sel.bottom, formTop: form.top, textBottom: text.bottom,
                  formLeft: form.left, formRight: form.right, width: document.documentElement.clientWidth};
        }"""
    )
    assert 0 <= where["formTop"] - where["selBottom"] <= 40, where  # right under the words
    assert where["formTop"] < where["textBottom"] - 200, where  # not after the whole article
    assert where["formLeft"] >= 0 and where["formRight"] <= where["width"], where
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )

    form.locator("[name=speaker_q]").fill("al-Maliki")
    expect(form.locator("select[name=speaker]")).to_have_value(str(maliki.pk))
    form.locator("[name=speaker_q]").focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#annotate-slot .saved-note")).to_have_text("Saved.")
    statement = Statement.objects.get(exact=S5)
    settle(page)
    expect(page.locator(f".statement-card[data-statement='{statement.pk}']")).to_have_count(1)
    expect(page.locator(f"#statement-{statement.pk}")).to_be_focused()
