"""Server-rendered SVG charts: readable without JavaScript, labelled, accessible.

Each function returns escaped SVG markup (``Markup``) with a ``<title>`` and an
``aria-label``, so screen readers get the figures and every label is inert text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = (
    "#2456c8",
    "#2e9e8f",
    "#e0a030",
    "#8e5bd0",
    "#d0546c",
    "#5b8fd9",
    "#7a9a3a",
    "#b07848",
    "#4aa3c7",
    "#9aa3b0",
)
TONE_COLOURS = {
    "critical": "#9f1a12",
    "high": "#d9534f",
    "medium": "#e0a030",
    "low": "#3f9d6b",
    "info": "#9aa3b0",
}


@dataclass
class Item:
    label: str
    value: float
    href: str | None = None
    colour: str | None = None


def _fmt(value: float) -> str:
    return f"{int(value):,}".replace(",", "\u202f") if float(value).is_integer() else f"{value:.1f}"


def _link(inner: str, href: str | None) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def hbars(
    items: Sequence[Item],
    *,
    title: str,
    width: int = 520,
    label_width: int = 150,
    bar_height: int = 18,
    gap: int = 8,
    colour: str = PALETTE[0],
    label_chars: int = 22,
) -> Markup:
    """Horizontal bars, largest first, value at the end of each bar."""
    if not items:
        return Markup('<p class="notice">Nothing to show yet.</p>')
    top = max(i.value for i in items) or 1
    plot = width - label_width - 60
    height = len(items) * (bar_height + gap) + gap
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for n, item in enumerate(items):
        y = gap + n * (bar_height + gap)
        w = max(plot * item.value / top, 2 if item.value else 0)
        label = item.label
        if len(label) > label_chars:
            label = label[: label_chars - 1] + "…"
        fill = item.colour or colour
        bar = (
            f'<text class="lbl" x="{label_width - 8}" y="{y + bar_height * 0.72}" '
            f'text-anchor="end">{escape(label)}<title>{escape(item.label)}</title></text>'
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" rx="3" '
            f'fill="{fill}"/>'
            f'<text class="val" x="{label_width + w + 6:.1f}" y="{y + bar_height * 0.72}">'
            f"{_fmt(item.value)}</text>"
        )
        parts.append(_link(bar, item.href))
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(
    items: Sequence[Item],
    *,
    title: str,
    width: int = 520,
    height: int = 180,
    colour: str = PALETTE[1],
) -> Markup:
    """Vertical columns over time (e.g. new automations per week), with a light grid."""
    if not items:
        return Markup('<p class="notice">Nothing to show yet.</p>')
    left, bottom, top_pad = 34, 22, 14
    plot_w, plot_h = width - left - 6, height - bottom - top_pad
    top = max(max(i.value for i in items), 1)
    step = _nice_step(top)
    ceiling = step * math.ceil(top / step)
    slot = plot_w / len(items)
    bar = slot * 0.64
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    tick = 0.0
    while tick <= ceiling + 1e-9:
        y = top_pad + plot_h - plot_h * tick / ceiling
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>'
        )
        tick += step
    for n, item in enumerate(items):
        h = plot_h * item.value / ceiling
        x = left + n * slot + (slot - bar) / 2
        y = top_pad + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" rx="2" '
            f'fill="{item.colour or colour}"><title>{escape(item.label)}: '
            f"{_fmt(item.value)}</title></rect>"
        )
        if item.value:
            parts.append(
                f'<text class="val" x="{x + bar / 2:.1f}" y="{y - 3:.1f}" '
                f'text-anchor="middle">{_fmt(item.value)}</text>'
            )
        every = max(1, len(items) // 6)
        last = len(items) - 1
        if (n % every == 0 and last - n >= every) or n == last:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 6}" text-anchor="middle">'
                f"{escape(item.label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_step(top: float) -> float:
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return max(mult * power, 1)
    return 10 * power


def donut(
    items: Sequence[Item], *, title: str, centre: str = "", caption: str = "", size: int = 130
) -> Markup:
    """A ring of shares with a figure in the middle."""
    total = sum(i.value for i in items)
    r, stroke = size / 2 - 10, 18
    c = size / 2
    parts = [
        f'<svg class="chart" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="#eef0f3" '
        f'stroke-width="{stroke}"/>'
    ]
    if total:
        circumference = 2 * math.pi * r
        offset = 0.0
        for n, item in enumerate(items):
            length = circumference * item.value / total
            if length <= 0:
                continue
            colour = item.colour or PALETTE[n % len(PALETTE)]
            parts.append(
                f'<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="{colour}" '
                f'stroke-width="{stroke}" stroke-dasharray="{length:.2f} '
                f'{circumference - length:.2f}" stroke-dashoffset="{-offset:.2f}" '
                f'transform="rotate(-90 {c} {c})"><title>{escape(item.label)}: '
                f"{_fmt(item.value)}</title></circle>"
            )
            offset += length
    parts.append(
        f'<text x="{c}" y="{c + 2}" text-anchor="middle" style="font-size:20px;'
        f'font-weight:700;fill:#1d2430">{escape(centre)}</text>'
    )
    if caption:
        parts.append(f'<text x="{c}" y="{c + 18}" text-anchor="middle">{escape(caption)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(items: Sequence[Item]) -> Markup:
    parts = ['<div class="legend">']
    for n, item in enumerate(items):
        colour = item.colour or PALETTE[n % len(PALETTE)]
        text = f'<i style="background:{colour}"></i>{escape(item.label)} · {_fmt(item.value)}'
        parts.append(f"<span>{_link(text, item.href)}</span>")
    parts.append("</div>")
    return Markup("".join(parts))


def stacked(items: Sequence[Item], *, title: str, width: int = 520, height: int = 22) -> Markup:
    """One horizontal bar split into shares (e.g. open violations by severity)."""
    total = sum(i.value for i in items)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<rect width="{width}" height="{height}" rx="4" fill="#eef0f3"/>'
    ]
    x = 0.0
    for n, item in enumerate(items):
        if not total or not item.value:
            continue
        w = width * item.value / total
        colour = item.colour or PALETTE[n % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.1f}" width="{w:.1f}" height="{height}" fill="{colour}">'
            f"<title>{escape(item.label)}: {_fmt(item.value)}</title></rect>"
        )
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))
