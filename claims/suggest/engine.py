"""Finding suggested statements: quotes and reported speech with their speaker and cue.

The text is cut into blocks (paragraphs, joined when a quote runs over them) and sentence units
(never split inside a quote). In each unit the reporting cues outside quotes are tried in order,
with these shapes (Q = quote, S = speaker, C = cue, X = content):

- ``"Q," S C ...`` / ``"Q," C S`` (and a split quote ``"Q1," he said. "Q2."``): direct quote
- ``S C: "Q"`` / ``S C, "Q"``: direct quote
- ``S C (that) X``: reported speech, a partial quote when X holds a quotation
- ``X, S C.`` / ``X, C S.`` / ``X, according to S.`` / ``According to S, X``
- ``NAME: X`` at the start of a paragraph (transcripts, headlines)

A quote standing alone (no cue in its unit) continues the last speaker of the paragraph before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import cues as C
from . import quotes as Q
from .speakers import DETERMINERS, NP, PRONOUNS, Resolver, left_np, right_np, split_via, tokens
from .types import (
    DIRECT_QUOTE,
    PARAPHRASE,
    PARTIAL_QUOTE,
    REPORTED,
    ActorEntry,
    Mention,
    Suggestion,
)

_TRAIL = " \t\n.,;:!?…—–-"
_LEAD = " \t\n,;:—–-"
# Words after a cue that are adjuncts, not content ("said Thursday", "said in a statement").
_ADJUNCT_RE = re.compile(
    r"\s*(?:(?:on |last |this |late |early )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday|today|yesterday|tonight|earlier|later|recently|previously|again|also|"
    r"repeatedly|once|then|now|week|month|year|morning|afternoon|evening|night)\b(?![’'-])"
    r",?\s*)+",
)
_THAT_RE = re.compile(r"\s*\bthat\b")
_CONJ_RE = re.compile(
    r",?\s+(?:and|but)\s+(?:(?:\w+ly|also|then|has|have|had|later|would|will)\s+){0,2}"
)
_AND_AUX_RE = re.compile(
    r"\s(?:and|but)\s+(?:(?:\w+ly|also|then|has|have|had|later|would|will)\s+){0,2}$"
)
_MIN_WORDS = 3


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _LEAD:
        s += 1
    while e > s and text[e - 1] in _TRAIL:
        e -= 1
    return s, e


def _words(text: str, s: int, e: int) -> int:
    return len(re.findall(r"\w+", text[s:e]))


def _has_quote(text: str, s: int, e: int) -> bool:
    return Q.has_mark(text, s, e)


def _reporting(text: str, s: int, e: int, quotes: list[Q.Quote], lemma: str) -> str:
    inside = [q for q in quotes if q.start >= s - 1 and q.end <= e + 1]
    if inside:
        quoted = sum(min(q.end, e) - max(q.start, s) for q in inside)
        return DIRECT_QUOTE if quoted >= 0.85 * (e - s) else PARTIAL_QUOTE
    return PARAPHRASE if lemma == C.ACCORDING_TO else REPORTED


class _Finder:
    def __init__(self, text: str, actors: Sequence[ActorEntry]):
        self.text = text
        self.resolver = Resolver(actors)
        self.out: list[Suggestion] = []
        self.last: tuple[Mention, str] | None = None
        self.last_block = -1
        self.quotes: list[Q.Quote] = []
        self.pending: tuple[NP, int, int] | None = None
        self.unit_start = 0

    # -- building a suggestion -------------------------------------------------------------
    def add(
        self,
        s: int,
        e: int,
        reporting: str,
        np: NP | None,
        cue: tuple[int, int] | None,
        score: float,
        block: int,
        min_words: int = _MIN_WORDS,
        remember: bool = True,
    ) -> bool:
        text = self.text
        s, e = _strip(text, s, e)
        # keep closing quotation marks and a full stop inside a quote
        while (
            e < len(text)
            and text[e - 1 : e] not in Q.QUOTE_CHARS
            and e - s > 0
            and text[e] in Q.CLOSING + Q.STRAIGHT
            and text[e - 1] in ".,!?"
        ):
            e += 1
        if e - s <= 0 or _words(text, s, e) < min_words:
            return False
        speaker = via = None
        name = ""
        if np is not None:
            np, via_np = split_via(text, np)
            speaker, name = self.resolver.mention(text, np, remember)
            if via_np is not None:
                via = Mention(via_np.start, via_np.end, via_np.text)
            if remember or self.last is None:
                self.last = (speaker, name)
                self.last_block = block
        cue_m = Mention(cue[0], cue[1], text[cue[0] : cue[1]]) if cue else None
        self.out.append(
            Suggestion(s, e, text[s:e], reporting, speaker, name, via, cue_m, round(score, 2))
        )
        return True

    def replace_last(self, e: int) -> bool:
        """Cut the last suggestion at ``e`` (a participle clause of its own follows there)."""
        last = self.out[-1]
        s, e = _strip(self.text, last.start, e)
        if _words(self.text, s, e) < _MIN_WORDS:
            return False
        self.out[-1] = Suggestion(
            s,
            e,
            self.text[s:e],
            last.reporting,
            last.speaker,
            last.speaker_name,
            last.via,
            last.cue,
            last.score,
        )
        return True

    # -- the shapes ----------------------------------------------------------------------------
    def unit(self, us: int, ue: int, quotes: list[Q.Quote], block: int, following: list) -> int:
        """Suggestions for one unit; returns how many following units it consumed."""
        text = self.text
        local = [q for q in quotes if q.start < ue and q.end > us]
        self.unit_start = us
        self._remember_subject(us, ue)
        pending = self.pending if self.pending and self.pending[2] < block else None
        pos = us  # content of a later cue starts after the previous content
        found = 0
        consumed = 0
        for cs, ce, lemma in C.cues(text, us, ue):
            if Q.inside_quote(cs, local):
                continue
            if lemma in C.PARTICIPLES:
                if text[us:cs].rstrip().endswith((",", "—", "–")):
                    if self._participle(us, ue, cs, ce, lemma, local, block, found):
                        found += 1
                        pos = self.out[-1].end
                    continue
                lemma = C.FORM_TO_LEMMA.get(lemma, lemma)  # "is saying that": a verb
            if cs < pos and lemma == C.ACCORDING_TO:
                src = right_np(text, ce, ue, any_phrase=True)
                if src is not None:
                    self.resolver.mention(text, src)  # a candidate for later pronouns
            if cs < pos:
                if found and (
                    self._conjoined(us, ue, cs, ce, lemma, local, block)
                    or self._new_clause(us, ue, cs, ce, lemma, local, block, following)
                ):
                    pos = self.out[-1].end
                continue
            got = self._try(pos, ue, cs, ce, lemma, local, block, following)
            if got is not None:
                found += 1
                consumed = max(consumed, got)
                pos = max(self.out[-1].end, ce)
        if pending is not None:
            self.pending = None
            np, colon, pblock = pending
            lead = [q for q in local if q.start <= us + 1]
            if not found and lead and pblock == block - 1:
                end = max(q.end for q in local)
                found = self.add(
                    lead[0].start,
                    end,
                    DIRECT_QUOTE,
                    np,
                    (colon, colon + 1),
                    0.6,
                    block,
                    min_words=1,
                )
        if not found:
            self._continuation(us, ue, local, block)
        self._quoted_verbs(us, ue, local, block)
        if not found and not any(x.start < ue and x.end > us for x in self.out[-3:]):
            self._subject_verb(us, ue, local, block)
        return consumed

    def _subject_verb(self, us: int, ue: int, local: list[Q.Quote], block: int) -> None:
        """'Trump attacked Machado in tweets': a named subject, a verb in the past or present
        tense and its object. PolNeAR counts these as attributions (of acts of speech or
        stance); the score is low, so a researcher can tell them from quotes."""
        text = self.text
        start = us
        lead = _LEAD_RE.match(text, us, min(ue, us + 100))
        if lead:
            start = lead.end()  # "In a speech on Friday, Clinton laid out her proposals"
        np = right_np(text, start, min(ue, start + 100))
        if np is None or np.text.lower() in DETERMINERS:
            return
        if not (np.text[:1].isupper() or np.text.lower() in PRONOUNS):
            return
        if np.text.endswith(("'s", "’s", "'", "’")):
            return  # "Trump's comments ...": the possessor is not the subject
        m = _SV_RE.match(text, np.end)
        if not m or m.group(1) in C.NOT_VERBS:
            return
        rest = m.end()
        end = _clause_end(text, us, ue, rest, local, "call")
        if _words(text, rest, end) < 2:
            return
        rep = _reporting(text, *_strip(text, rest, end), local, "")
        self.add(rest, end, rep, np, (m.start(1), m.end(1)), 0.3, block, min_words=2)

    def _quoted_verbs(self, us: int, ue: int, local: list[Q.Quote], block: int) -> None:
        """A quotation no cue accounted for, after a verb with a subject: 'Christie blasted
        Clinton as a “disgrace”', 'Trump boasted, “That makes me smart.”'."""
        text = self.text
        taken = [(x.start, x.end) for x in self.out if x.start < ue and x.end > us]
        for q in local:
            if q.start < us or any(a <= q.start < b or a < q.end <= b for a, b in taken):
                continue
            if _words(text, *q.inner) < 1:
                continue
            verb = _verb_before(text, max(us, q.start - 90), q.start, local)
            if verb is None:
                continue
            vs, ve = verb
            if text[vs:ve].endswith("ing") and text[us:vs].rstrip().endswith(","):
                np = right_np(text, us, vs)
            else:
                np = left_np(text, us, vs)
            if np is None or np.start < us:
                continue
            if re.fullmatch(r"[\s,:]*", text[ve : q.start]):
                s, end, rep = q.start, q.end, DIRECT_QUOTE
                after = [x for x in local if x.start >= q.end]
                if after and _words(text, q.end, after[-1].start) <= 3:
                    end = after[-1].end
                if _words(text, end, ue) >= 3:
                    end, rep = _clause_end(text, us, ue, end, local, "call"), PARTIAL_QUOTE
            else:
                s = ve
                end = _clause_end(text, us, ue, q.end, local, "call")
                rep = PARTIAL_QUOTE
            if self.add(s, end, rep, np, verb, 0.45, block, min_words=1):
                taken.append((self.out[-1].start, self.out[-1].end))

    def _remember_subject(self, us: int, ue: int) -> None:
        """A named subject at the start of a sentence is a candidate for later pronouns."""
        dateline = _DATELINE_RE.match(self.text, us, ue)
        if dateline:
            us = dateline.end()  # "BAGHDAD, Iraq (CNN) -- Shiite cleric Muqtada al-Sadr ..."
        np = right_np(self.text, us, min(ue, us + 120))
        if np is None or np.text.lower() in PRONOUNS or not np.text[:1].isupper():
            return
        if np.text.split()[0].lower() in DETERMINERS:
            return
        self.resolver.mention(self.text, np)

    def _conjoined(self, us, ue, cs, ce, lemma, local, block) -> bool:
        """'X said A and warned that B': the second cue's content is its own statement."""
        text = self.text
        m = _CONJ_RE.search(text, max(us, cs - 30), cs)
        last = self.out[-1]
        if not m or m.end() != cs or not last.start < m.start() < last.end or not last.speaker:
            return False
        if lemma not in C.PROPOSITION_VERBS and lemma not in C.OBJECT_CONTENT:
            return False
        rest = self._content_start(ce, ue, lemma)
        if _words(text, rest, ue) < _MIN_WORDS or not self.replace_last(m.start()):
            return False
        sp = last.speaker
        rep = _reporting(text, *_strip(text, rest, ue), local, lemma)
        np = NP(sp.start, sp.end, sp.text)
        return self.add(rest, ue, rep, np, (cs, ce), 0.6, block, remember=False)

    def _new_clause(self, us, ue, cs, ce, lemma, local, block, following) -> bool:
        """'A said X, and B said Y' / 'A said X; B said Y': a second speaker in the sentence."""
        text = self.text
        last = self.out[-1]
        np = left_np(text, last.start, cs)
        if np is None:
            return False
        m = re.search(r"(?:,?\s+(?:and|but|while|whereas)|[;:—–])\s*$", text[last.start : np.start])
        if not m:
            return False
        cut = last.start + m.start()
        if not last.start < cut < last.end:
            return False
        saved = self.out[-1]
        if not self.replace_last(cut):
            return False
        if self._try(np.start, ue, cs, ce, lemma, local, block, following) is None:
            self.out[-1] = saved
            return False
        return True

    def _content_start(self, ce, ue, lemma) -> int:
        text = self.text
        rest = ce
        adj = _ADJUNCT_RE.match(text, rest)
        if adj and adj.end() > rest:
            rest = adj.end()
        that = _THAT_RE.match(text, rest)
        if that:
            return that.end()
        if lemma in C.OBJECT_VERBS:
            obj = right_np(text, rest, ue)
            if obj is not None:
                that = _THAT_RE.match(text, obj.end)
                return that.end() if that else obj.end
        return rest

    def _participle(self, us, ue, cs, ce, lemma, local, block, found) -> bool:
        """', adding that X' / ', saying X': the subject of the sentence says X too."""
        text = self.text
        before = text[us:cs].rstrip()
        if not before.endswith((",", "—", "–")):
            return False
        comma = us + len(before) - 1
        if found and self.out and self.out[-1].start < comma < self.out[-1].end:
            if not self.replace_last(comma):
                return False
            last = self.out[-1]
            np = (
                NP(last.speaker.start, last.speaker.end, last.speaker.text)
                if last.speaker
                else None
            )
        elif found and self.out and self.out[-1].speaker is not None:
            sp = self.out[-1].speaker
            np = NP(sp.start, sp.end, sp.text)
        else:
            np = right_np(text, us, comma)
            if np is None:
                return False
        rest = ce
        that = _THAT_RE.match(text, rest + 1) if text[rest : rest + 1] == " " else None
        if that:
            rest = that.end()
        elif lemma in C.OBJECT_VERBS:
            obj = right_np(text, rest, ue)
            if obj is not None:
                rest = obj.end
        if _words(text, rest, ue) < _MIN_WORDS or _starts_adjunct(text, rest):
            return False
        rep = _reporting(text, *_strip(text, rest, ue), local, lemma)
        return self.add(rest, ue, rep, np, (cs, ce), 0.6, block, remember=False)

    def _continuation(self, us, ue, local, block) -> None:
        """A quote standing alone continues the last speaker of this or the previous paragraph."""
        text = self.text
        lead = [q for q in local if q.start <= us + 1]
        if not lead or _words(text, *lead[0].inner) < 5 or self.last is None:
            return
        quoted = sum(min(x.end, ue) - max(x.start, us) for x in local)
        if quoted < 0.7 * (ue - us) or block - self.last_block > 2:
            return
        speaker, name = self.last
        s, e = _strip(text, lead[0].start, max(x.end for x in local))
        self.out.append(Suggestion(s, e, text[s:e], DIRECT_QUOTE, speaker, name, None, None, 0.5))

    def _try(self, us, ue, cs, ce, lemma, local, block, following) -> int | None:
        text = self.text
        before = [q for q in local if q.end <= cs and q.start >= us - 1]
        after = [q for q in local if q.start >= ce]
        # "Q," S C ...   or   "Q," C S ...   or   "Q" ― S
        if (
            before
            and _gap_ok(text, before[-1].end, cs)
            and not _has_quote(text, before[-1].end, cs)
            and (
                _ends_clause(text, before[-1])
                or not _RELATIVE_GAP_RE.search(text, before[-1].end, cs)
            )
        ):
            first = before[0] if before[0].start <= us + 1 else before[-1]
            np = None
            gap = text[before[-1].end : cs]
            if gap.strip(" ,\u2014–-"):
                np = left_np(text, before[-1].end, cs)
            if np is None:
                np = right_np(text, ce, ue)
            end = before[-1].end
            consumed = 0
            # the quote goes on after the cue: '"Q1," he said, "Q2."'
            if (
                after
                and not _has_quote(text, ce, after[0].start)
                and _words(text, ce, after[0].start) <= 8
            ):
                end = after[-1].end
            else:
                # '"Q1," he said. "Q2."': following units that are only a quote
                for fs, fe in following:
                    fq = [q for q in self.quotes if fs <= q.start < fe]
                    if not fq or fq[0].start > fs + 1:
                        break
                    if any(not Q.inside_quote(x[0], fq) for x in C.cues(text, fs, fe)):
                        break
                    end = max(q.end for q in fq)
                    consumed += 1
            s = first.start
            rep = DIRECT_QUOTE if first.start <= us + 1 else PARTIAL_QUOTE
            if rep == PARTIAL_QUOTE:
                s = us
            if self.add(s, end, rep, np, (cs, ce), 0.9 if np else 0.6, block, min_words=1):
                return consumed
        if lemma == C.DASH:
            return None
        # S C: "Q"   /   S C, "Q"
        if (
            after
            and re.fullmatch(r"[\s,:]*", text[ce : after[0].start])
            or after
            and cs <= us + 1
            and re.fullmatch(r"[^,.;:]{1,60}[,:]\s*", text[ce : after[0].start])
            or (after and _ADJUNCT_RE.fullmatch(text[ce : after[0].start].rstrip(" ,:")))
        ):
            np = left_np(text, us, cs)
            end = max(q.end for q in after)
            rep = DIRECT_QUOTE
            if _words(text, end, ue) >= 3:
                end, rep = ue, PARTIAL_QUOTE  # 'said "budget reforms" would pay for it'
            if np is None and text[us:cs].strip() == "":
                np = right_np(text, ce, after[0].start)
            if np is not None and self.add(
                after[0].start, end, rep, np, (cs, ce), 0.9, block, min_words=1
            ):
                return 0
        if lemma == C.NOUN:
            return self._noun(us, ue, cs, ce, local, block)
        if lemma == C.COLON:
            return self._colon(us, ue, cs, after, block)
        if lemma == C.ACCORDING_TO:
            return self._according(us, ue, cs, ce, local, block)
        # X, said S.  (inverted: the words after the cue are the speaker, not the content)
        if text[us:cs].rstrip().endswith(","):
            inv = right_np(text, ce, ue)
            if inv is not None and _words(text, inv.end, ue) <= 3:
                return self._content_before(us, ue, cs, ce, lemma, local, block)
        # As S C, X.
        if re.match(r"[\"“]?As\s", text[self.unit_start : cs]) and re.match(
            r"[\s\w]{0,20},", text[ce : ce + 22]
        ):
            np = right_np(text, self.unit_start + 3, cs)
            comma = text.find(",", ce)
            if np is not None and self.add(
                comma + 1,
                ue,
                _reporting(text, *_strip(text, comma + 1, ue), local, lemma),
                np,
                (cs, ce),
                0.6,
                block,
            ):
                return 0
        # X1, S C, X2.  (the cue in parentheses inside the statement: the content is both sides)
        np = left_np(text, us, cs)
        if (
            np is not None
            and text[us : np.start].rstrip().endswith(",")
            and text[ce:ue].lstrip().startswith(",")
            and _words(text, us, np.start) >= 2
            and lemma in C.PROPOSITION_VERBS
            and not _SUBORDINATE_RE.match(text, us)
        ):
            end = _clause_end(text, us, ue, ce, local)
            rep = _reporting(text, *_strip(text, us, end), local, lemma)
            if self.add(us, end, rep, np, (cs, ce), 0.75, block):
                return 0
        # S C (that) X
        first = self.unit_start
        if np is None and _AND_AUX_RE.search(text, us, cs):
            np = right_np(text, first, cs)  # "Cruz exhorted X and said Y": the sentence's subject
        if np is None and text[first:cs].rstrip().endswith(","):
            # "Donna Rawlings, 59, of Ashton, Md., who watched it, said ...": the name in front
            lead = right_np(text, first, cs)
            if (
                lead is not None
                and lead.text[:1].isupper()
                and text[lead.end : cs].lstrip().startswith(",")
            ):
                np = lead
        rest = ce
        adj = _ADJUNCT_RE.match(text, rest)
        if adj and adj.end() > rest:
            rest = adj.end()
        that = _THAT_RE.search(text, rest, min(ue, rest + 80))
        if (
            that
            and not _has_quote(text, rest, that.start())
            and "," not in text[rest : that.start()]
            and (
                lemma in C.OBJECT_VERBS
                or _starts_adjunct(text, rest)
                or _words(text, rest, that.start()) == 0
            )
        ):
            rest = that.end()
        elif lemma in C.OBJECT_VERBS:
            obj = right_np(text, rest, ue)
            if obj is not None and lemma != "ask":
                rest = obj.end
        if lemma in C.STRONG and rest == ce and _starts_adjunct(text, rest):
            # "said in an interview he would ...": the clause after the adjunct
            m = _CLAUSE_START_RE.search(text, rest, min(ue, rest + 80))
            rest = m.start(1) if m and "," not in text[rest : m.start()] else -1
        if lemma in C.OBJECT_CONTENT and not _OBJECT_START_RE.match(text, rest):
            rest = -1  # "was supported by 42 percent", "declined slightly": not an object
        if (
            rest >= 0
            and np is not None
            and (lemma in C.PROPOSITION_VERBS or lemma in C.OBJECT_CONTENT or rest > ce + 3)
            and _words(text, rest, ue) >= (1 if lemma in C.OBJECT_CONTENT else _MIN_WORDS)
            and (lemma in C.OBJECT_CONTENT or not _starts_adjunct(text, rest))
        ):
            end = _clause_end(text, us, ue, rest, local, lemma)
            rep = _reporting(text, *_strip(text, rest, end), local, lemma)
            score = 0.8 if lemma in C.STRONG else 0.55
            least = 1 if lemma in C.OBJECT_CONTENT else _MIN_WORDS
            if self.add(rest, end, rep, np, (cs, ce), score, block, min_words=least):
                return 0
        return self._content_before(us, ue, cs, ce, lemma, local, block)

    def _content_before(self, us, ue, cs, ce, lemma, local, block) -> int | None:
        """X, S C.   /   X, C S."""
        text = self.text
        comma = text.rfind(",", us, cs)
        tail_words = _words(text, ce, ue)
        parenthetical = re.match(r"[^,.;:]{0,40},", text[ce : ce + 42]) is not None
        if (
            comma > us
            and _words(text, us, comma) >= _MIN_WORDS
            and (tail_words <= 12 or parenthetical)
        ):
            np = left_np(text, comma + 1, cs) if text[comma + 1 : cs].strip() else None
            if np is None and not text[comma + 1 : cs].strip():
                np = right_np(text, ce, ue)  # ", said Smith." (the speaker after the cue)
                if np is not None and not _ends_soon(text, np.end, ue):
                    np = None
            if np is not None:
                rep = _reporting(text, *_strip(text, us, comma), local, lemma)
                score = 0.75 if lemma in C.STRONG else 0.5
                if self.add(us, comma, rep, np, (cs, ce), score, block):
                    return 0
        return None

    def _noun(self, us, ue, cs, ce, local, block) -> int | None:
        """ "Trump's claim that X", "criticism that X": the speaker is the possessor, if any."""
        text = self.text
        np = None
        owner = _POSSESSOR_RE.search(text, us, cs)
        if owner:
            np = NP(owner.start(1), owner.end(1), owner.group(1))
        end = _clause_end(text, us, ue, ce, local)
        comma = text.find(",", ce, end)
        if comma > 0 and not Q.inside_quote(comma, local) and _words(text, ce, comma) >= 4:
            end = comma
        rep = _reporting(text, *_strip(text, ce, end), local, "")
        return 0 if self.add(ce, end, rep, np, (cs, ce), 0.4, block, min_words=4) else None

    def _colon(self, us, ue, cs, after, block) -> int | None:
        """'Limbaugh continued: "..."': the subject of the words before the colon."""
        text = self.text
        if _words(text, us, cs) > 10:
            return None
        np = None
        verb = re.search(r"\s([a-z]+)\s*$", text[us:cs])
        if verb and (verb.group(1) in C.FORM_TO_LEMMA or verb.group(1).endswith(("ed", "s"))):
            np = left_np(text, us, us + verb.start(1))  # "The New York Times reports:"
        if np is None:
            np = right_np(text, us, cs)
        if np is None:
            return None
        if after:
            end = max(q.end for q in after)
            ok = self.add(
                after[0].start, end, DIRECT_QUOTE, np, (cs, cs + 1), 0.7, block, min_words=1
            )
            return 0 if ok else None
        if not text[cs + 1 : ue].strip():
            self.pending = (np, cs, block)  # the quote comes in the next paragraph
        return None

    def _according(self, us, ue, cs, ce, local, block) -> int | None:
        text = self.text
        np = right_np(text, ce, ue, any_phrase=True)
        if np is None:
            return None
        after = np.end
        if cs <= us + 1:
            # According to S, X.
            comma = text.find(",", after, ue)
            if comma < 0:
                return None
            s, e = comma + 1, ue
        else:
            s, e = us, cs
            if _words(text, after, ue) >= 6:
                # X, according to S, Y: the longer side
                comma = text.find(",", after, ue)
                if comma > 0 and _words(text, comma, ue) > _words(text, us, cs):
                    s, e = comma + 1, ue
        rep = _reporting(text, *_strip(text, s, e), local, C.ACCORDING_TO)
        return 0 if self.add(s, e, rep, np, (cs, ce), 0.7, block) else None

    def headline(self, hs: int, he: int) -> None:
        """A title in headline style: 'Obama Says Museum Will Tell of ...', 'Black Lawmakers
        Rip Trump As A ‘Disgusting Fraud.’' The verb is the first capitalised cue or
        present-tense word after the subject; headline single quotes are quotations."""
        text = self.text
        if _words(text, hs, he) > 25:
            return
        words = list(re.finditer(r"[A-Za-z][\w’'-]*", text[hs:he]))
        for k, m in enumerate(words[1:-1], start=1):
            low = m.group().lower()
            verb = low in C.FORM_TO_LEMMA or (
                re.fullmatch(r"[a-z]{3,}[^su's]s", low) is not None and m.group()[0].isupper()
            )
            if not verb or low in C.NOT_VERBS:
                continue
            vs, ve = hs + m.start(), hs + m.end()
            np = right_np(text, hs, vs, any_phrase=True)
            if np is None or np.end < hs + words[k - 1].end():
                return
            rest = hs + words[k + 1].start()
            rep = REPORTED
            if Q.has_mark(text, rest, he) or "‘" in text[rest:he]:
                rep = PARTIAL_QUOTE
            self.add(rest, he, rep, np, (vs, ve), 0.4, 0, min_words=1)
            return

    def turn(self, ps: int, pe: int, m: re.Match[str], block: int) -> None:
        name_s, name_e = m.span(1)
        np = NP(name_s, name_e, self.text[name_s:name_e])
        self.add(m.end(), pe, DIRECT_QUOTE, np, (name_e, name_e + 1), 0.6, block)


