"""The suggestion engine (claims.suggest): quotes, reported speech, speakers, claim ranking."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from claims.suggest import ActorEntry, Suggestion, rank_claims, suggest

ACTORS = (
    ActorEntry(1, "Muqtada al-Sadr", ("al-Sadr",), "person"),
    ActorEntry(2, "Nuri al-Maliki", ("the prime minister",), "person"),
    ActorEntry(3, "Sadrist parliamentary bloc", (), "party"),
    ActorEntry(4, "Hillary Clinton", (), "person"),
    ActorEntry(5, "Iraqi government", ("the government",), "government"),
)
REPORTING = {"direct_quote", "partial_quote", "paraphrase", "reported"}


def only(text: str, actors=ACTORS) -> Suggestion:
    found = suggest(text, actors)
    assert len(found) == 1, found
    return found[0]


def check_spans(text: str, found: list[Suggestion]) -> None:
    for s in found:
        assert 0 <= s.start <= s.end <= len(text)
        assert text[s.start : s.end] == s.exact
        assert s.reporting in REPORTING
        for m in (s.speaker, s.via, s.cue):
            if m is not None:
                assert text[m.start : m.end] == m.text
    assert [(s.start, s.end) for s in found] == sorted((s.start, s.end) for s in found)


def test_reporting_values_are_the_models():
    from claims.models import Statement

    assert set(Statement.Reporting.values) >= REPORTING


def test_direct_quote_with_straight_marks_and_speaker_after():
    text = '"We will not seek an escalation," al-Sadr said on Thursday.'
    s = only(text)
    assert s.exact == '"We will not seek an escalation,"'
    assert s.reporting == "direct_quote"
    assert s.speaker.text == "al-Sadr" and s.speaker.actor_id == 1
    assert s.speaker_name == "Muqtada al-Sadr"
    assert s.cue.text == "said"
    check_spans(text, [s])


def test_direct_quote_with_curly_marks_and_inverted_cue():
    text = "“The denials were meant only to save face,” said Saleh al-Ageili."
    s = only(text)
    assert s.exact.startswith("“The denials") and s.exact.endswith("face,”")
    assert s.speaker.text == "Saleh al-Ageili"
    assert s.speaker.actor_id is None and s.speaker_name == "Saleh al-Ageili"


def test_quote_split_by_its_attribution_is_one_suggestion():
    text = '"This is solid leadership," he said. "We will not seek an escalation."'
    found = suggest(text)
    assert len(found) == 1
    assert found[0].start == 0 and found[0].end == len(text)
    assert found[0].cue.text == "said"


def test_quote_over_several_paragraphs():
    text = (
        'Al-Sadr said: "I advise everyone to end the sedition and stop the bloodshed.\n\n'
        '"Let the government and people be one to liberate Iraq of the occupier."\n\n'
        "The offensive went on."
    )
    s = only(text)
    assert s.exact.startswith('"I advise') and s.exact.endswith('occupier."')
    assert s.speaker.actor_id == 1


def test_reported_speech_with_that_and_partial_quote():
    text = 'The prime minister said he was "not consulted" by the lawmakers who went to Najaf.'
    s = only(text)
    assert s.exact == 'he was "not consulted" by the lawmakers who went to Najaf'
    assert s.reporting == "partial_quote"
    assert s.speaker.text == "The prime minister" and s.speaker.actor_id == 2
    text = "Iraqi Prime Minister Nuri al-Maliki said that there were no talks with militias."
    s = only(text)
    assert s.exact == "there were no talks with militias"
    assert s.reporting == "reported"
    assert s.speaker.actor_id == 2 and s.speaker_name == "Nuri al-Maliki"


def test_reporting_verbs_beyond_said():
    for verb in ("told reporters", "added", "denied", "insisted", "warned", "claimed"):
        text = f"Mr. Jones {verb} that the plan would fail within a year."
        s = only(text, ())
        assert s.exact == "the plan would fail within a year", verb
        assert s.speaker.text == "Mr. Jones"


def test_content_before_the_cue():
    s = only("The plan would fail within a year, the senator warned.", ())
    assert s.exact == "The plan would fail within a year"
    assert s.speaker.text == "the senator"


def test_according_to_is_a_paraphrase():
    s = only("The forces held less than a quarter of the city, according to U.S. officials.", ())
    assert s.exact == "The forces held less than a quarter of the city"
    assert s.reporting == "paraphrase"
    assert s.speaker.text == "U.S. officials"
    s = only("According to the report, the forces held less than a quarter of the city.", ())
    assert s.exact == "the forces held less than a quarter of the city"


def test_pronoun_resolves_to_the_nearest_fitting_named_speaker():
    text = (
        "Nuri al-Maliki said the operation was a success. The Iraqi government said it would go "
        'on. "We will not sit quietly," he said.'
    )
    found = suggest(text, ACTORS)
    last = found[-1]
    assert last.speaker.text == "he"
    assert last.speaker.actor_id == 2
    assert last.speaker_name == "Nuri al-Maliki"


def test_surname_and_title_resolve_against_the_register():
    s = only("Mrs. Clinton said the plan would not work.")
    assert s.speaker.actor_id == 4
    s = only("Clinton said the plan would not work.")
    assert s.speaker.actor_id == 4


def test_spokesman_for_x_is_recorded_as_via():
    s = only("A spokesman for the Sadrist parliamentary bloc said the denials were false.")
    assert s.speaker.actor_id == 3
    assert s.via is not None and s.via.text.lower() == "a spokesman"


def test_transcript_turns():
    text = "WALLACE: Will she be there tomorrow night?\n\nPENCE: She will not be attending it."
    found = suggest(text, ())
    assert [s.speaker.text for s in found] == ["WALLACE", "PENCE"]
    assert found[1].exact == "She will not be attending it"


def test_participle_clause_is_a_second_statement_by_the_same_speaker():
    text = (
        '"Unity means prosperity," she said in the Oval Office, adding that it was time to end '
        "the sanctions."
    )
    first, second = suggest(text, ())
    assert first.exact == '"Unity means prosperity,"'
    assert second.exact == "it was time to end the sanctions"
    assert second.cue.text == "adding" and second.speaker.text == "she"


def test_a_second_speaker_in_the_same_sentence():
    text = "Republicans said the meeting went badly, and Democrats said it was a stunt for the cameras."
    first, second = suggest(text, ())
    assert first.exact == "the meeting went badly"
    assert first.speaker.text == "Republicans"
    assert second.exact == "it was a stunt for the cameras"
    assert second.speaker.text == "Democrats"


def test_colon_introduces_a_quote_in_the_next_paragraph():
    text = 'The New York Times reports:\n\n"Just 24 percent of the contributors gave less."'
    s = only(text, ())
    assert s.exact.startswith('"Just 24') and s.speaker.text == "The New York Times"
    assert s.cue.text == ":"


def test_quote_signed_with_a_dash():
    s = only("“Maybe we can build a wall around Donald Trump.” ― Steve Quinlan", ())
    assert s.speaker.text == "Steve Quinlan" and s.cue.text == "―"
    assert s.reporting == "direct_quote"


def test_doubled_apostrophes_are_quotation_marks():
    text = "''This isn't tax reform,'' said Douglas Holtz-Eakin, an economist."
    s = only(text, ())
    assert s.exact == "''This isn't tax reform,''"
    assert s.speaker.text == "Douglas Holtz-Eakin"


def test_object_of_a_verb_of_judgement_with_a_partial_quote():
    s = only("Christie blasted Clinton as a “disgrace” on Wednesday during a radio show.", ())
    assert s.exact == "Clinton as a “disgrace”"
    assert s.reporting == "partial_quote"
    assert s.speaker.text == "Christie"


def test_noun_cue_with_a_possessor():
    s = only("Politifact checked Trump’s claim that there have been thousands of shootings.", ())
    assert s.exact == "there have been thousands of shootings"
    assert s.speaker.text == "Trump’s"


def test_relative_pronoun_speaker_resolves_to_its_antecedent():
    found = suggest("He cited the study, which notes that 58 companies would owe more in taxes.")
    s = [x for x in found if x.cue and x.cue.text == "notes"][0]
    assert s.speaker.text == "which" and s.speaker_name == "study"
    assert s.exact == "58 companies would owe more in taxes"


def test_subject_verb_object_is_suggested_with_a_low_score():
    s = only("Donald Trump attacked Machado in early-morning tweets.", ())
    assert s.exact == "Machado in early-morning tweets" or s.exact == "Machado"
    assert s.speaker.text == "Donald Trump"
    assert s.score < 0.6
    quote = only('"We will not seek an escalation," al-Sadr said on Thursday.')
    assert quote.score > s.score


def test_cue_in_parentheses_inside_the_statement():
    text = "The latest test, North Korea said, was its biggest yet."
    s = only(text, ())
    assert s.exact == "The latest test, North Korea said, was its biggest yet"
    assert s.speaker.text == "North Korea" and s.cue.text == "said"


def test_headline_in_title_case():
    text = (
        "Obama Says Museum Will Tell of ‘Suffering and Delight.’\n\nThe museum opened on Saturday."
    )
    s = only(text, ())
    assert s.exact == "Museum Will Tell of ‘Suffering and Delight.’"
    assert s.speaker.text == "Obama" and s.cue.text == "Says"
    assert s.reporting == "partial_quote"


def test_no_suggestion_without_a_cue_or_quote():
    assert suggest("The offensive sparked fighting in other cities.\n\nIt ended on Sunday.") == []
    assert suggest("") == []


def test_seed_article_finds_the_denial():
    from pathlib import Path

    from claims.demo_data import seed

    text = (Path(seed.__file__).parent / "article.txt").read_text(encoding="utf-8")
    found = suggest(text, ACTORS)
    check_spans(text, found)
    s5 = [s for s in found if "didn't send an envoy" in s.exact]
    assert s5 and s5[0].speaker.actor_id == 2


def test_rank_claims_orders_by_closeness_and_never_forces():
    claims = [
        (1, "The Iraqi government sent envoys to al-Sadr to discuss the Basra offensive."),
        (2, "The Basra offensive was a success."),
        (3, "Shiite lawmakers consulted the prime minister."),
    ]
    ranked = rank_claims("he didn't send an envoy to the Sadrists to discuss the offensive", claims)
    assert ranked[0][0] == 1
    assert all(0 < score <= 1 for _, score in ranked)
    assert [c for c, _ in ranked] == sorted([c for c, _ in ranked], key=lambda c: -dict(ranked)[c])
    assert rank_claims("The weather in Paris was mild.", claims) == []
    assert len(rank_claims("the Basra offensive", claims, limit=1)) == 1


QUOTEY = st.text(
    alphabet=st.sampled_from(list('ab CD."“”‘’\n,:;said told according to he She')),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(QUOTEY)
def test_random_text_never_crashes_and_spans_hold(text):
    check_spans(text, suggest(text, ACTORS))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_any_unicode_text_spans_hold(text):
    check_spans(text, suggest(text))
