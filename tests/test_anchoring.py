"""claims.anchoring: unit tests and hypothesis property tests over hostile text."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from claims import anchoring
from claims.anchoring import AnchorError, TextError

# Pieces that break naive offset code: astral emoji (two UTF-16 units), emoji
# with skin-tone modifiers and ZWJ sequences, combining marks, Arabic and
# Hebrew (RTL) with directional marks, zero-width characters, CRLF and CR.
PIECES = [
    "a", "b", "Z", " ", ".", "\n", "\r\n", "\r", "\t",
    "é", "e\u0301", "n\u0303", "\u0301",  # precomposed, decomposed, a lone combining mark
    "😀", "👍🏽", "👩‍👩‍👧", "𝒳", "🇮🇶",  # astral chars, modifier, ZWJ sequence, flag
    "مرحبا", "السلام", "שלום", "\u200f", "\u200e",  # RTL scripts and marks
    "\u200b", "\u200c", "\u200d", "\ufeff",  # zero-width space/non-joiner/joiner, BOM
    "日本", "ß", "ﬁ",
]  # fmt: skip

raw_texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join)
texts = raw_texts.map(anchoring.normalize_text).filter(bool)


def spans(text: str):
    n = len(text)
    return st.tuples(st.integers(0, n - 1), st.integers(1, n)).filter(lambda p: p[0] < p[1])


# --- normalising and decoding ------------------------------------------------


def test_normalize_text_makes_nfc_and_lf_without_stripping():
    raw = "  Cafe\u0301\r\nline two\rline three\n  "
    assert anchoring.normalize_text(raw) == "  Café\nline two\nline three\n  "


@pytest.mark.parametrize("raw", ["a\x00b", "\x00"])
def test_normalize_text_refuses_nul(raw):
    with pytest.raises(TextError, match="NUL"):
        anchoring.normalize_text(raw)


def test_decode_text_utf8_with_and_without_bom_and_utf16():
    assert anchoring.decode_text("Zoë 😀".encode()) == "Zoë 😀"
    assert anchoring.decode_text(b"\xef\xbb\xbfhello") == "hello"
    assert anchoring.decode_text("مرحبا 😀".encode("utf-16")) == "مرحبا 😀"


def test_decode_text_refuses_undecodable_bytes_with_position():
    with pytest.raises(TextError, match="position 3"):
        anchoring.decode_text(b"abc\xff\xfedef")


def test_decode_text_refuses_nul_bytes():
    with pytest.raises(TextError, match="NUL"):
        anchoring.decode_text(b"abc\x00def")


@given(raw_texts)
def test_normalize_text_is_idempotent_and_has_no_cr(raw):
    once = anchoring.normalize_text(raw)
    assert anchoring.normalize_text(once) == once
    assert "\r" not in once
    assert unicodedata.is_normalized("NFC", once)


# --- UTF-16 <-> code points --------------------------------------------------------


def test_utf16_offsets_of_astral_characters():
    text = "a😀b"
    assert [anchoring.cp_to_utf16(text, i) for i in range(4)] == [0, 1, 3, 4]
    assert anchoring.utf16_to_cp(text, 3) == 2
    with pytest.raises(AnchorError, match="surrogate pair"):
        anchoring.utf16_to_cp(text, 2)
    with pytest.raises(AnchorError, match="outside the text"):
        anchoring.utf16_to_cp(text, 5)
    with pytest.raises(AnchorError, match="outside the text"):
        anchoring.cp_to_utf16(text, -1)


@given(raw_texts, st.data())
def test_utf16_round_trip_never_shifts_an_offset(text, data):
    i = data.draw(st.integers(0, len(text)))
    u = anchoring.cp_to_utf16(text, i)
    assert anchoring.utf16_to_cp(text, u) == i
    # and it agrees with how a browser (UTF-16) measures the same prefix
    assert u == len(text[:i].encode("utf-16-le")) // 2


@given(texts, st.data())
def test_resolve_of_a_browser_selection_returns_exactly_the_selected_code_points(text, data):
    start, end = data.draw(spans(text))
    exact = text[start:end]
    # the browser reports UTF-16 offsets and the selected string
    u_start, u_end = anchoring.cp_to_utf16(text, start), anchoring.cp_to_utf16(text, end)
    anchor = anchoring.resolve(text, exact=exact, start=u_start, end=u_end, utf16=True)
    assert (anchor.start, anchor.end, anchor.exact) == (start, end, exact)
    assert text[anchor.start : anchor.end] == exact
    assert anchor.prefix == text[max(0, start - anchoring.CONTEXT) : start]
    assert anchor.suffix == text[end : end + anchoring.CONTEXT]


def test_resolve_with_stale_offsets_finds_the_quote_by_context():
    text = "He said yes. She said no. He said yes again."
    anchor = anchoring.resolve(
        text, exact="He said yes", start=30, end=41, prefix="no. ", suffix=" again"
    )
    assert (anchor.start, anchor.end) == (26, 37)


def test_resolve_refuses_a_quote_that_is_not_in_the_text():
    with pytest.raises(AnchorError, match="does not occur"):
        anchoring.resolve("some text", exact="other", start=0, end=5)
    with pytest.raises(AnchorError, match="empty"):
        anchoring.resolve("some text", exact="", start=0, end=0)


# --- finding the right occurrence ---------------------------------------------------

SEED_LIKE = (
    "Story Highlights\n- Iraqi PM says there were no government negotiations with Shiite "
    "militias\n\nIraqi Prime Minister Nuri al-Maliki said there were no government "
    "negotiations with Shiite militias and emphasized that he didn't send an envoy."
)
S4 = "there were no government negotiations with Shiite militias"


def test_find_quote_picks_the_body_occurrence_by_its_prefix():
    body = SEED_LIKE.rindex(S4)
    anchor = anchoring.find_quote(SEED_LIKE, S4, prefix="Nuri al-Maliki said ")
    assert anchor.start == body
    anchor = anchoring.find_quote(SEED_LIKE, S4, suffix=" and emphasized")
    assert anchor.start == body
    highlight = SEED_LIKE.index(S4)
    assert anchoring.find_quote(SEED_LIKE, S4, prefix="PM says ").start == highlight


def test_find_quote_refuses_to_guess_between_equal_occurrences():
    with pytest.raises(AnchorError, match="occurs 2 times"):
        anchoring.find_quote("yes and yes", "yes")
    # a position hint breaks the tie
    assert anchoring.find_quote("yes and yes", "yes", hint=7).start == 8


@given(
    st.text(alphabet="xyz .", min_size=1, max_size=12),
    st.sampled_from(["QQ😀", "ض‍ق", "e\u0301!"]),
    st.lists(st.sampled_from(PIECES), min_size=3, max_size=10).map("".join),
    st.lists(st.sampled_from(PIECES), min_size=3, max_size=10).map("".join),
)
def test_find_quote_picks_the_occurrence_whose_context_matches(filler, quote, ctx_a, ctx_b):
    quote = anchoring.normalize_text(quote)
    ctx_a, ctx_b = anchoring.normalize_text(ctx_a), anchoring.normalize_text(ctx_b)
    text = "<" + ctx_a + quote + ">" + filler + "[" + ctx_b + quote + "]"
    assume(text.count(quote) == 2 and ctx_a != ctx_b)
    first, second = anchoring.occurrences(text, quote)
    got = anchoring.find_quote(text, quote, prefix="<" + ctx_a, suffix=">")
    assert got.start == first
    got = anchoring.find_quote(text, quote, prefix="[" + ctx_b, suffix="]")
    assert got.start == second


# --- verify ----------------------------------------------------------------------------


def test_verify_says_what_the_text_says_there():
    with pytest.raises(AnchorError, match="the text there reads “said no”"):
        anchoring.verify("He said no.", 3, 10, "said yes")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (-1, 3, "negative"),
        (5, 5, "empty or reversed"),
        (6, 2, "empty or reversed"),
        (0, 99, "past"),
    ],
)
def test_verify_refuses_bad_spans(start, end, message):
    with pytest.raises(AnchorError, match=message):
        anchoring.verify("He said no.", start, end, "x")


# --- re-anchoring ------------------------------------------------------------------------


def test_reanchor_keeps_spans_after_an_insertion_before_them_and_reports_removed_quotes():
    old = "Intro. The minister said the bridge was safe. Critics disagreed."
    keep = anchoring.make_anchor(old, old.index("the bridge"), old.index(" was safe"))
    gone = anchoring.make_anchor(old, old.index("Critics"), old.index(" disagreed"))
    new = "A new first paragraph 😀.\n\n" + old.replace("Critics", "Others")
    result = anchoring.reanchor(new, [("keep", keep), ("gone", gone)], old_text=old)
    assert result.lost == ["gone"]
    placed = result.placed["keep"]
    assert new[placed.start : placed.end] == "the bridge"
    assert placed.start == keep.start + len("A new first paragraph 😀.\n\n")


def test_reanchor_uses_context_for_a_repeated_quote():
    old = "A said yes. B said no. C said yes."
    second_yes = anchoring.make_anchor(old, old.rindex("said yes"), len(old) - 1)
    new = "Intro. " + old
    placed = anchoring.reanchor(new, [(1, second_yes)]).placed[1]
    assert placed.start == new.rindex("said yes")


@given(texts, st.data())
def test_reanchor_keeps_a_unique_quote_after_an_insertion_elsewhere(text, data):
    # a statement's context is part of its anchor: an edit next to it flags it for an
    # editor (see the strict tests below), so the insertion goes beyond its context
    pad = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
    text = pad + text + " " + pad
    start, end = data.draw(spans(text[len(pad) : -len(pad) - 1]))
    start, end = start + len(pad), end + len(pad)
    anchor = anchoring.make_anchor(text, start, end)
    assume(text.count(anchor.exact) == 1)
    insert = anchoring.normalize_text(
        data.draw(st.sampled_from(PIECES)) * data.draw(st.integers(1, 5))
    )
    far = anchoring.CONTEXT
    at = data.draw(
        st.sampled_from([i for i in range(len(text) + 1) if i <= start - far or i >= end + far])
    )
    new = text[:at] + insert + text[at:]
    assume(anchoring.normalize_text(new) == new)  # the insertion did not merge characters
    assume(new.count(anchor.exact) == 1)
    result = anchoring.reanchor(new, [("k", anchor)], old_text=text)
    assert result.lost == []
    placed = result.placed["k"]
    shift = len(insert) if at <= start else 0
    assert (placed.start, placed.end) == (start + shift, end + shift)
    assert new[placed.start : placed.end] == anchor.exact


@given(texts, st.data())
def test_reanchor_reports_a_quote_that_was_removed(text, data):
    start, end = data.draw(spans(text))
    anchor = anchoring.make_anchor(text, start, end)
    new = text[:start] + text[end:]
    assume(anchor.exact not in new)
    result = anchoring.reanchor(new, [("k", anchor)], old_text=text)
    assert result.lost == ["k"]
    assert result.placed == {}


def test_reanchor_never_moves_a_statement_onto_someone_elses_words():
    """Issue 7.1: Sadr's "yes" must not land on Maliki's when Sadr's sentence is cut."""
    old = "Maliki said yes to the talks. Later, Sadr said yes too, and left."
    new = "Maliki said yes to the talks. Later, everyone left."
    sadr = anchoring.make_anchor(old, old.rindex("yes"), old.rindex("yes") + 3)
    maliki = anchoring.make_anchor(old, old.index("yes"), old.index("yes") + 3)
    for kwargs in ({"old_text": old}, {}):
        result = anchoring.reanchor(new, [("sadr", sadr), ("maliki", maliki)], **kwargs)
        assert result.lost == ["sadr"]
        assert (result.placed["maliki"].start, result.placed["maliki"].end) == (12, 15)


