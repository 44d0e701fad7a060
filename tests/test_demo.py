"""`manage.py demo`: the whole annotated seed article, the demo users, idempotent, debug only."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.demo_data import seed
from claims.models import (
    Actor,
    ActorAlias,
    Affiliation,
    Claim,
    Contradiction,
    Source,
    Statement,
)
from tests.domain import MODELS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    """The test runner turns DEBUG off; the demo is for DEBUG on. Fast hashing for speed."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    run_demo()
    return Source.objects.get(title=seed.SOURCE["title"])


def statement(quote: str, speaker: str | None = None) -> Statement:
    qs = Statement.objects.filter(exact=quote)
    if speaker:
        qs = qs.filter(speaker__name=speaker)
    return qs.select_related("speaker", "via", "claim").get()


def test_demo_loads_the_whole_annotated_article(demo):
    assert Actor.objects.count() == 16
    assert Claim.objects.count() == 7
    assert Statement.objects.count() == 20
    assert Contradiction.objects.count() == 6
    assert ActorAlias.objects.count() == 13
    assert Affiliation.objects.count() == 7
    article = Path(seed.__file__).with_name("article.txt").read_text("utf-8")
    assert demo.text == article
    assert (demo.publisher, str(demo.published_on), demo.dateline) == (
        "CNN",
        "2008-04-03",
        "BAGHDAD, Iraq",
    )


def test_every_demo_statement_is_anchored_at_its_quote(demo):
    for st in Statement.objects.all():
        assert demo.text[st.start : st.end] == st.exact
        assert demo.text[: st.start].endswith(st.prefix)
        assert demo.text[st.end :].startswith(st.suffix)
    s5 = statement(
        "he didn't send an envoy to the Sadrists' headquarters in the Iraqi city of Najaf for talks"
    )
    assert (s5.start, s5.end) == (1550, 1640) == (demo.text.index(s5.exact), 1550 + len(s5.exact))
    s7 = statement('al-Ageili said the prime minister\'s denials were meant only "to save face."')
    assert demo.text[s7.start - 4 : s7.start] == "But "


def test_s4_is_the_body_occurrence_not_the_highlight(demo):
    quote = "there were no government negotiations with Shiite militias"
    s4 = statement(quote)
    assert demo.text.count(quote) == 2
    assert s4.start == demo.text.rindex(quote) != demo.text.index(quote)
    assert s4.prefix.endswith("Nuri al-Maliki said ")


def test_s9_is_one_statement_per_speaker_over_the_same_span(demo):
    quote = "Iraqi and U.S. authorities repeatedly said militias weren't targeted"
    s9 = Statement.objects.filter(exact=quote).order_by("speaker__name")
    assert [s.speaker.name for s in s9] == ["Iraqi government", "U.S. authorities"]
    assert len({(s.start, s.end) for s in s9}) == 1
    assert {(s.claim.text, s.stance) for s in s9} == {(seed.CLAIMS["C3"], "denies")}


def test_speakers_via_reporting_stances_and_dates(demo):
    s1 = statement(seed.STATEMENTS["S1"]["quote"])
    assert (s1.speaker.name, s1.via.name, s1.reporting) == (
        "Muqtada al-Sadr",
        "Saleh al-Ageili",
        "direct_quote",
    )
    assert (s1.claim.text, s1.stance, str(s1.said_on)) == (
        seed.CLAIMS["C5"],
        "asserts",
        "2008-04-03",
    )
    s10 = statement(seed.STATEMENTS["S10"]["quote"])
    assert (s10.speaker.name, s10.reporting) == ("CNN", Statement.Reporting.NARRATION)
    s11 = statement(seed.STATEMENTS["S11"]["quote"])
    assert s11.reporting == Statement.Reporting.ANONYMOUS
    s12 = statement(seed.STATEMENTS["S12"]["quote"])
    assert (s12.speaker.name, s12.via.name) == ("U.S. military intelligence", "U.S. authorities")
    s14 = statement(seed.STATEMENTS["S14"]["quote"])
    assert str(s14.said_on) == "2008-04-03"
    s17 = statement(seed.STATEMENTS["S17"]["quote"])
    assert (s17.claim, s17.stance, s17.reporting) == (None, "", "direct_quote")


