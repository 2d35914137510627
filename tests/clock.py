"""The instant the suite runs at.

Every test runs on a frozen clock (time-machine, `tick=False`) at one fixed instant, so a test
never depends on the hour CI happens to run. `TEST_NOW` (any ISO 8601 instant with its offset)
moves the whole suite to another instant: `TEST_NOW=2027-03-28T00:30:00+00:00 make test`.
`make test-clock` runs the tests marked `clock` at each of the awkward instants in SWEEP.
"""

import os
from datetime import datetime

# A Wednesday morning in term time: nothing special about it, which is the point.
DEFAULT_INSTANT = "2026-11-18T10:30:00+00:00"

# Instants where date and time code usually breaks (Europe/London): late on a Sunday and just
# after midnight on a Monday (week boundaries), either side of the change to and from British
# Summer Time, the last minute of a year, and a leap day.
SWEEP = (
    "2027-01-10T23:45:00+00:00",  # Sunday 23:45 GMT
    "2027-01-11T00:15:00+00:00",  # Monday 00:15 GMT
    "2027-03-28T00:30:00+00:00",  # BST starts: 00:30 GMT, half an hour before the clocks go forward
    "2027-03-28T02:30:00+01:00",  # BST starts: 02:30 BST, the first hour of summer time
    "2027-10-31T01:30:00+01:00",  # BST ends: the first 01:30 (summer time)
    "2027-10-31T01:30:00+00:00",  # BST ends: the second 01:30 (GMT), an hour later
    "2026-12-31T23:59:00+00:00",  # the last minute of a year
    "2028-02-29T12:00:00+00:00",  # a leap day
)


def parse(value: str) -> datetime:
    """An ISO 8601 instant, which must carry its UTC offset."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"TEST_NOW must carry a UTC offset, for example +00:00: {value!r}")
    return moment


def instant() -> datetime:
    """The frozen instant: TEST_NOW if set, else DEFAULT_INSTANT. Must carry an offset."""
    return parse(os.environ.get("TEST_NOW") or DEFAULT_INSTANT)
