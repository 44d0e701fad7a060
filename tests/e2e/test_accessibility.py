"""Accessibility of every screen (issue 10, item 5): axe-core runs inside Chromium on each
screen of the app, as the role that sees it, and no finding of impact "serious" or
"critical" is allowed.

axe-core comes from node_modules (`npm ci`, which CI runs). Without it these tests fail
in CI (CI=true) and are skipped elsewhere, with the reason.

The screens are visited on the seed demo (claims.management.commands.demo). Helpers here
(`screens_of`, `axe_findings`) are shared with test_layout.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Page, expect

from claims.demo_data import seed
from claims.management.commands.demo import load_demo
from claims.models import Actor, Claim, Contradiction, Job, Source, Statement
from claims.services.suggestions import suggestions_refresh
from tests.e2e.conftest import login
from tests.e2e.test_annotate import drag_select, settle

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
BAD = ("serious", "critical")
S5 = seed.STATEMENTS["S5"]["quote"]


def axe_source() -> str:
    if not AXE.exists():
        message = f"axe-core is not installed at {AXE} (run `npm ci`)."
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text("utf-8")


def axe_findings(page: Page, source: str, screen: str = "") -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each.
    The script is evaluated through the DevTools protocol, which CSP does not govern, so
    the page's own policy stays as strict as in production."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(source)
    violations = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({impact: n.impact, target: n.target.join(' '),
                                      summary: (n.failureSummary || '').split('\\n').slice(1).join(' ')}))
          }));
        }"""
    )
    lines = []
    for v in violations:
        for node in v["nodes"]:
            if (node["impact"] or v["impact"]) in BAD:
                lines.append(f"{v['id']} ({node['impact']}): {node['target']} - {node['summary']}")
    return lines


# --- the screens ------------------------------------------------------------------


class Demo:
    """The seed demo and the records the screens show."""

    def __init__(self) -> None:
        load_demo()
        self.source = Source.objects.get()
        suggestions_refresh(source=self.source)
        self.s5 = Statement.objects.get(exact=S5)
        self.claim = Claim.objects.get(text=seed.CLAIMS["C1"])
        self.actor = Actor.objects.get(name="Nuri al-Maliki")
        self.contradiction = Contradiction.objects.filter(first=self.s5).first() or (
            Contradiction.objects.first()
        )
        researcher = User.objects.get(username="researcher")
        self.job = Job.objects.create(
            kind=Job.Kind.IMPORT,
            format="text",
            status=Job.Status.DONE,
            done=2,
            total=2,
            message="2 sources imported.",
            inputs=["river.txt", "budget.md"],
            report={
                "created": {"sources": 1},
                "skipped": [["budget.md", "the same text is already a source"]],
                "refused": [["empty.txt", "the file is empty"]],
                "notes": [["river.txt", "no publisher given"]],
            },
            created_by=researcher,
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )
        User.objects.create_user("norole", password="pw-norole")


Screen = tuple[str, str, Callable[[Page], None] | None]  # name, path, what to do there


def _open_statement_form(demo: Demo) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        drag_select(page, demo.source.text, S5)
        expect(page.locator("#annotate-slot form[data-statement-form]")).to_be_visible()

    return act


def _open_card_edit(demo: Demo) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        card = page.locator(f"#statement-{demo.s5.pk}")
        card.get_by_role("link", name="Edit").click()
        expect(card.locator("form[data-statement-form]")).to_be_visible()
        settle(page)

    return act


def _open_card_contradicts(demo: Demo) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        card = page.locator(f"#statement-{demo.s5.pk}")
        card.get_by_role("link", name="Contradicts…").click()
        expect(card.locator(".link-form")).to_be_visible()
        card.locator(".link-form input[type=search]").fill("government")
        expect(card.locator(".link-results input[type=radio]").first).to_be_visible()
        settle(page)

    return act


def _submit(button: str, wait_for: str = ".errorlist >> visible=true") -> Callable[[Page], None]:
    """Submit the page's form as it is (empty or wrong): the screen with its errors."""

    def act(page: Page) -> None:
        page.locator("main").get_by_role("button", name=button).first.click()
        page.wait_for_load_state("load")
        expect(page.locator(wait_for).first).to_be_visible()

    return act


def _form_errors_in_place(demo: Demo) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        _open_statement_form(demo)(page)
        slot = page.locator("#annotate-slot")
        slot.locator("[name=claim_q]").fill("no claim has these words zzqx")
        settle(page)
        slot.get_by_role("button", name="Save statement").click()
        expect(slot.locator(".errorlist").first).to_be_visible()

    return act


def _edit_conflict(demo: Demo) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        Statement.objects.filter(pk=demo.s5.pk).update(version=F("version") + 1)
        page.get_by_role("button", name="Save changes").click()
        page.wait_for_load_state("load")
        expect(page.locator(".conflict").first).to_be_visible()

    return act


def _suggestions_shown(page: Page) -> None:
    expect(page.locator("#suggestions li.suggestion").first).to_be_visible()
    page.keyboard.press("j")
    expect(page.locator("#suggestions li.suggestion.current")).to_have_count(1)