_HEAD_RE = re.compile(r"([A-Z][\w.’'-]+(?: [A-Z][\w.’'-]+){0,2}): (?=\S)")


# The start of a clause after an adjunct: "said in an interview [he] would ..."
_CLAUSE_START_RE = re.compile(
    r"\s(?:that\s+)?((?:he|she|they|it|we|I|there|the|a|an|this|these|his|her|their)\b|"
    r"[A-Z][\w’'-]+\s+(?:is|was|has|had|would|will|could|should|can|did|does|were|are)\b)"
)
# What an object may start with: a determiner, a name, a pronoun, a number, a quote, a noun.
_OBJECT_START_RE = re.compile(
    r"\s*(?!(?:by|in|on|at|from|with|during|after|before|up|down|out|off|slightly|sharply|"
    r"again|also|back|than)\b)(?:[\"“'‘]|\w)"
)
_SUBORDINATE_RE = re.compile(
    r"[\"“]?(?:Although|Though|While|Whereas|Because|Since|If|As|When|Even though|Even as|"
    r"After|Before|Unless|Until)\b"
)


# Where the object of "attacked", "called", "acknowledged" ends: an adjunct or a new clause.
_OBJECT_END_RE = re.compile(
    r",\s+(?:which|who|although|though|but|and|while|as|because|in|on|at|during|after|before)\b"
    r"|\s(?:--|—|–)\s"
    r"|\s(?:during|on (?:Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday)|after|before|because|since|while|although)\b"
)


