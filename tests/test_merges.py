"""Merges: nothing is lost, nonsense links are resolved and reported, history names the merge."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims.models import Actor, ActorAlias, Affiliation, Claim, Contradiction, Note, Statement
from claims.services.merges import actor_merge, claim_merge
from claims.services.review import EditConflict
from claims.views.merges import CANDIDATES_PER_PAGE
from tests.factories import make_actor, make_claim, make_contradiction, make_source, make_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(researcher, editor):
    """Two records for one actor (Maliki, "al-Maliki") and two for one claim."""
    source = make_source()
    maliki = make_actor("Nuri al-Maliki", description="Prime Minister of Iraq")
    ActorAlias.objects.create(actor=maliki, name="the prime minister")
    dup = make_actor("al-Maliki", wikidata_id="Q19777")
    ActorAlias.objects.create(actor=dup, name="the prime minister")  # duplicate alias
    ActorAlias.objects.create(actor=dup, name="PM Maliki")
    spokesman = make_actor("Ali al-Dabbagh")
    government = make_actor("Iraqi government")
    Affiliation.objects.create(actor=maliki, role="leader_of", target=government)
    Affiliation.objects.create(actor=dup, role="leader_of", target=government)  # duplicate
    Affiliation.objects.create(actor=dup, role="member_of", target=maliki)  # becomes self
    Affiliation.objects.create(actor=spokesman, role="spokesperson_for", target=dup)  # moves
    claim = make_claim("The government sent envoys")
    claim_dup = make_claim("Envoys were sent by the government")
    other = make_actor("Muqtada al-Sadr")
    # the same span recorded twice, once per actor record: they become one statement
    s_a = make_statement(
        source=source,
        quote="the bridge was safe",
        created_by=researcher,
        speaker=maliki,
        claim=claim,
        stance="denies",
    )
    s_b = make_statement(
        source=source,
        quote="the bridge was safe",
        created_by=researcher,
        speaker=dup,
        claim=claim,
        stance="denies",
        summary="from the duplicate",
    )
    s_via = make_statement(
        source=source,
        quote="cracks were old",
        created_by=researcher,
        speaker=other,
        via=dup,
        claim=claim_dup,
        stance="asserts",
    )
    s_self = make_statement(
        source=source, quote="An engineer said", created_by=researcher, speaker=maliki, via=dup
    )
    s_other = make_statement(
        source=source,
        quote="the bridge was not safe",
        created_by=researcher,
        speaker=other,
        claim=claim,
        stance="asserts",
    )
    x_a = make_contradiction(s_a, s_other, status="proposed")
    x_b = make_contradiction(
        s_b, s_other, status="confirmed", reviewed_by=editor, reviewed_at=s_b.created_at
    )
    x_ab = make_contradiction(s_a, s_b, kind="tension")  # becomes a self-link
    Note.objects.create(contradiction=x_a, author=researcher, body="on the weaker link")
    Note.objects.create(claim=claim_dup, author=researcher, body="a note on the duplicate claim")
    return locals()


def test_actor_merge_moves_everything_and_resolves_nonsense(world, editor):
    w = world
    report = actor_merge(merged_id=w["dup"].pk, kept_id=w["maliki"].pk, user=editor)
    maliki = Actor.objects.get(pk=w["maliki"].pk)
    assert not Actor.objects.filter(pk=w["dup"].pk).exists()
    # aliases kept, with the merged actor's name; the duplicate alias dropped
    assert sorted(maliki.aliases.values_list("name", flat=True)) == [
        "PM Maliki",
        "al-Maliki",
        "the prime minister",
    ]
    # statements as speaker and as via moved; via == speaker resolved
    assert Statement.objects.get(pk=w["s_via"].pk).via == maliki
    s_self = Statement.objects.get(pk=w["s_self"].pk)
    assert (s_self.speaker, s_self.via) == (maliki, None)
    # the duplicate statement folded into the older one, its summary kept
    assert not Statement.objects.filter(pk=w["s_b"].pk).exists()
    assert Statement.objects.get(pk=w["s_a"].pk).summary == "from the duplicate"
    # contradictions: the self-link dropped; of the duplicate pair the confirmed one kept
    assert not Contradiction.objects.filter(pk=w["x_ab"].pk).exists()
    assert not Contradiction.objects.filter(pk=w["x_a"].pk).exists()
    kept_link = Contradiction.objects.get(pk=w["x_b"].pk)
    assert (kept_link.first_id, kept_link.second_id, kept_link.status) == (
        w["s_a"].pk,
        w["s_other"].pk,
        "confirmed",
    )
    assert Note.objects.get(body="on the weaker link").contradiction == kept_link
    # affiliations: duplicate and self dropped, the incoming one moved
    assert set(Affiliation.objects.values_list("actor__name", "role", "target__name")) == {
        ("Nuri al-Maliki", "leader_of", "Iraqi government"),
        ("Ali al-Dabbagh", "spokesperson_for", "Nuri al-Maliki"),
    }
    # the kept actor takes what it lacked
    assert maliki.wikidata_id == "Q19777" and maliki.description == "Prime Minister of Iraq"
    # reported
    text = " ".join(report.resolved)
    assert "would link statement" in text and f"kept #{w['x_b'].pk} (confirmed)" in text
    assert "affiliated with itself" in text and "already has it" in text
    assert "its via was removed" in text and "became the same statement" in text
    assert report.moved["statements"] == 3


def test_actor_merge_is_in_history_with_reason(world, editor):
    actor_merge(merged_id=world["dup"].pk, kept_id=world["maliki"].pk, user=editor)
    expected = f"editor merged actor #{world['dup'].pk}"
    latest = Actor.history.filter(id=world["dup"].pk).latest("history_id")
    assert latest.history_type == "-" and latest.history_change_reason.startswith(expected)
    assert latest.history_user == editor
    moved = Statement.history.filter(id=world["s_via"].pk).latest("history_id")
    assert (
        moved.history_change_reason.startswith(expected)
        and f"into #{world['maliki'].pk}" in moved.history_change_reason
    )
    kept = Actor.history.filter(id=world["maliki"].pk).latest("history_id")
    assert kept.history_change_reason.startswith(expected)


def test_claim_merge_moves_statements_contradictions_and_notes(world, editor):
    w = world
    Claim.objects.filter(pk=w["claim_dup"].pk).update(verdict="true", rationale="Reported twice.")
    x_dup = make_contradiction(w["s_via"], w["s_self"], claim=w["claim_dup"])
    report = claim_merge(merged_id=w["claim_dup"].pk, kept_id=w["claim"].pk, user=editor)
    claim = Claim.objects.get(pk=w["claim"].pk)
    assert not Claim.objects.filter(pk=w["claim_dup"].pk).exists()
    assert Statement.objects.get(pk=w["s_via"].pk).claim == claim
    assert Contradiction.objects.get(pk=x_dup.pk).claim == claim
    assert Note.objects.get(body="a note on the duplicate claim").claim == claim
    assert (claim.verdict, claim.rationale) == ("true", "Reported twice.")
    assert report.moved == {"statements": 1, "contradictions": 1, "notes": 1}
    assert any("takes the merged claim's verdict" in line for line in report.resolved)
    reason = Claim.history.filter(id=w["claim_dup"].pk).latest("history_id").history_change_reason
    assert reason.startswith(f"editor merged claim #{w['claim_dup'].pk}")


def test_claim_merge_folds_statements_that_become_identical(researcher, editor):
    source = make_source()
    speaker = make_actor()
    kept, merged = make_claim("A"), make_claim("A (dup)")
    s1 = make_statement(
        source=source,
        quote="the bridge was safe",
        created_by=researcher,
        speaker=speaker,
        claim=kept,
    )
    s2 = make_statement(
        source=source,
        quote="the bridge was safe",
        created_by=researcher,
        speaker=speaker,
        claim=merged,
    )
    make_contradiction(s1, s2, kind="tension")
    report = claim_merge(merged_id=merged.pk, kept_id=kept.pk, user=editor)
    assert list(Statement.objects.values_list("pk", flat=True)) == [s1.pk]
    assert not Contradiction.objects.exists()
    assert any("to itself" in line for line in report.resolved)


def test_merge_refuses_self_and_stale_version_and_rolls_back(world, editor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actor_merge(merged_id=world["dup"].pk, kept_id=world["dup"].pk, user=editor)
    with pytest.raises(EditConflict):
        actor_merge(merged_id=world["dup"].pk, kept_id=world["maliki"].pk, user=editor, version=99)
    assert Actor.objects.filter(pk=world["dup"].pk).exists()
    assert Statement.objects.filter(speaker=world["dup"]).count() == 1


# --- the pages ---------------------------------------------------------------------------


def test_actor_merge_page_and_post(editor_client, world):
    url = reverse("claims:actor_merge", args=[world["dup"].pk])
    page = editor_client.get(url, {"q": "nuri"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nuri al-Maliki" in html and "Ali al-Dabbagh" not in html
    response = editor_client.get(
        url, {"q": "prime"}, headers={"HX-Request": "true", "HX-Target": "merge-candidates"}
    )
    assert (
        "<html" not in response.content.decode() and "Nuri al-Maliki" in response.content.decode()
    )
    response = editor_client.post(
        url, {"into": world["maliki"].pk, "version": world["dup"].version}
    )
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Merged “al-Maliki” into “Nuri al-Maliki”" in m for m in messages)
    assert any("would link statement" in m for m in messages)
    assert not Actor.objects.filter(pk=world["dup"].pk).exists()


def test_claim_merge_page_and_post(editor_client, world):
    url = reverse("claims:claim_merge", args=[world["claim_dup"].pk])
    assert "The government sent envoys" in editor_client.get(url).content.decode()
    response = editor_client.post(
        url, {"into": world["claim"].pk, "version": world["claim_dup"].version}
    )
    assert response.status_code == 302 and response["Location"] == world["claim"].get_absolute_url()
    assert not Claim.objects.filter(pk=world["claim_dup"].pk).exists()


def test_merge_pages_refuse_bad_input(editor_client, world):
    url = reverse("claims:claim_merge", args=[world["claim_dup"].pk])
    response = editor_client.post(url, {"into": world["claim_dup"].pk, "version": 1})
    assert response.status_code == 422 and "nothing merges into itself" in response.content.decode()
    response = editor_client.post(url, {"into": 99999, "version": 1})
    assert response.status_code == 422 and "does not exist" in response.content.decode()
    response = editor_client.post(url, {"version": 1})
    assert response.status_code == 422
    response = editor_client.post(url, {"into": world["claim"].pk, "version": 42})
    assert response.status_code == 409
    assert "Someone changed this claim since you opened it" in response.content.decode()
    assert Claim.objects.filter(pk=world["claim_dup"].pk).exists()


def test_merge_is_for_editors_only(researcher_client, editor_client, world):
    for name, key, into in (
        ("claims:claim_merge", "claim_dup", "claim"),
        ("claims:actor_merge", "dup", "maliki"),
    ):
        url = reverse(name, args=[world[key].pk])
        assert researcher_client.get(url).status_code == 403
        assert (
            researcher_client.post(url, {"into": world[into].pk, "version": 1}).status_code == 403
        )
        assert (
            editor_client.post(url, {"into": world[into].pk, "version": 1}, csrf=False).status_code
            == 403
        )
        assert editor_client.get(reverse(name, args=[99999])).status_code == 404
    assert Claim.objects.filter(pk=world["claim_dup"].pk).exists()
    assert Actor.objects.filter(pk=world["dup"].pk).exists()


def test_merge_links_on_claim_page_for_editors_only(researcher_client, editor_client, world):
    url = world["claim"].get_absolute_url()
    merge = reverse("claims:claim_merge", args=[world["claim"].pk])
    assert merge in editor_client.get(url).content.decode()
    assert merge not in researcher_client.get(url).content.decode()


@pytest.mark.parametrize("n", [5, 50])
def test_merge_page_query_count(editor_client, django_assert_num_queries, n):
    claims = [make_claim() for _ in range(n)]
    url = reverse("claims:claim_merge", args=[claims[0].pk])
    editor_client.get(url)
    # the user with their permissions, merged claim, candidates count+page, badge; a first page that
    # holds every candidate (the others: n - 1) is its own count (selectors.Pager)
    with django_assert_num_queries(5 if n - 1 > CANDIDATES_PER_PAGE else 4):
        editor_client.get(url)


def test_a_merge_that_fails_half_way_changes_nothing(world, editor, monkeypatch):
    from claims.services import merges

    real_delete = merges._delete

    def failing_delete(obj, **kwargs):
        if isinstance(obj, Actor):
            raise RuntimeError("disk full")
        return real_delete(obj, **kwargs)

    monkeypatch.setattr(merges, "_delete", failing_delete)
    with pytest.raises(RuntimeError):
        actor_merge(merged_id=world["dup"].pk, kept_id=world["maliki"].pk, user=editor)
    assert Actor.objects.filter(pk=world["dup"].pk).exists()
    assert Statement.objects.filter(pk=world["s_b"].pk, speaker=world["dup"]).exists()
    assert Statement.objects.get(pk=world["s_via"].pk).via == world["dup"]
    assert Contradiction.objects.filter(pk__in=[world["x_a"].pk, world["x_ab"].pk]).count() == 2
    assert sorted(ActorAlias.objects.filter(actor=world["dup"]).values_list("name", flat=True)) == [
        "PM Maliki",
        "the prime minister",
    ]
    assert Affiliation.objects.count() == 4