def _keys_overlay(page: Page) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()


def _api_docs(page: Page) -> None:
    expect(page.locator(".opblock").first).to_be_visible()


def _wrong_password(page: Page) -> None:
    page.fill("#id_username", "researcher")
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".errors")).to_be_visible()


def screens_of(demo: Demo, role: str) -> list[Screen]:
    s, st, c, a, x = demo.source, demo.s5, demo.claim, demo.actor, demo.contradiction
    if role == "anonymous":
        return [
            ("login", "/login/", None),
            ("login, wrong password", "/login/", _wrong_password),
        ]
    if role == "norole":
        return [("403 no role", "/sources/", None)]
    common: list[Screen] = [
        ("sources list", "/sources/", None),
        ("reading page", f"/sources/{s.pk}/", None),
        ("actors list", "/actors/", None),
        ("actor page", f"/actors/{a.pk}/", None),
        ("claims list", "/claims/", None),
        ("claim page (dispute picture)", f"/claims/{c.pk}/", None),
        ("search results", "/search/?q=envoy", None),
        ("data page", "/data/", None),
        ("404", "/sources/999999/", None),
    ]
    if role == "researcher":
        return [
            *common,
            ("import a source", "/sources/new/", None),
            ("import a source, errors", "/sources/new/", _submit("Import")),
            (
                "reading page, form errors in place",
                f"/sources/{s.pk}/",
                _form_errors_in_place(demo),
            ),
            ("reading page, statement form open", f"/sources/{s.pk}/", _open_statement_form(demo)),
            ("reading page, card edit form open", f"/sources/{s.pk}/", _open_card_edit(demo)),
            (
                "reading page, card contradicts form open",
                f"/sources/{s.pk}/",
                _open_card_contradicts(demo),
            ),
            ("reading page, suggestions", f"/sources/{s.pk}/", _suggestions_shown),
            ("reading page, keys overlay", f"/sources/{s.pk}/", _keys_overlay),
            ("statement edit page", f"/statements/{st.pk}/edit/", None),
            ("statement contradicts page", f"/statements/{st.pk}/contradicts/", None),
            ("statement contradicts search", f"/statements/{st.pk}/contradicts/?q=envoy", None),
            ("statement create page (no JS form)", f"/sources/{s.pk}/statements/new/", None),
            (
                "statement create page, errors",
                f"/sources/{s.pk}/statements/new/",
                _submit("Save statement"),
            ),
            (
                "statement contradicts page, errors",
                f"/statements/{st.pk}/contradicts/",
                _submit("Propose the link"),
            ),
            ("data import", "/data/import/", None),
            ("data import, errors", "/data/import/", _submit("Import")),
            ("job page", f"/data/jobs/{demo.job.pk}/", None),
            ("tokens page", "/account/tokens/", None),
            ("API docs", "/api/docs", _api_docs),
            ("statement history", f"/history/statement/{st.pk}/", None),
            ("source history", f"/history/source/{s.pk}/", None),
            ("actor history", f"/history/actor/{a.pk}/", None),
            ("claim history", f"/history/claim/{c.pk}/", None),
            ("contradiction history", f"/history/contradiction/{x.pk}/", None),
        ]
    assert role == "editor"
    return [
        *common,
        ("review queue", "/review/", None),
        ("review queue, everything", "/review/?status=all", None),
        ("actor merge", f"/actors/{a.pk}/merge/", None),
        ("claim merge", f"/claims/{c.pk}/merge/", None),
        ("claim merge, errors", f"/claims/{c.pk}/merge/", _submit("Merge")),
        ("statement edit page, edit conflict", f"/statements/{st.pk}/edit/", _edit_conflict(demo)),
        ("reading page, card edit form open", f"/sources/{s.pk}/", _open_card_edit(demo)),
        ("job page (editor)", f"/data/jobs/{demo.job.pk}/", None),
    ]


PASSWORDS = {
    "researcher": seed.USERS["researcher"][0],
    "editor": seed.USERS["editor"][0],
    "norole": "pw-norole",
}


def visit(page: Page, live_server, demo: Demo, role: str) -> Iterator[tuple[str, Page]]:
    """Log in as `role` and yield each of its screens, ready to check."""
    if role != "anonymous":
        login(page, live_server, role, PASSWORDS[role])
    for name, path, act in screens_of(demo, role):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        if act:
            act(page)
        settle(page)
        yield name, page


@pytest.mark.parametrize("role", ["anonymous", "norole", "researcher", "editor"])
def test_no_serious_or_critical_axe_findings_on_any_screen(page: Page, live_server, role):
    source = axe_source()
    demo = Demo()
    found: dict[str, list[str]] = {}
    seen = []
    for name, p in visit(page, live_server, demo, role):
        seen.append(name)
        lines = axe_findings(p, source, name)
        if lines:
            found[name] = lines
    assert seen
    report = "\n".join(f"[{name}]\n  " + "\n  ".join(lines) for name, lines in found.items())
    assert not found, f"axe-core found serious/critical problems:\n{report}"
