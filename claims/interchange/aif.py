"""AIF (the Argument Interchange Format, as AIFdb's JSON: nodes, edges, locutions,
participants) for a claim's dispute or for everything.

- A claim is an I-node (its proposition).
- A statement is an L-node ("Speaker: quote") with a locution (participant, offsets) and
  an I-node for what it says; a YA node "Asserting" joins the two. When it bears on a
  claim, a second YA node (Asserting, Disagreeing or Questioning, from its stance) joins
  the L-node to the claim's I-node.
- A contradiction is a CA node ("Default Conflict") from the first statement's I-node to
  the second's: the first attacks the second, so a rebuttal keeps its direction.

Edges only join L to YA, YA to I, and I to CA to I (`check` verifies it). The document is
written in passes over re-iterable record sources so nothing is held in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

STANCE_YA = {"asserts": "Asserting", "denies": "Disagreeing", "questions": "Questioning"}
Records = Callable[[], Iterable[dict]]


def _node(node_id: str, text: str, kind: str, timestamp=None) -> dict:
    node = {"nodeID": node_id, "text": text, "type": kind}
    if timestamp is not None:
        node["timestamp"] = timestamp.isoformat(" ", "seconds")[:19]
    return node


def _edge(from_id: str, to_id: str) -> dict:
    return {"edgeID": f"{from_id}>{to_id}", "fromID": from_id, "toID": to_id}


def claim_nodes(c: dict) -> list[dict]:
    return [_node(f"I-claim-{c['id']}", c["text"], "I", c.get("created_at"))]


def statement_nodes(s: dict) -> list[dict]:
    sid = s["id"]
    nodes = [
        _node(
            f"L-{sid}",
            f"{s.get('speaker_name') or 'Unknown'}: {s['exact']}",
            "L",
            s.get("created_at"),
        ),
        _node(f"I-{sid}", s["exact"], "I"),
        _node(f"YA-{sid}", "Asserting", "YA"),
    ]
    if s.get("claim_id"):
        nodes.append(_node(f"YA-{sid}-claim", STANCE_YA.get(s.get("stance"), "Asserting"), "YA"))
    return nodes


def statement_edges(s: dict, claim_ids: set | None) -> list[dict]:
    sid = s["id"]
    edges = [_edge(f"L-{sid}", f"YA-{sid}"), _edge(f"YA-{sid}", f"I-{sid}")]
    if s.get("claim_id") and (claim_ids is None or s["claim_id"] in claim_ids):
        edges += [
            _edge(f"L-{sid}", f"YA-{sid}-claim"),
            _edge(f"YA-{sid}-claim", f"I-claim-{s['claim_id']}"),
        ]
    return edges


def contradiction_nodes(c: dict) -> list[dict]:
    return [_node(f"CA-{c['id']}", "Default Conflict", "CA", c.get("created_at"))]


def contradiction_edges(c: dict, statement_ids: set | None) -> list[dict]:
    if statement_ids is not None and not {c["first_id"], c["second_id"]} <= statement_ids:
        return []
    return [
        _edge(f"I-{c['first_id']}", f"CA-{c['id']}"),
        _edge(f"CA-{c['id']}", f"I-{c['second_id']}"),
    ]


def locution(s: dict) -> dict:
    return {
        "nodeID": f"L-{s['id']}",
        "personID": f"P-{s['speaker_id']}",
        "source": s.get("source_id"),
        "start": s["start"],
        "end": s["end"],
    }


def participant(a: dict) -> dict:
    first, _, last = a["name"].rpartition(" ")
    return {
        "participantID": f"P-{a['id']}",
        "firstname": first or a["name"],
        "surname": last if first else "",
        "name": a["name"],
    }


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _array(key: str, items: Iterable[dict], first: bool) -> Iterator[bytes]:
    yield (("" if first else ",\n") + f'"{key}": [\n').encode()
    sep = ""
    batch = []
    encode = _ENCODER.encode
    for item in items:
        batch.append(sep + encode(item))
        sep = ",\n"
        if len(batch) >= 500:
            yield "".join(batch).encode("utf-8")
            batch = []
    batch.append("\n]")
    yield "".join(batch).encode("utf-8")


def document(
    *,
    claims: Records,
    statements: Records,
    contradictions: Records,
    actors: Records,
    claim_ids: set | None = None,
    statement_ids: set | None = None,
) -> Iterator[bytes]:
    """The AIF JSON document. Each argument returns a fresh iterable of records when
    called; `claim_ids`/`statement_ids` (None: all present) drop edges to absent nodes."""

    def nodes() -> Iterator[dict]:
        for c in claims():
            yield from claim_nodes(c)
        for s in statements():
            yield from statement_nodes(s)
        for c in contradictions():
            yield from contradiction_nodes(c)

    def edges() -> Iterator[dict]:
        for s in statements():
            yield from statement_edges(s, claim_ids)
        for c in contradictions():
            yield from contradiction_edges(c, statement_ids)

    yield b"{"
    yield from _array("nodes", nodes(), True)
    yield from _array("edges", edges(), False)
    yield from _array("locutions", (locution(s) for s in statements()), False)
    yield from _array("participants", (participant(a) for a in actors()), False)
    yield b"}\n"


def check(doc: dict) -> list[str]:
    """Problems with an AIF document's structure (an empty list when consistent)."""
    problems = []
    nodes = {n["nodeID"]: n["type"] for n in doc["nodes"]}
    if len(nodes) != len(doc["nodes"]):
        problems.append("duplicate node ids")
    allowed = {("L", "YA"), ("YA", "I"), ("YA", "CA"), ("I", "CA"), ("CA", "I")}
    for e in doc["edges"]:
        a, b = nodes.get(e["fromID"]), nodes.get(e["toID"])
        if a is None or b is None:
            problems.append(f"edge {e['edgeID']} joins a missing node")
        elif (a, b) not in allowed:
            problems.append(f"edge {e['edgeID']} joins {a} to {b}")
    people = {p["participantID"] for p in doc["participants"]}
    for loc in doc["locutions"]:
        if nodes.get(loc["nodeID"]) != "L":
            problems.append(f"locution {loc['nodeID']} is not on an L-node")
        if loc["personID"] not in people:
            problems.append(f"locution {loc['nodeID']} names a missing participant")
    incoming: dict[str, int] = {}
    outgoing: dict[str, int] = {}
    for e in doc["edges"]:
        outgoing[e["fromID"]] = outgoing.get(e["fromID"], 0) + 1
        incoming[e["toID"]] = incoming.get(e["toID"], 0) + 1
    for node_id, kind in nodes.items():
        if kind in {"YA", "CA"} and not (incoming.get(node_id) and outgoing.get(node_id)):
            problems.append(f"{kind} node {node_id} is not between two nodes")
    return problems
