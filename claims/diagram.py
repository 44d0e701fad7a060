"""The picture of a dispute, laid out in Python and drawn as SVG by a template.

Actors who assert the claim stand on the left, those who deny it on the right,
those who question it in the middle below the claim. Each actor is one dot per side
(however many statements they made; the label counts them) with a line to the claim; contradictions are curves between dots, styled by
kind, with an arrow at the statement that is answered. Every dot has its own
row, and labels are cut to the width of their column, so nothing overlaps
however many statements there are.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.urls import reverse

WIDTH = 960
ROW = 30
TOP = 56
LEFT_X, RIGHT_X, MID_X = 210, 750, 400
BOX_LEFT, BOX_RIGHT = 360, 600
BOX_W = BOX_RIGHT - BOX_LEFT
LABEL_CHARS = 28
MID_LABEL_CHARS = 26
CLAIM_CHARS = 34
CLAIM_LINES = 4
LINE_H = 16

KINDS = [
    ("denial", "Denial"),
    ("rebuttal", "Rebuttal"),
    ("conflicting_facts", "Conflicting facts"),
    ("self_contradiction", "Self-contradiction"),
    ("tension", "Tension"),
]
STANCES = [("asserts", "asserts"), ("questions", "questions"), ("denies", "denies")]


def short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Node:
    pk: int
    x: float
    y: float
    stance: str
    label: str
    title: str
    href: str
    label_x: float
    anchor: str  # text-anchor of the label
    spoke: str = ""  # the path of the line to the claim
    statements: list[int] = field(default_factory=list)  # the actor's statements it stands for


@dataclass
class Edge:
    pk: int
    d: str
    kind: str
    status: str
    title: str


@dataclass
class LegendItem:
    x: float
    y: float
    css: str
    label: str
    shape: str  # "dot" or "line"


@dataclass
class Diagram:
    width: int
    height: int
    title: str
    desc: str
    claim_lines: list[str]
    box_x: float
    box_y: float
    box_w: float
    box_h: float
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    headings: list[tuple[float, str, str]] = field(default_factory=list)
    legend_y: float = 0

    @property
    def box_cx(self) -> float:
        return self.box_x + self.box_w / 2


def _label(statement) -> str:
    name = statement.speaker.name
    if statement.via_id:
        name += f" via {statement.via.name}"
    return name


def _title(statement) -> str:
    who = _label(statement)
    when = f" on {statement.said_on.isoformat()}" if statement.said_on else ""
    return (
        f"#{statement.pk} {who} {statement.stance}{when}: “{short(statement.exact, 200)}” "
        f"({statement.source.title})"
    )


def _groups(claim, statements: Sequence) -> dict[str, list[list]]:
    """The statements on this claim per stance, grouped by speaker (one node per actor and
    stance), in order of each actor's first statement."""
    columns: dict[str, dict[int, list]] = {"asserts": {}, "denies": {}, "questions": {}}
    for s in statements:
        if s.claim_id == claim.pk and s.stance in columns:
            columns[s.stance].setdefault(s.speaker_id, []).append(s)
    return {stance: list(by_actor.values()) for stance, by_actor in columns.items()}


def _node(group: list, x: float, y: float, stance: str, chars: int, label_x: float, anchor: str):
    first = group[0]
    name = first.speaker.name
    label = name if len(group) == 1 else f"{short(name, chars - 4)} ({len(group)})"
    title = "\n".join(_title(s) for s in group[:6])
    if len(group) > 6:
        title += f"\n… and {len(group) - 6} more"
    return Node(
        first.speaker_id,
        x,
        y,
        stance,
        short(label, chars),
        title,
        reverse("claims:actor_detail", args=[first.speaker_id]),
        label_x,
        anchor,
        statements=[s.pk for s in group],
    )