def _outside(text: str, pattern: re.Pattern, start: int, end: int, quotes: list[Q.Quote]) -> int:
    """The start of the first match of ``pattern`` in ``text[start:end]`` outside quotes, or -1."""
    for m in pattern.finditer(text, start, end):
        if not Q.inside_quote(m.start(), quotes):
            return m.start()
    return -1


def _clause_end(
    text: str, us: int, ue: int, rest: int, quotes: list[Q.Quote], lemma: str = ""
) -> int:
    """The end of the content: the unit's end, a semicolon, the comma closing a subordinate
    clause ('Although officials said X, Y'), or for verbs whose content is their object
    ('attacked Machado in tweets') the first adjunct after the object."""
    end = ue
    semi = _outside(text, re.compile(";"), rest, ue, quotes)
    if semi > rest:
        end = semi
    if _SUBORDINATE_RE.match(text, us):
        i = _outside(text, re.compile(","), rest, end, quotes)
        if i > rest:
            end = i
    if lemma in C.OBJECT_CONTENT:
        # not before a quotation: 'called the remarks on Saturday "a wake-up call"'
        later = [q.end for q in quotes if rest <= q.start < end]
        start = max(later) if later else rest
        i = _outside(text, _OBJECT_END_RE, start, end, quotes)
        if i > rest and _words(text, rest, i) >= 1:
            end = i
    return end