def test_reanchor_follows_a_typo_fix_near_a_repeated_quote():
    old = "Teh minister told reporters the bridge was safe; Critics said the bridge was not."
    new = old.replace("Teh", "The")
    first = anchoring.make_anchor(old, old.index("bridge was"), old.index("bridge was") + 10)
    result = anchoring.reanchor(new, [("k", first)], old_text=old)
    assert result.placed["k"].start == new.index("bridge was")
    # right next to the quote, the same fix flags it for an editor instead
    close = old.replace("Teh minister told reporters the", "The minister said teh")
    first = anchoring.make_anchor(close, close.index("bridge"), close.index("bridge") + 10)
    fixed = close.replace("teh", "the")
    assert anchoring.reanchor(fixed, [("k", first)], old_text=close).lost == ["k"]


# Real-looking text: a few speakers saying the same short words, so that every quote
# has look-alikes elsewhere, and edits that cut, retype and duplicate sentences.
NAMES = ["Maliki", "Sadr", "al-Ageili", "the spokesman", "U.S. officials", "Petraeus"]
VERBS = ["said", "told reporters", "denied", "added", "insisted"]
CLAUSES = [
    "yes",
    "no envoy was sent",
    "the talks were over",
    "the government sent envoys to Najaf",
    "it was only to save face",
    "yes, the talks were over",
]