def test_actors_aliases_and_affiliations(demo):
    sadr = Actor.objects.get(name="Muqtada al-Sadr")
    assert sadr.kind == "person"
    assert sorted(a.name for a in sadr.aliases.all()) == ["Al-Sadr", "al-Sadr"]
    assert Actor.objects.get(name="Critics of the Basra operation").kind == "collective"
    assert Actor.objects.get(name="A Sadr City resident").kind == "anonymous"
    assert Actor.objects.get(name="CNN").kind == "media"
    assert Affiliation.objects.filter(
        actor__name="Saleh al-Ageili",
        role="spokesperson_for",
        target__name="Sadrist parliamentary bloc",
    ).exists()
    assert Affiliation.objects.filter(
        actor__name="Sadrist parliamentary bloc", role="part_of", target__name="Sadrist movement"
    ).exists()


def test_contradictions_and_claim_statuses(demo):
    editor = User.objects.get(username="editor")
    x1 = Contradiction.objects.get(first=statement(seed.STATEMENTS["S5"]["quote"]))
    assert (x1.second.exact, x1.kind, x1.status) == (
        seed.STATEMENTS["S3"]["quote"],
        "denial",
        "confirmed",
    )
    assert x1.reviewed_by == editor and x1.reviewed_at is not None
    x2 = Contradiction.objects.get(first=statement(seed.STATEMENTS["S7"]["quote"]))
    assert (x2.kind, x2.status, x2.second_id) == ("rebuttal", "confirmed", x1.first_id)
    proposed = Contradiction.objects.filter(status="proposed")
    assert proposed.count() == 4
    assert not proposed.filter(reviewed_by__isnull=False).exists()
    x3 = Contradiction.objects.get(second=statement(seed.STATEMENTS["S10"]["quote"]))
    assert (x3.first.speaker.name, x3.kind) == ("Iraqi government", "conflicting_facts")
    statuses = {text: status for text, status in Claim.objects.values_list("text", "status")}
    expected = {seed.CLAIMS[k]: "open" for k in seed.CLAIMS}
    for k in ("C1", "C3", "C4"):
        expected[seed.CLAIMS[k]] = "disputed"
    assert statuses == expected


def test_demo_users_have_their_roles_and_printed_passwords():
    output = run_demo()
    for username, (password, group, superuser) in seed.USERS.items():
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert f"{username}" in output and password in output
        if group:
            assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.is_superuser == user.is_staff == superuser


def history_counts() -> list[int]:
    return [m.history.count() for m in MODELS]


def test_demo_is_idempotent(demo):
    rows = [m.objects.count() for m in MODELS]
    history = history_counts()
    users = list(User.objects.order_by("pk").values_list("username", "password", "is_superuser"))
    versions = list(Statement.objects.order_by("pk").values_list("pk", "version"))
    output = run_demo()
    assert "nothing changed" in output
    assert [m.objects.count() for m in MODELS] == rows
    assert history_counts() == history
    assert (
        list(User.objects.order_by("pk").values_list("username", "password", "is_superuser"))
        == users
    )
    assert list(Statement.objects.order_by("pk").values_list("pk", "version")) == versions


def test_demo_restores_a_changed_demo_password(demo):
    user = User.objects.get(username="researcher")
    user.set_password("something else")
    user.save()
    run_demo()
    user.refresh_from_db()
    assert user.check_password(seed.USERS["researcher"][0])


def test_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        run_demo()
    assert not User.objects.filter(username="researcher").exists()


def test_demo_serves_with_gunicorn(monkeypatch):
    calls = []
    monkeypatch.setattr("os.execv", lambda path, argv: calls.append((path, argv)))
    out = io.StringIO()
    call_command("demo", "--port", "8123", "--no-worker", stdout=out)
    [(path, argv)] = calls
    assert path == sys.executable
    assert argv[1:4] == ["-m", "gunicorn", "config.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert int(argv[argv.index("--workers") + 1]) >= 2
    assert "http://127.0.0.1:8123/" in out.getvalue()