_VERB_RE = re.compile(
    r"\b[a-z]{3,}(?:ed|es|s|ing)\b|\b(?:"
    + "|".join(
        sorted((re.escape(f) for f in C.FORM_TO_LEMMA if " " not in f), key=len, reverse=True)
    )
    + r")\b"
)


# "Donald Trump’s claim that": the possessor, a run of capitalised words before ’s
_POSSESSOR_RE = re.compile(r"((?:[A-Z][\w.’'-]*\s+){0,3}[A-Z][\w.-]*['’]s)\s+(?:\w+\s+)?$")
_DATELINE_RE = re.compile(r"[A-Z][A-Z .'’-]+(?:,[^—–-]{0,40})?\s*(?:--|—|–|―)\s*")
# An introductory phrase before the subject: "In a speech Friday, ", "On Monday, "
_LEAD_RE = re.compile(
    r"(?:In|On|At|During|After|Before|Last|Earlier|Later|Meanwhile|Instead|Still|Yet|Also|"
    r"Since|Following|Speaking|Asked|Writing)\b[^,;:.\"“]{0,80},\s*"
)
_SV_RE = re.compile(
    r"\s+(?:(?:has|have|had|also|then|again|publicly|repeatedly|\w+ly)\s+){0,2}"
    r"([a-z]{3,}(?:ed|es|s))\s+(?!(?:to|in|on|at|by|for|from|with|into|of|up|down|out|over)\b)"
    r"(?![a-z]+ed\b|(?:said|says|were|are|have|had|will|would|could|can|may|is|was)\b)"
)