@st.composite
def articles(draw):
    sentences = draw(
        st.lists(
            st.tuples(st.sampled_from(NAMES), st.sampled_from(VERBS), st.sampled_from(CLAUSES)),
            min_size=3,
            max_size=14,
        )
    )
    breaks = draw(st.lists(st.sampled_from([" ", " ", "\n\n"]), min_size=len(sentences)))
    # numbered, so that no two sentences are the same: a cut then says which one went
    return "".join(
        f"{who} {verb} {what} on day {n}.{sep}"
        for n, ((who, verb, what), sep) in enumerate(zip(sentences, breaks))
    ).strip()


@st.composite
def edits(draw, text: str):
    """Typo-style edits and cut sentences: a list of (char, index in the old text, or
    None for a typed character)."""
    chars = [(c, i) for i, c in enumerate(text)]
    for _ in range(draw(st.integers(1, 6))):
        if not chars:
            break
        kind = draw(st.sampled_from(["typo", "insert", "delete", "cut", "reword"]))
        at = draw(st.integers(0, len(chars) - 1))
        if kind == "typo":
            chars[at] = (draw(st.sampled_from("xqz,")), None)
        elif kind == "insert":
            chars[at:at] = [(c, None) for c in draw(st.sampled_from(["a", " the", "ly", "\n"]))]
        elif kind == "delete":
            del chars[at]
        else:
            here = "".join(c for c, _ in chars)
            begin = here.rfind(". ", 0, at) + 2 if here.rfind(". ", 0, at) != -1 else 0
            stop = here.find(". ", at)
            stop = len(chars) if stop == -1 else stop + 2
            if kind == "cut":
                del chars[begin:stop]
            else:  # the sentence's end rewritten, as in "Later, Sadr said yes" -> "Later, everyone left"
                chars[at:stop] = [(c, None) for c in "everyone left. "]
    return chars


