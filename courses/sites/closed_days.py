"""Whether a site is closed on a day, and why: the one rule every planning step asks.

A site is closed on its nation's public holidays (worked out from the `holidays` package, never
copied into rows) and on the days it closed itself (`ClosedDay` rows of kind closed). A row of
kind open on a public holiday opens it. A site's own row wins over the public holiday, so a lead
who closes Easter Monday for a reason of their own sees that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays

from courses.models import ClosedDay, Nation, Site


@dataclass(frozen=True)
class Closure:
    """A day a site runs no sessions."""

    day: date
    reason: str
    public_holiday: bool

    @property
    def why(self) -> str:
        """Why the site is closed, in words: "Easter Monday (public holiday)" or "closed by
        the site (Staff training)"."""
        if self.public_holiday:
            return f"{self.reason} (public holiday)"
        return f"closed by the site ({self.reason})" if self.reason else "closed by the site"

    @property
    def described(self) -> str:
        """The day and why: "Monday 29 March 2027: Easter Monday (public holiday)"."""
        return f"{self.day:%A} {self.day.day} {self.day:%B %Y}: {self.why}"

    @property
    def skipped(self) -> str:
        """What planning says about the day: "Skipped Monday 29 March 2027: Easter Monday
        (public holiday)"."""
        return f"Skipped {self.described}"


@lru_cache(maxsize=64)
def _holidays_of_year(nation: str, year: int) -> dict[date, str]:
    found = holidays.country_holidays("GB", subdiv=nation, years=year, language="en_GB")
    return dict(found.items())


def public_holidays(*, nation: str, first: date, last: date) -> dict[date, str]:
    """The nation's public holidays from `first` to `last` (both included), by day, with their
    English names. Computed in Python: no query."""
    nation = Nation(nation).value
    found = {}
    for year in range(first.year, last.year + 1):
        for day, name in _holidays_of_year(nation, year).items():
            if first <= day <= last:
                found[day] = name
    return found


def closures(*, site: Site, first: date, last: date) -> dict[date, Closure]:
    """Every day from `first` to `last` on which `site` is closed, with why, in one query."""
    found = {
        day: Closure(day=day, reason=name, public_holiday=True)
        for day, name in public_holidays(nation=site.nation, first=first, last=last).items()
    }
    rows = ClosedDay.objects.filter(site=site, date__range=(first, last)).values_list(
        "date", "kind", "reason"
    )
    for day, kind, reason in rows:
        if kind == ClosedDay.Kind.OPEN:
            found.pop(day, None)
        else:
            found[day] = Closure(day=day, reason=reason, public_holiday=False)
    return dict(sorted(found.items()))


def closure_on(*, site: Site, day: date) -> Closure | None:
    """Why `site` is closed on `day`, or None when it is open."""
    return closures(site=site, first=day, last=day).get(day)
