"""Scoring suggestions against gold (claims.suggest.scoring) on tiny hand-made gold sets."""

from __future__ import annotations

import pytest

from claims.suggest.scoring import Gold, Guess, match, read_brat, score

TEXT = 'Smith said the plan failed. "It is over," Jones said. Brown said nothing much at all.'


def g(s, e, src=()):
    return Gold(s, e, TEXT[s:e], tuple(src))


def q(s, e, speaker=None):
    return Guess(s, e, TEXT[s:e], speaker)


def test_exact_matches_give_full_precision_and_recall():
    gold = [g(11, 26, [(0, 5)]), g(28, 40, [(42, 47)])]
    res = score(gold, [q(11, 26, (0, 5)), q(28, 40, (42, 47))])
    f = res.figures()
    assert (f["p03"], f["r03"], f["f03"]) == (1.0, 1.0, 1.0)
    assert (f["p08"], f["r08"]) == (1.0, 1.0)
    assert f["speaker_acc"] == 1.0
    assert (f["quoted_p03"], f["quoted_r03"]) == (1.0, 1.0)
    assert f["gold"] == 2 and f["suggested"] == 2 and f["articles"] == 1


def test_threshold_is_a_share_of_the_longer_span():
    gold = [g(0, 100)]
    assert match(gold, [Guess(0, 50, "")], 0.3) == [(0, 0)]
    assert match(gold, [Guess(0, 50, "")], 0.8) == []
    assert match(gold, [Guess(0, 29, "")], 0.3) == []
    # a suggestion much longer than the gold fails the same way
    assert match([g(0, 10)], [Guess(0, 40, "")], 0.3) == []


def test_one_to_one_matching_and_known_precision_recall():
    gold = [g(11, 26), g(28, 40), g(54, 60)]
    guesses = [q(11, 26), q(12, 25), q(70, 80)]  # two on the same gold, one on nothing
    res = score(gold, guesses)
    f = res.figures()
    assert f["p03"] == pytest.approx(1 / 3, abs=1e-3)
    assert f["r03"] == pytest.approx(1 / 3, abs=1e-3)
    assert f["f03"] == pytest.approx(1 / 3, abs=1e-3)


def test_greedy_keeps_the_best_overlap():
    gold = [Gold(0, 10, ""), Gold(10, 20, "")]
    guesses = [Guess(8, 20, ""), Guess(0, 10, "")]
    assert sorted(match(gold, guesses, 0.3)) == [(0, 1), (1, 0)]


def test_speaker_accuracy_counts_only_matched_pairs_with_a_source():
    gold = [g(11, 26, [(0, 5)]), g(28, 40, [(42, 47)]), g(54, 60)]
    guesses = [q(11, 26, (0, 5)), q(28, 40, (0, 5)), q(54, 60, None)]
    res = score(gold, guesses)
    assert res.speaker_pairs == 2 and res.speaker_right == 1
    assert res.figures()["speaker_acc"] == 0.5


def test_speaker_by_actor_id_when_gold_names_actors():
    gold = [Gold(0, 10, "x" * 10, (), frozenset({3, 4}))]
    assert score(gold, [Guess(0, 10, "", None, 4)]).speaker_acc == 1.0
    assert score(gold, [Guess(0, 10, "", None, 5)]).speaker_acc == 0.0


def test_quoted_subset_uses_marks_in_gold_and_in_suggestions():
    gold = [g(28, 40), g(11, 26)]  # only the first holds a quotation mark
    res = score(gold, [q(28, 40), q(11, 26), q(54, 60)])
    assert res.quoted03.gold == 1 and res.quoted03.suggested == 1
    assert res.quoted03.precision == 1.0 and res.quoted03.recall == 1.0


def test_empty_sets_score_zero_not_crash():
    f = score([], []).figures()
    assert f["p03"] == 0.0 and f["r03"] == 0.0 and f["speaker_acc"] == 0.0


def test_read_brat_joins_events_and_takes_the_hull_of_discontinuous_content():
    text = '"One," he said. "Two."'
    ann = (
        "T1\tSource 8 10\the\n"
        "T2\tCue 11 15\tsaid\n"
        'T3\tContent 0 6;16 22\t"One," "Two."\n'
        "T4\tAttribution 11 15\tsaid\n"
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
        'T5\tContent 0 3\t"On\n'
        "E2\tAttribution-no-source:T4 Content:T5 Cue:T2\n"
        "E3\tAttribution:T4 Cue:T2\n"
    )
    gold = read_brat(ann, text)
    assert [(x.start, x.end) for x in gold] == [(0, 22), (0, 3)]
    assert gold[0].source == ((8, 10),) and gold[1].source == ()
    assert gold[0].quoted
