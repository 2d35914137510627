"""Charts drawn by the server as SVG: no JavaScript, no CDN, nothing a strict CSP blocks.

Every chart is a picture of a table the page shows next to it (the text alternative), so:
- it is an image to assistive technology (role="img"), named by its <title> and summarised, with
  its figures, by its <desc>;
- every bar and point carries its value as text: a number is never only a length or a colour;
- it scales with its container (a viewBox, width 100%), so it reflows on a phone and at 200% zoom;
- colours are the NHS palette with enough contrast on white: NHS blue #005eb8 (6.4:1, bars and
  lines) and NHS black #212b32 (14.4:1, text); the axis is NHS dark grey #4c6272 (6.4:1);
- styling is by SVG presentation attributes (fill, stroke, font-size), never style="", which a
  Content-Security-Policy of style-src 'self' would block.

Labels are people's and programmes' names: each is escaped before it is placed, and the markup
is marked safe only once it is whole.
"""

import hashlib
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cms.numbers import figure_text

NO_DATA = "No data to chart."

BLUE = "#005eb8"
TEXT = "#212b32"
AXIS = "#4c6272"
FONT = "Frutiger W01, Arial, sans-serif"
FONT_SIZE = 15

# Bar chart geometry, in viewBox units: each bar is a row with its label above it.
BAR_WIDTH = 480
BAR_VALUE_ROOM = 110  # room right of the longest bar for its value
BAR_ROW = 48
BAR_HEIGHT = 18
LABEL_LENGTH = 58  # characters shown under the bar; the <desc> and the table have them whole

# Line chart geometry.
LINE_MIN_WIDTH = 480
LINE_STEP = 84  # horizontal room per point, so labels along the axis do not overlap
LINE_LABEL_LENGTH = 16
LINE_LABEL_FITS = 9  # characters that fit under a point; longer labels alternate on two rows
LINE_HEIGHT = 260
LINE_TOP = 34  # room above the highest point for its value
LINE_BOTTOM = 40  # room below the axis for the labels (one row; a second row adds LINE_ROW)
LINE_ROW = 20
LINE_SIDE = 40

# Past this many figures the <desc> summarises instead of listing (the table lists them all).
DESC_LIST_LIMIT = 30


def number(value: float | None, unit: str = "") -> str:
    """A figure as people read it, by the project's one rounding rule (cms.numbers)."""
    return figure_text(value, unit=unit)


def _short(label: str, limit: int = LABEL_LENGTH) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _chart_id(kind: str, title: str, data: Sequence[tuple[str, float | None]]) -> str:
    # Stable, so the same chart renders the same markup; distinct for different charts on a page.
    digest = hashlib.sha1(repr((kind, title, list(data))).encode(), usedforsecurity=False)
    return f"chart-{digest.hexdigest()[:12]}"


def _description(data: Sequence[tuple[str, float | None]], unit: str, what: str) -> str:
    if len(data) <= DESC_LIST_LIMIT:
        figures = "; ".join(f"{label}: {number(value, unit)}" for label, value in data)
        return f"{len(data)} {what}. {figures}."
    known = [(label, value) for label, value in data if value is not None]
    if not known:
        return f"{len(data)} {what}, none with data. The table gives each one."
    highest = max(known, key=lambda pair: pair[1])
    lowest = min(known, key=lambda pair: pair[1])
    return (
        f"{len(data)} {what}, from {number(lowest[1], unit)} ({lowest[0]}) to "
        f"{number(highest[1], unit)} ({highest[0]}). The table gives each one."
    )


def _open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 {width:g} '
        f'{height:g}" width="100%" role="img" aria-labelledby="{chart_id}-title '
        f'{chart_id}-desc" font-family="{FONT}" font-size="{FONT_SIZE}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _no_data() -> SafeString:
    return mark_safe(f'<p class="nhsuk-body">{escape(NO_DATA)}</p>')  # noqa: S308 (constant)


