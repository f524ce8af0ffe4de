"""The sweep chart: one inline SVG, two panels (eligible addresses; expected payout) per value, the base marked.

No scripts, fonts or links: the report stays self-contained. The same figures give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:12px"
PANEL_WIDTH, PANEL_HEIGHT = 300, 190
LEFT, RIGHT, TOP, BOTTOM = 64, 34, 34, 38
LINE_COLOUR = "#01689b"
BASE_COLOUR = "#e17000"


def _y(value: float, low: float, high: float) -> float:
    span = high - low or 1.0
    return TOP + (1 - (value - low) / span) * (PANEL_HEIGHT - TOP - BOTTOM)


def _x(i: int, n: int) -> float:
    inner = PANEL_WIDTH - LEFT - RIGHT
    return LEFT + (inner / 2 if n == 1 else i * inner / (n - 1))


def _panel(offset: int, title: str, labels: Sequence[str], values: Sequence[float], shown: Sequence[str],
           base: float, base_shown: str, marked: Sequence[bool]) -> list[str]:
    low = min(0.0, *values, base)
    high = max(*values, base) or 1.0
    n = len(values)
    parts = [f'<g transform="translate({offset},0)">',
             f'<text x="{LEFT}" y="16" style="{FONT};font-weight:600">{escape(title)}</text>',
             f'<line x1="{LEFT}" y1="{PANEL_HEIGHT - BOTTOM}" x2="{PANEL_WIDTH - RIGHT}" y2="{PANEL_HEIGHT - BOTTOM}"'
             ' stroke="#888"/>']
    base_y = _y(base, low, high)
    parts.append(f'<line x1="{LEFT}" y1="{base_y:.1f}" x2="{PANEL_WIDTH - RIGHT}" y2="{base_y:.1f}" '
                 f'stroke="{BASE_COLOUR}" stroke-dasharray="5 4"/>')
    parts.append(f'<text x="{LEFT - 4}" y="{base_y + 4:.1f}" text-anchor="end" style="{FONT}" '
                 f'fill="{BASE_COLOUR}">{escape(base_shown)}</text>')
    points = " ".join(f"{_x(i, n):.1f},{_y(v, low, high):.1f}" for i, v in enumerate(values))
    parts.append(f'<polyline points="{points}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>')
    for i, (value, label, text) in enumerate(zip(values, labels, shown)):
        x, y = _x(i, n), _y(value, low, high)
        colour = BASE_COLOUR if marked[i] else LINE_COLOUR
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{5 if marked[i] else 3.5}" fill="{colour}">'
                     f'<title>{escape(label)}: {escape(text)}</title></circle>')
        parts.append(f'<text x="{x:.1f}" y="{PANEL_HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                     f'style="{FONT}">{escape(label)}</text>')
    parts.append("</g>")
    return parts


def sweep_chart(title: str, labels: Sequence[str], eligible: Sequence[int], eligible_shown: Sequence[str],
                payout: Sequence[float], payout_shown: Sequence[str], base_eligible: int, base_eligible_shown: str,
                base_payout: float, base_payout_shown: str, marked: Sequence[bool]) -> Markup:
    """Two line panels over the swept values; the dashed line is the base framework, a larger dot its own value."""
    width = 2 * PANEL_WIDTH + 20
    height = PANEL_HEIGHT + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    parts += _panel(0, "Adressen in aanmerking", labels, eligible, eligible_shown, base_eligible,
                    base_eligible_shown, marked)
    parts += _panel(PANEL_WIDTH + 20, "Verwachte uitbetaling", labels, payout, payout_shown, base_payout,
                    base_payout_shown, marked)
    legend_y = PANEL_HEIGHT + 16
    parts.append(f'<line x1="{LEFT}" y1="{legend_y - 4}" x2="{LEFT + 24}" y2="{legend_y - 4}" stroke="{BASE_COLOUR}" '
                 'stroke-dasharray="5 4"/>')
    parts.append(f'<text x="{LEFT + 30}" y="{legend_y}" style="{FONT}">geldende regels (basis); grote stip: '
                 'de waarde van de basis</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
