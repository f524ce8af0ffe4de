"""Small inline SVG bar charts for self-contained HTML reports: no scripts, no fonts, no network.

A chart only draws the values it is given. A value of None is a suppressed cell:
it gets no bar, only the suppression mark, so a bar never reveals what a table hides.
The output is deterministic: the same values give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

MIN_LABEL_WIDTH = 90
CHAR_WIDTH = 7.2  # of a 12px sans-serif label, generously
VALUE_ROOM = 64
BAR_HEIGHT = 16
BAR_GAP = 3
ROW_GAP = 12
LEGEND_HEIGHT = 26
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:12px"


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _frame(title: str, rows, series, width: int, value_room: int, with_legend: bool):
    """What both bar charts share: the checks, the scale and layout, and the opening of the SVG."""
    if not series:
        raise ValueError("a chart needs at least one series")
    for label, values in rows:
        if len(values) != len(series):
            raise ValueError(f"row {label!r} has {len(values)} values for {len(series)} series")
    shown = [v for _, values in rows for v in values if v is not None]
    top = max(shown + [1])
    longest = max([len(label) for label, _ in rows] + [0])
    label_width = int(min(max(MIN_LABEL_WIDTH, CHAR_WIDTH * longest + 16), width // 2))
    plot = width - label_width - value_room
    group = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    legend = LEGEND_HEIGHT if with_legend else 0
    height = legend + len(rows) * (group + ROW_GAP) + ROW_GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    return top, label_width, plot, group, height, parts


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, Sequence[int | None]]],
    series: Sequence[tuple[str, str]],
    *,
    width: int = 640,
    suppressed_mark: str = "·",
) -> Markup:
    """Horizontal (grouped) bars: one group per row, one bar per series `(label, colour)`."""
    top, label_width, plot, group, height, parts = _frame(title, rows, series, width, VALUE_ROOM, len(series) > 1)
    legend = LEGEND_HEIGHT if len(series) > 1 else 0
    if legend:
        x = label_width
        for label, colour in series:
            parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
            parts.append(f'<text x="{x + 16}" y="16" fill="#222">{escape(label)}</text>')
            x += 24 + 7 * len(label)
    y = legend + ROW_GAP
    for label, values in rows:
        parts.append(
            f'<text x="{label_width - 8}" y="{y + group / 2 + 4:.1f}" text-anchor="end" fill="#222">{escape(label)}</text>'
        )
        for i, ((name, colour), value) in enumerate(zip(series, values)):
            top_y = y + i * (BAR_HEIGHT + BAR_GAP)
            text_y = top_y + BAR_HEIGHT - 4
            if value is None:
                parts.append(
                    f'<text x="{label_width + 4}" y="{text_y + 1}" fill="#555" style="font-size:16px;font-weight:700">'
                    f"<title>{escape(name)}: niet getoond</title>{escape(suppressed_mark)}</text>"
                )
                continue
            length = plot * value / top
            parts.append(
                f'<rect x="{label_width}" y="{top_y}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{colour}">'
                f"<title>{escape(name)}: {_number(value)}</title></rect>"
            )
            parts.append(f'<text x="{label_width + length + 4:.1f}" y="{text_y}" fill="#222">{_number(value)}</text>')
        y += group + ROW_GAP
    parts.append(f'<line x1="{label_width}" y1="{legend + 4}" x2="{label_width}" y2="{height - 4}" stroke="#888"/>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


SUPPRESSED_TEXT = "niet getoond"


def release_bar_chart(
    title: str,
    rows: Sequence[tuple[str, Sequence[int | None]]],
    series: Sequence[tuple[str, str]],
    *,
    width: int = 680,
) -> Markup:
    """Horizontal bars for the public report: every category keeps its row, numbers the Dutch way (1.000).

    A suppressed value (None) gets a dashed, empty box with the words "niet getoond" and no
    bar, so it cannot be mistaken for a 0, which is drawn as a short dark stub with "0". The
    chart prints only the values it is given, beside their bars: it has no numbered axis.
    """
    top, label_width, plot, group, height, parts = _frame(title, rows, series, width, 110, True)
    legend = LEGEND_HEIGHT
    x = label_width
    for label, colour in series:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="16" fill="#222">{escape(label)}</text>')
        x += 24 + 7 * len(label)
    parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="none" stroke="#555" stroke-dasharray="3 2"/>')
    parts.append(f'<text x="{x + 16}" y="16" fill="#222">{SUPPRESSED_TEXT}</text>')
    y = legend + ROW_GAP
    for label, values in rows:
        parts.append(
            f'<text x="{label_width - 8}" y="{y + group / 2 + 4:.1f}" text-anchor="end" fill="#222">{escape(label)}</text>'
        )
        for (name, colour), value in zip(series, values):
            top_y = y + series.index((name, colour)) * (BAR_HEIGHT + BAR_GAP)
            text_y = top_y + BAR_HEIGHT - 4
            if value is None:
                parts.append(
                    f'<rect class="onderdrukt" x="{label_width + 2}" y="{top_y + 1}" width="84" height="{BAR_HEIGHT - 2}"'
                    f' fill="#fff" stroke="#555" stroke-dasharray="3 2"><title>{escape(name)}: {SUPPRESSED_TEXT}</title></rect>'
                )
                parts.append(
                    f'<text x="{label_width + 8}" y="{text_y}" fill="#555" font-style="italic">{SUPPRESSED_TEXT}</text>'
                )
                continue
            length = max(plot * value / top, 2.0)  # a 0 is a visible stub, not nothing
            fill = "#222" if value == 0 else colour
            parts.append(
                f'<rect x="{label_width}" y="{top_y}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{fill}">'
                f"<title>{escape(name)}: {_number(value)}</title></rect>"
            )
            parts.append(f'<text x="{label_width + length + 4:.1f}" y="{text_y}" fill="#222">{_number(value)}</text>')
        y += group + ROW_GAP
    parts.append(f'<line x1="{label_width}" y1="{legend + 4}" x2="{label_width}" y2="{height - 4}" stroke="#888"/>')
    parts.append("</svg>")
    return Markup("\n".join(parts))