def bar_chart(
    *,
    title: str,
    bars: list[tuple[str, float]],
    unit: str = "",
    maximum: float | None = None,
) -> SafeString:
    """Horizontal bars, one per (label, value), each with its label above and its value written
    at its end. Lengths are proportional to `maximum` (for rates, pass 100) or to the largest
    value; a value of None is drawn as no bar and "no data"."""
    if not bars:
        return _no_data()
    values = [value for _, value in bars if value is not None]
    top = maximum if maximum is not None else max(values, default=0)
    scale = (BAR_WIDTH - BAR_VALUE_ROOM) / top if top and top > 0 else 0
    chart_id = _chart_id("bar", title, bars)
    height = len(bars) * BAR_ROW + 8
    parts = _open(chart_id, BAR_WIDTH, height, title, _description(bars, unit, "bars"))
    for index, (label, value) in enumerate(bars):
        row = index * BAR_ROW
        length = round(max(0.0, min(float(value or 0), top or 0)) * scale, 2)
        parts.append("<g>")
        parts.append(f'<text x="0" y="{row + 16}" fill="{TEXT}">{escape(_short(label))}</text>')
        parts.append(
            f'<rect x="0" y="{row + 22}" width="{length:g}" height="{BAR_HEIGHT}" fill="{BLUE}"/>'
        )
        parts.append(
            f'<text x="{length + 6:g}" y="{row + 36}" fill="{TEXT}" font-weight="bold">'
            f"{escape(number(value, unit))}</text>"
        )
        parts.append("</g>")
    parts.append(
        f'<line x1="0.5" y1="18" x2="0.5" y2="{height - 4}" stroke="{AXIS}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every label and title escaped above)


def line_chart(
    *,
    title: str,
    points: list[tuple[str, float]],
    unit: str = "",
) -> SafeString:
    """A line through (label, value) points from left to right (session 1 to 7, month by
    month), each point with its value written above it and its label below the axis. The axis
    starts at 0. A value of None breaks the line and reads "no data"."""
    if not points:
        return _no_data()
    width = max(LINE_MIN_WIDTH, LINE_STEP * len(points) + 2 * LINE_SIDE)
    values = [value for _, value in points if value is not None]
    top = max(values, default=0)
    labels = [_short(label, LINE_LABEL_LENGTH) for label, _ in points]
    two_rows = len(points) > 1 and max(len(label) for label in labels) > LINE_LABEL_FITS
    height = LINE_HEIGHT + (LINE_ROW if two_rows else 0)
    plot_height = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    baseline = LINE_TOP + plot_height
    step = (width - 2 * LINE_SIDE) / (len(points) - 1) if len(points) > 1 else 0

    def x_of(index: int) -> float:
        return round(LINE_SIDE + index * step if len(points) > 1 else width / 2, 2)

    def y_of(value: float) -> float:
        if not top or top <= 0:
            return baseline
        return round(baseline - max(0.0, float(value)) / top * plot_height, 2)

    chart_id = _chart_id("line", title, points)
    parts = _open(chart_id, width, height, title, _description(points, unit, "points"))
    parts.append(
        f'<line x1="{LINE_SIDE / 2:g}" y1="{baseline + 0.5:g}" x2="{width - LINE_SIDE / 2:g}" '
        f'y2="{baseline + 0.5:g}" stroke="{AXIS}" stroke-width="1"/>'
    )
    # The line, broken where a value is missing.
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, (_, value) in enumerate(points):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x_of(index):g},{y_of(value):g}")
    if segment:
        segments.append(segment)
    for line in segments:
        if len(line) > 1:
            parts.append(
                f'<polyline points="{" ".join(line)}" fill="none" stroke="{BLUE}" '
                'stroke-width="3" stroke-linejoin="round"/>'
            )
    for index, (_, value) in enumerate(points):
        x = x_of(index)
        label_y = baseline + 24 + (LINE_ROW if two_rows and index % 2 else 0)
        parts.append("<g>")
        if value is not None:
            y = y_of(value)
            parts.append(f'<circle cx="{x:g}" cy="{y:g}" r="5" fill="{BLUE}"/>')
            value_y = y - 12
        else:
            value_y = baseline - 8
        parts.append(
            f'<text x="{x:g}" y="{value_y:g}" text-anchor="middle" fill="{TEXT}" '
            f'font-weight="bold">{escape(number(value, unit))}</text>'
        )
        parts.append(
            f'<text x="{x:g}" y="{label_y:g}" text-anchor="middle" fill="{TEXT}">'
            f"{escape(labels[index])}</text>"
        )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every label and title escaped above)