def _speakers(text: str) -> list[str]:
    """The speaker of each character's sentence."""
    who = []
    for m in re.finditer(r"[^.]*\.\s*|[^.]+$", text):
        name = next((n for n in NAMES if m.group().lstrip().startswith(n)), "?")
        who.extend([name] * len(m.group()))
    return who


def _truth(chars, start: int, end: int) -> int | None:
    """Where old[start:end] now is, if the edits left it whole; else None."""
    origins = [i for _, i in chars]
    if start not in origins:
        return None
    at = origins.index(start)
    if origins[at : at + end - start] == list(range(start, end)):
        return at
    return None


@given(articles(), st.data())
@settings(max_examples=300, deadline=None)
def test_reanchor_after_random_edits_of_real_looking_text_never_places_wrongly(text, data):
    """Issue 7.1: after random edits, a quote is placed where the edit carried it or
    reported lost; never on another speaker's words. (The same speaker's identical
    sentence is the same words by the same person: no diff can tell those apart.)"""
    words = [m.span() for m in re.finditer(r"\w+(?:[ ,]+\w+){0,3}", text)]
    chosen = data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=8, unique=True))
    anchors = [(i, anchoring.make_anchor(text, s, e)) for i, (s, e) in enumerate(chosen)]
    chars = data.draw(edits(text))
    new = "".join(c for c, _ in chars)
    result = anchoring.reanchor(new, anchors, old_text=text)
    assert set(result.placed) | set(result.lost) == {i for i, _ in anchors}
    old_speaker = _speakers(text)
    origins = [i for _, i in chars]
    for key, anchor in anchors:
        if key not in result.placed:
            continue
        placed = result.placed[key]
        assert new[placed.start : placed.end] == anchor.exact
        truth = _truth(chars, anchor.start, anchor.end)
        if placed.start == truth:
            continue
        came_from = origins[placed.start : placed.end]
        assert None not in came_from, f"{anchor.exact!r} placed on typed text"
        assert {old_speaker[i] for i in came_from} == {old_speaker[anchor.start]}, (
            f"{anchor.exact!r} of {old_speaker[anchor.start]} moved onto "
            f"{old_speaker[came_from[0]]}'s words"
        )


