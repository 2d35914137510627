"""One rounding rule for every figure people read: means, percentages and their intervals.

A figure is rounded once, here, to one decimal place, halves away from zero, as the number is
written in decimal: 4.65 becomes 4.7 and -4.65 becomes -4.7 (Python's round() would give 4.7 for
one and 4.6 for 4.45's neighbours, by the float's binary value and "halves to even"). Pages, charts
and the downloads of what a page shows all go through `rounded` (and `figure_text` for words), so
the same data reads the same everywhere. Exports of the answers themselves are not rounded.
"""

import math
from decimal import ROUND_HALF_UP, Decimal

PLACES = 1
NO_DATA = "no data"


def rounded(value, places: int = PLACES) -> float | None:
    """`value` to `places` decimal places, halves away from zero; None (no figure) for None or
    not-a-number."""
    if value is None:
        return None
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    # repr() is the shortest decimal that is this float: 4.65, not 4.6499999999999995.
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def figure_text(value, places: int = PLACES, unit: str = "") -> str:
    """A figure as people read it: rounded by the rule above, thousands separated, whole numbers
    without ".0" ("12", "4.7", "1,234.5"); "no data" when there is none. Counts (ints) are
    written as they are."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    figure = rounded(value, places)
    if figure is None:
        return NO_DATA
    if figure == 0:
        figure = 0.0  # never "-0"
    text = f"{int(figure):,}" if figure.is_integer() else f"{figure:,.{places}f}"
    return f"{text}{unit}"
