"""claims.anchoring: unit tests and hypothesis property tests over hostile text."""

from __future__ import annotations

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
    result = anchoring.reanchor(new, [("keep", keep), ("gone", gone)])
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
    start, end = data.draw(spans(text))
    anchor = anchoring.make_anchor(text, start, end)
    assume(text.count(anchor.exact) == 1)
    insert = anchoring.normalize_text(
        data.draw(st.sampled_from(PIECES)) * data.draw(st.integers(1, 5))
    )
    at = data.draw(st.sampled_from([i for i in range(len(text) + 1) if i <= start or i >= end]))
    new = text[:at] + insert + text[at:]
    assume(anchoring.normalize_text(new) == new)  # the insertion did not merge characters
    assume(new.count(anchor.exact) == 1)
    result = anchoring.reanchor(new, [("k", anchor)])
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
    result = anchoring.reanchor(new, [("k", anchor)])
    assert result.lost == ["k"]
    assert result.placed == {}


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