def test_reanchor_places_what_the_edit_left_whole():
    """The strictness does not lose what it may keep: every quote whose neighbourhood
    the edit did not touch is placed; the one retyped and its close neighbours are not."""
    text = " ".join(f"{n} said {c}." for n in NAMES for c in CLAUSES[:3])
    spans = [m.span() for m in re.finditer(r"said [^.]+", text)]
    anchors = [(i, anchoring.make_anchor(text, s, e)) for i, (s, e) in enumerate(spans)]
    at = text.index("Sadr said yes.") + len("Sadr sa")
    new = "Correction: " + text[:at] + "y" + text[at + 1 :]  # "said" -> "sayd"
    result = anchoring.reanchor(new, anchors, old_text=text)
    near = anchoring.NEAR
    word = (at - len("sa"), at + len("id"))  # the diff works on words: "said" changed
    touched = {i for i, (s, e) in enumerate(spans) if s - near < word[1] and word[0] < e + near}
    assert set(result.lost) == touched
    assert len(touched) <= 2
    for i, (s, e) in enumerate(spans):
        if i not in touched:
            assert result.placed[i].start == s + len("Correction: ")


# --- segments --------------------------------------------------------------------------


def test_segments_of_overlapping_spans():
    text = "abcdefgh"
    segs = anchoring.segments(text, [(1, 5, "s1"), (3, 7, "s2"), (3, 5, "s3")])
    assert [(s.text, s.keys) for s in segs] == [
        ("a", ()),
        ("bc", ("s1",)),
        ("de", ("s1", "s2", "s3")),
        ("fg", ("s2",)),
        ("h", ()),
    ]


@given(texts, st.data())
@settings(max_examples=200)
def test_segments_concatenate_to_the_text_and_cover_each_span_exactly(text, data):
    chosen = data.draw(st.lists(spans(text), max_size=8))
    segs = anchoring.segments(text, [(s, e, i) for i, (s, e) in enumerate(chosen)])
    assert "".join(seg.text for seg in segs) == text
    assert all(seg.text == text[seg.start : seg.end] and seg.start < seg.end for seg in segs)
    assert [seg.start for seg in segs[1:]] == [seg.end for seg in segs[:-1]]
    for i, (s, e) in enumerate(chosen):
        covered = [seg for seg in segs if i in seg.keys]
        assert covered[0].start == s and covered[-1].end == e
        assert [c.start for c in covered[1:]] == [c.end for c in covered[:-1]]  # contiguous
        assert "".join(c.text for c in covered) == text[s:e]


def test_utf16_offsets_become_code_points_at_every_position():
    # only the text up to the offset is encoded: every offset, with and without astral
    # characters, is what the whole text's encoding says it is
    text = "a👍🏽b é\u0301 “قال” 𝄞z"
    encoded = text.encode("utf-16-le")
    for offset in range(len(encoded) // 2 + 1):
        head = encoded[: offset * 2]
        if head and 0xD8 <= head[-1] <= 0xDB:
            with pytest.raises(anchoring.AnchorError, match="inside a character"):
                anchoring.utf16_to_cp(text, offset)
        else:
            assert anchoring.utf16_to_cp(text, offset) == len(head.decode("utf-16-le"))
    for outside in (-1, len(encoded) // 2 + 1):
        with pytest.raises(anchoring.AnchorError, match="outside the text"):
            anchoring.utf16_to_cp(text, outside)