def _verb_before(text: str, start: int, end: int, quotes: list[Q.Quote]) -> tuple[int, int] | None:
    """The last verb-like word in ``text[start:end]`` outside quotes and before any sentence
    punctuation, as (start, end)."""
    cut = max(text.rfind(p, start, end) for p in (".", ";", "?", "!"))
    best = None
    for m in _VERB_RE.finditer(text, max(start, cut + 1), end):
        word = m.group()
        if word in C.NOT_VERBS or Q.inside_quote(m.start(), quotes):
            continue
        best = (m.start(), m.end())
    return best


_RELATIVE_GAP_RE = re.compile(r"\b(?:who|which|that)\b")


def _ends_soon(text: str, pos: int, ue: int) -> bool:
    """Whether little more than an appositive or an adjunct follows ``pos`` in the unit."""
    rest = text[pos:ue]
    return _words(text, pos, ue) <= 3 or rest.lstrip().startswith((",", "(", "—", "–"))


def _ends_clause(text: str, q: Q.Quote) -> bool:
    """Whether a quotation closes a clause ('"...," he said'), not a name inside one
    ('his "Keepin' It Real" radio program who said')."""
    if not q.closed:
        return True
    inner_end = text[max(q.start, q.end - 4) : q.end]
    after = text[q.end : q.end + 2].lstrip(" ")
    return any(ch in ",.?!…—–" for ch in inner_end) or after[:1] in {",", "—", "–", "―", ""}