def build(claim, statements: Sequence, contradictions: Iterable) -> Diagram:
    """Lay out the claim, its speakers (statements with speaker, via and source loaded) and
    the contradictions among their statements. One node per actor on each side, however
    many statements they made; statements without a stance on this claim are skipped."""
    columns = _groups(claim, statements)
    side_rows = max(len(columns["asserts"]), len(columns["denies"]), 1)
    claim_lines = textwrap.wrap(claim.text, CLAIM_CHARS) or [""]
    if len(claim_lines) > CLAIM_LINES:
        claim_lines = claim_lines[:CLAIM_LINES]
        claim_lines[-1] = short(claim_lines[-1] + " …", CLAIM_CHARS)
    box_h = 20 + LINE_H * len(claim_lines)
    side_top = TOP + ROW / 2
    side_mid = side_top + (side_rows - 1) * ROW / 2
    box_y = max(TOP, side_mid - box_h / 2)
    box_bottom = box_y + box_h
    box_cy = box_y + box_h / 2

    nodes: list[Node] = []
    for i, group in enumerate(columns["asserts"]):
        y = side_top + i * ROW
        n = _node(group, LEFT_X, y, "asserts", LABEL_CHARS, LEFT_X - 12, "end")
        n.spoke = f"M {LEFT_X} {y:.1f} L {BOX_LEFT} {box_cy:.1f}"
        nodes.append(n)
    for i, group in enumerate(columns["denies"]):
        y = side_top + i * ROW
        n = _node(group, RIGHT_X, y, "denies", LABEL_CHARS, RIGHT_X + 12, "start")
        n.spoke = f"M {RIGHT_X} {y:.1f} L {BOX_RIGHT} {box_cy:.1f}"
        nodes.append(n)
    mid_top = box_bottom + 24 + ROW / 2
    for i, group in enumerate(columns["questions"]):
        y = mid_top + i * ROW
        n = _node(group, MID_X, y, "questions", MID_LABEL_CHARS, MID_X + 12, "start")
        n.spoke = (
            f"M {MID_X} {y:.1f} Q {MID_X - 30} {box_bottom + 8:.1f} {MID_X + 40} {box_bottom:.1f}"
        )
        nodes.append(n)

    body_bottom = max(
        side_top + (side_rows - 1) * ROW,
        box_bottom,
        mid_top + (len(columns["questions"]) - 1) * ROW if columns["questions"] else 0,
    )
    by_pk = {pk: n for n in nodes for pk in n.statements}
    edges: list[Edge] = []
    bend = 0
    for c in contradictions:
        a, b = by_pk.get(c.first_id), by_pk.get(c.second_id)
        if a is None or b is None or a is b:
            continue
        bend += 1
        edges.append(
            Edge(c.pk, _curve(a, b, bend, body_bottom), c.kind, c.status, _edge_title(c, a, b))
        )
    if edges:
        body_bottom = max(body_bottom, max(_depth(e.d) for e in edges))

    legend_y = body_bottom + 40
    legend = []
    x = 20
    for css, label in STANCES:
        legend.append(LegendItem(x, legend_y, f"dg-dot stance-{css}", label, "dot"))
        x += 110
    x = 20
    for css, label in KINDS:
        legend.append(LegendItem(x, legend_y + 24, f"dg-x dg-x-{css}", label, "line"))
        x += 170
    x = 20
    for css, label in [
        ("proposed", "proposed"),
        ("confirmed", "confirmed"),
        ("rejected", "rejected"),
    ]:
        legend.append(LegendItem(x, legend_y + 48, f"dg-x dg-status-{css}", label, "line"))
        x += 140

    counts = {k: sum(len(g) for g in v) for k, v in columns.items()}
    actors = {k: len(v) for k, v in columns.items()}
    desc = (
        f"{counts['asserts']} statement(s) assert the claim, {counts['denies']} deny it and "
        f"{counts['questions']} question it ({actors['asserts']}, {actors['denies']} and "
        f"{actors['questions']} actor(s)); {len(edges)} contradiction(s) drawn between them."
    )
    return Diagram(
        width=WIDTH,
        height=int(legend_y + 70),
        title=f"Who asserts and who denies: {short(claim.text, 120)}",
        desc=desc,
        claim_lines=claim_lines,
        box_x=BOX_LEFT,
        box_y=box_y,
        box_w=BOX_W,
        box_h=box_h,
        nodes=nodes,
        edges=edges,
        legend=legend,
        headings=[
            (LEFT_X, "end", "Asserts"),
            (WIDTH / 2, "middle", "Claim"),
            (RIGHT_X, "start", "Denies"),
        ],
        legend_y=legend_y,
    )


def _edge_title(c, a: Node, b: Node) -> str:
    kind = dict(KINDS).get(c.kind, c.kind)
    return f"{kind} ({c.status}): #{c.first_id} {a.label} → #{c.second_id} {b.label}"


def _curve(a: Node, b: Node, bend: int, bottom: float) -> str:
    """A quadratic curve from a to b that keeps off the labels and the claim box."""
    step = 6 * (bend % 8)
    if a.stance == b.stance and a.stance in ("asserts", "denies"):
        direction = 1 if a.stance == "asserts" else -1
        cx = a.x + direction * (50 + step + abs(a.y - b.y) / 4)
        cy = (a.y + b.y) / 2
    elif a.stance == b.stance:  # both question the claim: bulge to the left of the column
        cx = a.x - 50 - step - abs(a.y - b.y) / 4
        cy = (a.y + b.y) / 2
    else:  # across the picture: the curve's lowest point passes under the claim box
        cx = (a.x + b.x) / 2
        lowest = max(a.y, b.y, bottom) + 14 + step
        cy = (4 * lowest - a.y - b.y) / 2
    return f"M {a.x:.1f} {a.y:.1f} Q {cx:.1f} {cy:.1f} {b.x:.1f} {b.y:.1f}"


def _depth(d: str) -> float:
    """The lowest point of a quadratic curve (its control point bounds it)."""
    parts = d.split()
    ys = [float(parts[2]), float(parts[5]), float(parts[7])]
    p0, p1, p2 = ys
    return max(p0, p2, (p0 + 2 * p1 + p2) / 4)
