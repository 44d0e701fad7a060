"""The API's interactive docs in Chromium: Swagger UI served by the app itself (nothing
from another origin), under the project's CSP (no violation reported), listing the
operations; "Try it out" runs a request with the signed-in session."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import make_user
from tests.e2e.conftest import login
from tests.factories import make_claim

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_CSP_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_docs_page_lists_the_operations_without_csp_violations(page: Page, live_server):
    user = make_user("docs_reader", "Researchers")
    make_claim("The government sent envoys")
    console_errors: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    login(page, live_server, user.username)

    page.goto(f"{live_server.url}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Claims tracker API")
    statements = page.locator(".opblock-summary-path[data-path='/api/statements/']")
    expect(statements.first).to_be_visible()
    assert page.locator(".opblock").count() >= 30
    expect(page.locator(".opblock-tag[data-tag='review decisions']")).to_be_visible()

    # Try it out: GET /api/claims/ with the session (the page sends the CSRF header too).
    operation = page.locator("#operations-claims-claims_api_claims_claim_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    result = operation.locator(".live-responses-table")
    expect(result).to_contain_text("The government sent envoys")
    expect(result.locator("tr.response .response-col_status")).to_contain_text("200")

    assert page.evaluate("window.__csp") == []
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
    assert hosts == {urlsplit(live_server.url).netloc}