def _gap_ok(text: str, s: int, e: int) -> bool:
    """Between a quote and its cue: a short subject, or a name with an appositive."""
    n = _words(text, s, e)
    return n <= 8 or (n <= 24 and text.count(",", s, e) >= 2)


def _starts_adjunct(text: str, pos: int) -> bool:
    m = re.match(r"\s*(\w+)", text[pos : pos + 30])
    return bool(m) and m.group(1).lower() in {
        "in",
        "on",
        "at",
        "during",
        "after",
        "before",
        "by",
        "with",
        "from",
        "to",
        "for",
        "about",
        "but",
        "and",
        "or",
        "when",
        "compared",
        "is",
        "are",
        "was",
        "were",
    }


def find(text: str, actors: Sequence[ActorEntry] = ()) -> list[Suggestion]:
    finder = _Finder(text, actors)
    paras = Q.paragraphs(text)
    quotes = Q.find_quotes(text, paras)
    finder.quotes = quotes
    turn_starts = {}
    for ps, pe in paras:
        m = Q.is_turn(text, ps) or _HEAD_RE.match(text, ps)
        if m and len(m.group(1)) <= 40:
            turn_starts[ps] = (pe, m)
    for bi, block in enumerate(Q.blocks(text, paras, quotes)):
        if block[0] in turn_starts:
            pe, m = turn_starts[block[0]]
            finder.turn(block[0], pe, m, bi)
            continue
        us_list = Q.units(text, block, quotes)
        before = len(finder.out)
        skip = 0
        for ui, (us, ue) in enumerate(us_list):
            if skip:
                skip -= 1
                continue
            skip = finder.unit(us, ue, quotes, bi, us_list[ui + 1 :])
        if bi == 0 and len(finder.out) == before:
            finder.headline(*block)
    finder.out.sort(key=lambda s: (s.start, s.end))
    return finder.out


__all__ = ["find", "tokens"]
