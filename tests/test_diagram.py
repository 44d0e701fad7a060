"""The dispute picture: layout (sides, rows, no overlapping labels) and the rendered SVG."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

from claims import diagram
from claims.models import Statement
from tests.factories import make_actor, make_claim, make_contradiction, make_source, make_statement
from tests.seed_fixture import build_seed

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
CHAR_W = 7.0  # generous average width of a 12px sans-serif character
LABEL_H = 14


def _statements(claim):
    return list(claim.statements.select_related("speaker", "via", "source").order_by("id"))


def _boxes(d: diagram.Diagram):
    for n in d.nodes:
        width = len(n.label) * CHAR_W
        left = n.label_x - width if n.anchor == "end" else n.label_x
        yield n, (left, n.y - LABEL_H / 2, left + width, n.y + LABEL_H / 2)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def assert_readable(d: diagram.Diagram):
    boxes = list(_boxes(d))
    claim_box = (d.box_x, d.box_y, d.box_x + d.box_w, d.box_y + d.box_h)
    for (n1, b1), (n2, b2) in itertools.combinations(boxes, 2):
        assert not _overlap(b1, b2), (n1.label, n2.label)
    for n, b in boxes:
        assert not _overlap(b, claim_box), n.label
        assert b[0] >= 0 and b[2] <= d.width, n.label
        assert b[3] < d.legend_y - 10, n.label
    for line in d.claim_lines:
        assert len(line) * CHAR_W <= d.box_w


def test_c1_asserters_left_deniers_right_with_contradictions(researcher, editor):
    seed = build_seed(researcher, editor)
    statements = _statements(seed.c1)
    d = diagram.build(seed.c1, statements, [seed.x1, seed.x2, seed.x3])
    by_label = {n.label: n for n in d.nodes}
    assert by_label["Muqtada al-Sadr"].x < d.box_x
    assert by_label["Saleh al-Ageili"].x < d.box_x
    assert by_label["Nuri al-Maliki"].x > d.box_x + d.box_w
    assert {e.pk for e in d.edges} == {seed.x1.pk, seed.x2.pk}  # X3 is not on this claim
    assert {e.kind for e in d.edges} == {"denial", "rebuttal"}
    assert "2 statement(s) assert the claim, 1 deny it" in d.desc
    assert_readable(d)


def test_thirty_statements_stay_readable(researcher):
    source = make_source()
    claim = make_claim("A long proposition " * 12)
    stances = ["asserts", "denies", "questions"]
    statements = []
    for i in range(30):
        statements.append(
            make_statement(
                source=source,
                quote="the bridge was safe",
                created_by=researcher,
                claim=claim,
                stance=stances[i % 3] if i < 24 else "asserts",
                speaker=make_actor(f"An actor with a really very long name number {i}"),
                via=make_actor(f"Spokesperson {i}") if i % 4 == 0 else None,
            )
        )
    links = [make_contradiction(statements[i], statements[i + 1]) for i in range(0, 29, 2)]
    links.append(make_contradiction(statements[0], statements[3], kind="tension"))  # same side
    links.append(make_contradiction(statements[2], statements[5], kind="rebuttal"))  # questioners
    statements = _statements(claim)
    d = diagram.build(claim, statements, links)
    assert len(d.nodes) == 30 and len(d.edges) == len(links)
    assert len(d.claim_lines) <= diagram.CLAIM_LINES and d.claim_lines[-1].endswith("…")
    assert all(len(n.label) <= diagram.LABEL_CHARS for n in d.nodes)
    assert_readable(d)
    rows = {}
    for n in d.nodes:
        rows.setdefault(n.x, []).append(n.y)
    for ys in rows.values():
        ys.sort()
        assert all(b - a >= diagram.ROW for a, b in itertools.pairwise(ys))


def test_svg_renders_valid_accessible_markup(researcher, editor, rf):
    seed = build_seed(researcher, editor)
    Statement.objects.filter(pk=seed.s3.pk).update(summary="<script>alert(1)</script>")
    seed.maliki.name = 'Nuri <al-Maliki> & "co"'
    seed.maliki.save()
    statements = _statements(seed.c1)
    d = diagram.build(seed.c1, statements, [seed.x1, seed.x2])
    html = render_to_string("claims/claim_detail.html#diagram", {"diagram": d, "claim": seed.c1})
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    root = ET.fromstring(svg)  # well-formed, user text escaped
    # a group, not an image: an image's links would be nested interactive elements
    assert root.get("role") == "group" and root.get("aria-labelledby")
    links = list(root.iter(f"{SVG}a"))
    assert links and all(a.get("href") and a.get("aria-label") for a in links)
    assert root.find(f"{SVG}title").text.startswith("Who asserts and who denies")
    assert "deny it" in root.find(f"{SVG}desc").text
    assert len(root.findall(f".//{SVG}circle")) == 3 + 3  # nodes + legend dots
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert 'Nuri <al-Maliki> & "co"' in labels
    assert "style=" not in svg
    kinds = {p.get("class") for p in root.iter(f"{SVG}path") if "dg-x " in (p.get("class") or "")}
    assert kinds == {
        "dg-x dg-x-denial dg-status-confirmed",
        "dg-x dg-x-rebuttal dg-status-confirmed",
    }
    legend = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "dg-legend-text"]
    assert {
        "asserts",
        "denies",
        "questions",
        "Denial",
        "Rebuttal",
        "Conflicting facts",
        "proposed",
    } <= set(legend)


def test_claim_without_stances_has_no_picture(researcher_client, researcher):
    claim = make_claim()
    html = researcher_client.get(claim.get_absolute_url()).content.decode()
    assert "<svg" not in html and "No statement takes a stance" in html


def test_one_node_per_actor_however_many_statements(researcher):
    source = make_source(text=" ".join(f"Point {i:02d} was made." for i in range(30)))
    claim = make_claim("The bridge is safe")
    actors = [make_actor(f"Actor {i}") for i in range(3)]
    statements = [
        make_statement(
            source=source,
            quote=f"Point {i:02d} was made.",
            created_by=researcher,
            claim=claim,
            stance="denies" if i % 3 == 2 else "asserts",
            speaker=actors[i % 3],
        )
        for i in range(30)
    ]
    links = [make_contradiction(statements[i], statements[i + 2]) for i in range(0, 27, 3)]
    d = diagram.build(claim, _statements(claim), links)
    assert sorted(n.label for n in d.nodes) == ["Actor 0 (10)", "Actor 1 (10)", "Actor 2 (10)"]
    assert len(d.edges) == len(links)  # actor 0 -> actor 2, each drawn
    assert "30 statement(s)" not in d.desc and "20 statement(s) assert" in d.desc
    assert_readable(d)
