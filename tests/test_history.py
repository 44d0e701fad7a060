"""History pages: field-by-field changes with who, when and why, for every kind of record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Claim
from claims.services.merges import claim_merge
from claims.services.review import claim_give_verdict, contradiction_decide
from tests.factories import make_claim
from tests.seed_fixture import build_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(researcher, editor):
    return build_seed(researcher, editor)


def test_review_decisions_appear_field_by_field(researcher_client, editor, seed):
    contradiction_decide(
        contradiction_id=seed.x3.pk,
        user=editor,
        decision="confirm",
        note="Both stand.",
        version=seed.x3.version,
    )
    html = researcher_client.get(
        reverse("claims:contradiction_history", args=[seed.x3.pk])
    ).content.decode()
    assert "confirmed by editor" in html  # the change reason
    assert '<strong class="who">editor</strong>' in html
    assert "Proposed" in html and "Confirmed" in html and "Both stand." in html
    assert "review note" in html and "reviewed by" in html
    assert "Created" in html
    claim_give_verdict(
        claim_id=seed.c1.pk,
        user=editor,
        verdict="false",
        rationale="No envoy went.",
        resolve=False,
        version=seed.c1.version,
    )
    html = researcher_client.get(
        reverse("claims:claim_history", args=[seed.c1.pk])
    ).content.decode()
    assert "verdict false by editor" in html and "No envoy went." in html
    assert "Unrated" in html and "False" in html
    assert f"editor (#{editor.pk})" in html


@pytest.mark.parametrize(
    "name",
    [
        "claim_history",
        "statement_history",
        "contradiction_history",
        "source_history",
        "actor_history",
    ],
)
def test_every_kind_of_record_has_a_history_page(researcher_client, seed, name):
    obj = {
        "claim_history": seed.c1,
        "statement_history": seed.s5,
        "contradiction_history": seed.x1,
        "source_history": seed.source,
        "actor_history": seed.maliki,
    }[name]
    response = researcher_client.get(reverse(f"claims:{name}", args=[obj.pk]))
    assert response.status_code == 200
    assert "Created" in response.content.decode()
    assert researcher_client.get(reverse(f"claims:{name}", args=[99999])).status_code == 404


def test_history_needs_a_role(outsider_client, anon_client, seed):
    url = reverse("claims:claim_history", args=[seed.c1.pk])
    assert outsider_client.get(url).status_code == 403
    assert anon_client.get(url).status_code == 302


def test_merged_claim_history_stays_viewable(researcher_client, editor, seed):
    dup = make_claim("Envoys were sent")
    claim_merge(merged_id=dup.pk, kept_id=seed.c1.pk, user=editor)
    html = researcher_client.get(reverse("claims:claim_history", args=[dup.pk])).content.decode()
    assert (
        "Deleted" in html and f"editor merged claim #{dup.pk}" in html and "deleted</span>" in html
    )
    html = researcher_client.get(
        reverse("claims:claim_history", args=[seed.c1.pk])
    ).content.decode()
    assert f"editor merged claim #{dup.pk}" in html


def test_history_is_paginated_and_diffs_cross_pages(researcher_client, editor):
    claim = make_claim("v0")
    for i in range(1, 30):
        claim.text = f"v{i}"
        claim.save()
    html = researcher_client.get(reverse("claims:claim_history", args=[claim.pk])).content.decode()
    assert "Page 1 of 2" in html and ">v29<" in html
    html = researcher_client.get(
        reverse("claims:claim_history", args=[claim.pk]), {"page": 2}
    ).content.decode()
    # the last entry on page 2 is the creation; the first diffs against page 1's last
    assert "Created" in html and ">v4<" in html and ">v3<" in html


@pytest.mark.parametrize("n", [5, 50])
def test_history_query_count_is_fixed(researcher_client, editor, django_assert_num_queries, n):
    claim = make_claim("start")
    for i in range(n):
        claim.text = f"text {i}"
        claim.assigned_to = editor if i % 2 else None
        claim._history_user = editor
        claim.save()
    url = reverse("claims:claim_history", args=[claim.pk])
    researcher_client.get(url)
    # the user with their permissions, count, records, users named in diffs, object, badge
    with django_assert_num_queries(6):
        assert researcher_client.get(url).status_code == 200
    assert Claim.history.filter(id=claim.pk).count() == n + 1


def test_the_history_manager_class_is_built_once_and_still_does_everything(researcher):
    """claims.models.HistoryManager: `.history` is read by every save; its class is made
    once per model, not per access, and it is simple-history's manager all the same."""
    first, second = make_claim("First proposition"), make_claim("Second proposition")
    assert type(first.history) is type(second.history) is type(Claim.history)
    first.text = "First proposition, edited"
    first._change_reason = "typo"
    first.save()
    assert [h.history_type for h in first.history.all()] == ["~", "+"]
    assert first.history.first().history_change_reason == "typo"
    assert first.history.as_of(first.history.last().history_date).text == "First proposition"
    assert Claim.history.filter(id=second.pk).count() == 1
