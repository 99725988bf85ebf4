"""Draw a small lineage graph as SVG: nodes in columns (upstream on the left,
downstream on the right), curved edges, restricted -> external paths in red.

Pure layout: the caller says which column each node belongs to. Every label is
escaped, every node links to its page, and the drawing needs no JavaScript.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup, escape

NODE_W, NODE_H, COL_GAP, ROW_GAP, PAD = 210, 40, 80, 12, 14
MAX_PER_COLUMN = 14


@dataclass
class GNode:
    id: str
    label: str
    column: int
    kind: str = "asset"
    sub: str = ""
    href: str | None = None
    classes: set[str] = field(default_factory=set)


@dataclass
class GEdge:
    source: str
    target: str
    label: str = ""
    hot: bool = False


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def render(nodes: list[GNode], edges: list[GEdge], *, title: str) -> Markup:
    if not nodes:
        return Markup('<p class="notice">No lineage recorded.</p>')
    by_col: dict[int, list[GNode]] = defaultdict(list)
    for node in nodes:
        by_col[node.column].append(node)
    cols = sorted(by_col)
    placed: dict[str, tuple[float, float]] = {}
    hidden: dict[int, int] = {}
    for c in cols:
        members = sorted(by_col[c], key=lambda n: ("hot" not in n.classes, n.kind, n.label))
        if len(members) > MAX_PER_COLUMN:
            hidden[c] = len(members) - (MAX_PER_COLUMN - 1)
            members = members[: MAX_PER_COLUMN - 1]
        by_col[c] = members
    rows = max(len(by_col[c]) + (1 if c in hidden else 0) for c in cols)
    height = PAD * 2 + rows * NODE_H + (rows - 1) * ROW_GAP
    width = PAD * 2 + len(cols) * NODE_W + (len(cols) - 1) * COL_GAP
    for i, c in enumerate(cols):
        members = by_col[c]
        count = len(members) + (1 if c in hidden else 0)
        block = count * NODE_H + (count - 1) * ROW_GAP
        top = (height - block) / 2
        x = PAD + i * (NODE_W + COL_GAP)
        for j, node in enumerate(members):
            placed[node.id] = (x, top + j * (NODE_H + ROW_GAP))
    parts = [
        f'<svg class="lineage" viewBox="0 0 {width} {height}" role="img" '
        f'width="{width}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        '<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="#a8b3c4"/></marker><marker id="arr-hot" viewBox="0 0 10 10" refX="9" '
        'refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0L10,5L0,10z" fill="#b42318"/></marker></defs>'
    ]
    for edge in sorted(edges, key=lambda e: e.hot):
        if edge.source not in placed or edge.target not in placed:
            continue
        (sx, sy), (tx, ty) = placed[edge.source], placed[edge.target]
        if sx <= tx:
            x1, x2 = sx + NODE_W, tx
        else:
            x1, x2 = sx, tx + NODE_W
        y1, y2 = sy + NODE_H / 2, ty + NODE_H / 2
        bend = max(abs(x2 - x1) / 2, 30)
        direction = 1 if x2 >= x1 else -1
        cls = "edge hot" if edge.hot else "edge"
        marker = "arr-hot" if edge.hot else "arr"
        parts.append(
            f'<path class="{cls}" d="M{x1:.1f},{y1:.1f} C{x1 + bend * direction:.1f},{y1:.1f} '
            f'{x2 - bend * direction:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
            f'marker-end="url(#{marker})"><title>{escape(edge.label)}</title></path>'
        )
    for node in nodes:
        if node.id not in placed:
            continue
        x, y = placed[node.id]
        classes = " ".join(sorted({"node", node.kind, *node.classes}))
        inner = (
            f'<g class="{escape(classes)}" data-node="{escape(node.id)}">'
            f"<title>{escape(node.id)}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
            f'<text x="{x + 9:.1f}" y="{y + 16:.1f}">{escape(_clip(node.label))}</text>'
            f'<text class="sub" x="{x + 9:.1f}" y="{y + 31:.1f}">{escape(_clip(node.sub, 36))}'
            "</text></g>"
        )
        if node.href:
            inner = f'<a href="{escape(node.href)}">{inner}</a>'
        parts.append(inner)
    for i, c in enumerate(cols):
        if c in hidden:
            x = PAD + i * (NODE_W + COL_GAP)
            count = len(by_col[c]) + 1
            block = count * NODE_H + (count - 1) * ROW_GAP
            y = (height - block) / 2 + len(by_col[c]) * (NODE_H + ROW_GAP)
            parts.append(
                f'<g class="node more"><rect x="{x}" y="{y:.1f}" width="{NODE_W}" '
                f'height="{NODE_H}" rx="6"/><text x="{x + 9}" y="{y + 24:.1f}">'
                f"+ {hidden[c]} more</text></g>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
