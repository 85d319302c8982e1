"""Lay out the data-flow map: systems boxed by jurisdiction, transfers as coloured lines.

Pure Python, no Graphviz: jurisdictions are boxes in a grid (mainland China first, then the
EEA, then the rest, each by code), systems are stacked inside their box in id order, remote
users are a node in the box of where they are. A transfer between neighbouring boxes is a
curve; any other runs in its own lane through the gaps between boxes, so no line crosses a
box. Lines are coloured and dashed by status and as wide as the logarithm of the individuals
they carry; each carries its register number (T1, T2, ...) so picture and table read together.
Flows that are not transfers are left out (at 50 systems they hid the transfers); the report
lists them under the map. Coordinates are rounded to one decimal, so the output is
deterministic.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pycountry

from compliance import jurisdictions
from compliance.audit.view import Audit, SystemNode

NODE_W, NODE_H, NODE_GAP = 210, 38, 12
BOX_PAD, BOX_HEAD, BOX_GAP_X, BOX_GAP_Y = 12, 34, 120, 70
MARGIN, LEGEND_H, MAX_COLUMNS = 20, 56, 4
LABEL_CHARS = 27
#: distance of the first lane from a gap's edge, and between lanes, in a channel between boxes
LANE_START, LANE = 16, 13

#: status -> (colour, dash pattern); dashes keep the statuses apart without colour too
STYLE = {
    "violation": ("#c62828", ""),
    "needs_review": ("#e65100", "8 4"),
    "waived": ("#1565c0", "2 4"),
    "compliant": ("#2e7d32", ""),
}


@dataclass(frozen=True)
class Box:
    """A jurisdiction and its systems."""

    country: str
    title: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Node:
    """A system, or the remote users in a jurisdiction."""

    key: str
    kind: str
    label: str
    sublabel: str
    tooltip: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Curve:
    """A transfer (or plain flow) between two nodes."""

    ref: str
    status: str
    colour: str
    dash: str
    width: str
    d: str
    label_x: str
    label_y: str
    tooltip: str
    onward: bool


@dataclass(frozen=True)
class FlowMap:
    """The whole picture, ready for the SVG template."""

    width: int
    height: int
    boxes: tuple[Box, ...]
    nodes: tuple[Node, ...]
    curves: tuple[Curve, ...]
    legend: tuple[tuple[str, str, str, str], ...]


def layout(audit: Audit) -> FlowMap:
    """Place every system, remote-user node and transfer of ``audit``."""
    members = _members(audit)
    order = sorted(members, key=lambda c: (_rank(c, audit.as_of), c))
    columns = min(MAX_COLUMNS, max(1, len(order)))
    cell = {country: (i % columns, i // columns) for i, country in enumerate(order)}
    rows = (len(order) + columns - 1) // columns
    where = {n.key: cell[c] for c, inside in members.items() for n in inside}
    routes = _routes(audit, where)
    lanes = _lane_counts(routes, columns, rows)
    gap_x = [
        max(BOX_GAP_X if 0 < g < columns else MARGIN * 2, 2 * LANE_START + LANE * lanes[("x", g)])
        for g in range(columns + 1)
    ]
    box_w = NODE_W + 2 * BOX_PAD
    col_x = [sum(gap_x[: c + 1]) + c * box_w for c in range(columns)]
    heights = {
        c: BOX_HEAD + len(inside) * (NODE_H + NODE_GAP) - NODE_GAP + BOX_PAD for c, inside in members.items()
    }
    row_h = [max((heights[c] for c in order if cell[c][1] == r), default=0) for r in range(rows)]
    row_y: list[float] = []
    y = float(MARGIN + LEGEND_H)
    for r in range(rows):
        row_y.append(y)
        y += row_h[r] + max(BOX_GAP_Y, 2 * LANE_START + LANE * lanes[("y", r)])
    boxes: list[Box] = []
    nodes: dict[str, Node] = {}
    for country in order:
        col, row = cell[country]
        x, top = float(col_x[col]), row_y[row]
        boxes.append(Box(country, _country_title(country, audit.as_of), x, top, box_w, heights[country]))
        for i, n in enumerate(members[country]):
            nodes[n.key] = Node(
                n.key,
                n.kind,
                _clip(n.label),
                _clip(n.operator if n.kind == "system" else "remote access"),
                f"{n.label} ({n.operator}, {country})" if n.kind == "system" else n.label,
                x + BOX_PAD,
                top + BOX_HEAD + i * (NODE_H + NODE_GAP),
                NODE_W,
                NODE_H,
            )
    grid = _Grid(col_x, box_w, gap_x, [ry + h for ry, h in zip(row_y, row_h, strict=True)])
    curves = tuple(_draw(r, nodes, grid) for r in routes)
    width = sum(gap_x) + columns * box_w
    legend = tuple(
        (status.replace("_", " "), colour, dash, f"{MARGIN + i * 150}")
        for i, (status, (colour, dash)) in enumerate(STYLE.items())
    )
    return FlowMap(
        width=int(width),
        height=int(y),
        boxes=tuple(boxes),
        nodes=tuple(nodes[k] for k in sorted(nodes)),
        curves=curves,
        legend=legend,
    )


def access_key(system: str, country: str) -> str:
    """The node key of the remote users of ``system`` (a file-scoped key) in ``country``."""
    return f"remote users in {country} of {system}"


def _members(audit: Audit) -> dict[str, list[SystemNode]]:
    members: dict[str, list[SystemNode]] = {}
    for s in audit.systems:
        members.setdefault(s.country, []).append(s)
    remote = {
        (t.source_system, t.destination_country, t.file) for t in audit.transfers if t.kind == "remote_access"
    }
    for system, country, file in sorted(remote):
        key = access_key(system, country)
        members.setdefault(country, []).append(
            SystemNode(key, file, key, f"remote users of {system}", "access", country, "access")
        )
    for inside in members.values():
        inside.sort(key=lambda n: (n.kind != "system", n.key))
    return members


def _rank(country: str, as_of: dt.date) -> int:
    if jurisdictions.in_group(country, "cn-mainland", as_of):
        return 0
    return 1 if jurisdictions.in_group(country, "eea", as_of) else 2


def _country_title(code: str, as_of: dt.date) -> str:
    if jurisdictions.in_group(code, "cn-mainland", as_of):
        return f"{code} · mainland China"
    found = pycountry.countries.get(alpha_2=code)
    name = getattr(found, "common_name", None) or getattr(found, "name", None) if found else None
    return f"{code} · {name}" if name else code


def _clip(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


@dataclass
class _Route:
    """One edge to draw and the channel lanes it takes (gap index -> lane number)."""

    ref: str
    status: str
    width: float
    source: str
    destination: str
    tooltip: str
    onward: bool
    kind: str = "lanes"
    exit_gap: int = 0
    entry_gap: int = 0
    row_gap: int = 0
    lane_exit: int = 0
    lane_entry: int = 0
    lane_row: int = 0


@dataclass(frozen=True)
class _Grid:
    col_x: list[int]
    box_w: int
    gap_x: list[int]
    row_bottom: list[float]

    def gap_left(self, g: int) -> float:
        """The left edge of column gap ``g`` (gap 0 is left of the first column)."""
        return float(self.col_x[g - 1] + self.box_w) if g else 0.0


def _routes(audit: Audit, where: dict[str, tuple[int, int]]) -> list[_Route]:
    most = max((t.individuals for t in audit.transfers), default=0)
    out = []
    for t in audit.transfers:
        width = 1.5 + 6.5 * (math.log10(1 + t.individuals) / math.log10(1 + most) if most else 0.0)
        tip = (
            f"{t.ref} {t.name}: {t.source_country} → {t.destination_country}, "
            f"{t.individuals:,} individuals, {t.status.replace('_', ' ')}"
            + (", onward transfer" if t.onward else "")
        )
        dest = t.destination_system or access_key(t.source_system, t.destination_country)
        out.append(_Route(t.ref, t.status, width, t.source_system, dest, tip, t.onward))
    used: dict[tuple[str, int], int] = {}

    def lane(kind: str, index: int) -> int:
        n = used.get((kind, index), 0)
        used[(kind, index)] = n + 1
        return n

    for r in out:
        (ca, ra), (cb, rb) = where[r.source], where[r.destination]
        if ra == rb and abs(cb - ca) == 1:
            r.kind = "adjacent"  # nothing lies between: a plain curve
        elif ca == cb:
            r.kind = "loop"
            r.exit_gap = ca + 1
            r.lane_exit = lane("x", ca + 1)
        else:
            r.exit_gap, r.entry_gap, r.row_gap = ca + 1, cb, ra
            r.lane_exit = lane("x", ca + 1)
            r.lane_row = lane("y", ra)
            r.lane_entry = lane("x", cb)
    return out


def _lane_counts(routes: Sequence[_Route], columns: int, rows: int) -> dict[tuple[str, int], int]:
    counts = {("x", g): 0 for g in range(columns + 1)} | {("y", r): 0 for r in range(rows)}
    for r in routes:
        if r.kind == "adjacent":
            continue
        counts[("x", r.exit_gap)] = max(counts[("x", r.exit_gap)], r.lane_exit + 1)
        if r.kind == "lanes":
            counts[("x", r.entry_gap)] = max(counts[("x", r.entry_gap)], r.lane_entry + 1)
            counts[("y", r.row_gap)] = max(counts[("y", r.row_gap)], r.lane_row + 1)
    return counts


def _draw(r: _Route, nodes: dict[str, Node], grid: _Grid) -> Curve:
    a, b = nodes[r.source], nodes[r.destination]
    colour, dash = STYLE[r.status]
    ay, by = a.y + a.h / 2, b.y + b.h / 2
    if r.kind == "adjacent":
        if b.x > a.x:
            p0, p3 = (a.x + a.w, ay), (b.x - 4, by)
        else:
            p0, p3 = (a.x, ay), (b.x + b.w + 4, by)
        bend = (p3[0] - p0[0]) / 2
        p1, p2 = (p0[0] + bend, p0[1]), (p3[0] - bend, p3[1])
        d = "M {} C {} {} {}".format(*(_pt(p) for p in (p0, p1, p2, p3)))
        mid = _bezier_mid(p0, p1, p2, p3)
    elif r.kind == "loop":
        x = grid.gap_left(r.exit_gap) + LANE_START + LANE * r.lane_exit
        d = f"M {_pt((a.x + a.w, ay))} H {_num(x)} V {_num(by)} H {_num(b.x + b.w + 4)}"
        mid = (x, (ay + by) / 2)
    else:
        x1 = grid.gap_left(r.exit_gap) + LANE_START + LANE * r.lane_exit
        x2 = grid.gap_left(r.entry_gap) + grid.gap_x[r.entry_gap] - LANE_START - LANE * r.lane_entry
        y = grid.row_bottom[r.row_gap] + LANE_START + LANE * r.lane_row
        d = f"M {_pt((a.x + a.w, ay))} H {_num(x1)} V {_num(y)} H {_num(x2)} V {_num(by)} H {_num(b.x - 4)}"
        mid = ((x1 + x2) / 2, y)
    return Curve(
        r.ref, r.status, colour, dash, _num(r.width), d, _num(mid[0]), _num(mid[1]), r.tooltip, r.onward
    )


def _bezier_mid(*p: tuple[float, float]) -> tuple[float, float]:
    return (
        (p[0][0] + 3 * p[1][0] + 3 * p[2][0] + p[3][0]) / 8,
        (p[0][1] + 3 * p[1][1] + 3 * p[2][1] + p[3][1]) / 8,
    )


def _num(v: float) -> str:
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text


def _pt(p: Sequence[float]) -> str:
    return f"{_num(p[0])},{_num(p[1])}"
