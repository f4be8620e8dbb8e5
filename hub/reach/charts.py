"""Charts as SVG, written by hand (no JavaScript, no chart library): a line chart of
reach over time per channel, bar charts of top stories and a person's month, and a
pie of the channel mix. Pure functions of the figures; every text is XML-escaped.
"""

from __future__ import annotations

import math
from datetime import datetime
from xml.sax.saxutils import escape

from hub.reach.schedule import CST

W, H = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 150, 40, 40
PALETTE = (
    "#c0392b",
    "#2980b9",
    "#27ae60",
    "#8e44ad",
    "#d35400",
    "#16a085",
    "#7f8c8d",
    "#f1c40f",
    "#2c3e50",
    "#e84393",
)
FONT = 'font-family="PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"'


def _svg(body: list[str], title: str, width: int = W, height: int = H) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" {FONT} font-size="12">'
    )
    return "\n".join(
        [
            head,
            f"<title>{escape(title)}</title>",
            '<rect width="100%" height="100%" fill="#fff"/>',
            f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
            *body,
            "</svg>",
        ]
    )


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _fmt(n: float) -> str:
    if n >= 10_000:
        return f"{n / 10_000:g}万"
    return f"{n:g}"


def line_chart(title: str, series: dict[str, list[tuple[int, float]]]) -> str:
    """Lines of (epoch ms, value) per named series (e.g. a story's views per channel)."""
    points = [p for s in series.values() for p in s]
    body: list[str] = []
    if not points:
        body.append(
            f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#888">暂无数据 / no data</text>'
        )
        return _svg(body, title)
    x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
    x1 = x1 if x1 > x0 else x0 + 1
    ymax = _nice_max(max(p[1] for p in points))
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(x: int) -> float:
        return LEFT + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return TOP + ph - y / ymax * ph

    for i in range(5):
        v = ymax * i / 4
        body.append(
            f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" stroke="#eee"/>'
        )
        body.append(
            f'<text x="{LEFT - 6}" y="{sy(v) + 4:.1f}" text-anchor="end" fill="#555">{_fmt(v)}</text>'
        )
    for x in (x0, x1):
        label = datetime.fromtimestamp(x / 1000, CST).strftime("%m-%d %H:%M")
        body.append(
            f'<text x="{sx(x):.1f}" y="{H - BOTTOM + 18}" text-anchor="middle" fill="#555">{label}</text>'
        )
    for i, (name, pts) in enumerate(sorted(series.items())):
        color = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in sorted(pts))
        body.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"><title>{escape(name)}</title></polyline>'
        )
        body.append(
            f'<rect x="{W - RIGHT + 14}" y="{TOP + i * 20}" width="12" height="12" fill="{color}"/>'
        )
        body.append(f'<text x="{W - RIGHT + 32}" y="{TOP + i * 20 + 11}">{escape(name)}</text>')
    return _svg(body, title)


def bar_chart(title: str, rows: list[tuple[str, float]]) -> str:
    """Horizontal bars, one per (label, value), in the given order (top stories, a person's stories)."""
    height = max(H, TOP + BOTTOM + 26 * len(rows))
    body: list[str] = []
    if not rows:
        body.append(
            f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#888">暂无数据 / no data</text>'
        )
        return _svg(body, title, height=height)
    vmax = _nice_max(max(v for _, v in rows))
    label_w, pw = 240, W - 240 - 80
    for i, (label, value) in enumerate(rows):
        y = TOP + i * 26
        short = label if len(label) <= 18 else label[:17] + "…"
        width = max(0.0, value / vmax * pw)
        body.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end"><title>{escape(label)}</title>{escape(short)}</text>'
        )
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="16" fill="{PALETTE[1]}"/>'
        )
        body.append(
            f'<text x="{label_w + width + 6:.1f}" y="{y + 15}" fill="#333">{_fmt(value)}</text>'
        )
    return _svg(body, title, height=height)


def pie_chart(title: str, rows: list[tuple[str, float]]) -> str:
    """Shares of a whole (the channel mix), largest first."""
    rows = [(k, v) for k, v in rows if v > 0]
    body: list[str] = []
    total = sum(v for _, v in rows)
    if not total:
        body.append(
            f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#888">暂无数据 / no data</text>'
        )
        return _svg(body, title)
    cx, cy, r = 220, H / 2 + 10, 130
    angle = -math.pi / 2
    for i, (label, value) in enumerate(sorted(rows, key=lambda kv: -kv[1])):
        color = PALETTE[i % len(PALETTE)]
        share = value / total
        if share >= 0.9999:
            body.append(
                f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{color}"><title>{escape(label)}</title></circle>'
            )
        else:
            end = angle + share * 2 * math.pi
            x0, y0 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x1, y1 = cx + r * math.cos(end), cy + r * math.sin(end)
            large = 1 if share > 0.5 else 0
            body.append(
                f'<path d="M{cx},{cy} L{x0:.2f},{y0:.2f} A{r},{r} 0 {large} 1 {x1:.2f},{y1:.2f} Z" fill="{color}">'
                f"<title>{escape(label)}</title></path>"
            )
            angle = end
        body.append(
            f'<rect x="420" y="{TOP + 10 + i * 22}" width="12" height="12" fill="{color}"/>'
        )
        body.append(
            f'<text x="438" y="{TOP + 21 + i * 22}">{escape(label)} {_fmt(value)}({share:.1%})</text>'
        )
    return _svg(body, title)
