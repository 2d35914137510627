"""Matched before-and-after analysis: how much each scale changed for the people who answered
both, with its uncertainty.

Each after response's scale score row already carries the same person's before score (see
ScaleScore), so a pair is one row and the whole analysis is one aggregate query over those rows,
grouped by scale. The database returns counts, means and sums of squares; the standard deviation,
the 95% confidence interval (Student's t, worked out below without scipy) and the paired effect
size follow from them here. Sums rather than a standard-deviation aggregate, because SQLite has
none.

Results for fewer than MIN_MATCHED people are suppressed: only "fewer than 5" is said, never a
figure that could point at one person's answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from django.db.models import Avg, Count, F, Max, Min, Q, QuerySet, Sum

from assessments.models import Goal, GoalRating, Phase, Response, ScaleScore
from assessments.reflections.goals import IMPROVED_BY

MIN_MATCHED = 5

# --- Student's t ----------------------------------------------------------------------------------


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    # Convergence takes about sqrt(max(a, b)) steps: enough for any number of people.
    for m in range(1, 100_000):
        m2 = 2 * m
        step = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + step * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + step / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        step = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + step * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + step / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The fraction converges fast on this side; the other side by symmetry.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def _two_sided_p(t: float, df: int) -> float:
    """P(|T| > t) for Student's t with df degrees of freedom."""
    return incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


@lru_cache(maxsize=512)
def t_critical(df: int, confidence: float = 0.95) -> float:
    """The two-sided Student's t quantile: P(|T| <= t) = confidence, for df degrees of freedom."""
    if df < 1:
        raise ValueError("Student's t needs at least one degree of freedom.")
    if not 0.0 < confidence < 1.0:
        raise ValueError("The confidence level must be between 0 and 1.")
    alpha = 1.0 - confidence
    low, high = 0.0, 2.0
    while _two_sided_p(high, df) > alpha:
        high *= 2.0
    # The tail probability falls as t grows: bisect until the interval is below rounding.
    for _ in range(200):
        middle = (low + high) / 2.0
        if _two_sided_p(middle, df) > alpha:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2.0


# --- matched change ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleChange:
    """One scale's before-and-after change among the people who answered both.

    When `suppressed` (fewer than MIN_MATCHED people), every figure is None. The response-shift
    figures (looking back at "before" from the end of the course, against what people said at
    the start) are suppressed on their own when fewer than MIN_MATCHED gave looking-back answers.
    """

    scale_key: str
    scale_label: str
    suppressed: bool
    n: int | None = None
    mean_before: float | None = None
    mean_after: float | None = None
    mean_change: float | None = None
    sd_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    effect_size: float | None = None  # paired d_z: mean change / SD of change
    improved: int | None = None
    share_improved: float | None = None  # 0 to 1
    shift_suppressed: bool = True
    shift_n: int | None = None
    mean_retrospective: float | None = None
    mean_shift: float | None = None  # looking-back minus before
    sd_shift: float | None = None
    shift_ci_low: float | None = None
    shift_ci_high: float | None = None
    generated: int | None = None  # of the n, made up for the demonstration site


def standard_deviation(n: int, mean: float, sum_of_squares: float) -> float:
    """Sample standard deviation (n - 1) from a count, a mean and a sum of squares. Rounding
    can leave a tiny remainder, or a negative one, where every value is the same: that is 0."""
    variance = (sum_of_squares - n * mean * mean) / (n - 1)
    if variance <= 1e-12 * max(1.0, sum_of_squares / n):
        return 0.0
    return math.sqrt(variance)


def confidence_interval(n: int, mean: float, sd: float) -> tuple[float, float]:
    """The 95% confidence interval of a mean, with Student's t for n - 1 degrees of freedom."""
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return mean - half, mean + half


def _period(scores, submitted_from, submitted_until):
    """Limits on when the after response was submitted. A date includes the whole day."""
    if submitted_from is not None:
        if isinstance(submitted_from, datetime):
            scores = scores.filter(response__submitted_at__gte=submitted_from)
        elif isinstance(submitted_from, date):
            scores = scores.filter(response__submitted_at__date__gte=submitted_from)
    if submitted_until is not None:
        if isinstance(submitted_until, datetime):
            scores = scores.filter(response__submitted_at__lte=submitted_until)
        elif isinstance(submitted_until, date):
            scores = scores.filter(response__submitted_at__date__lte=submitted_until)
    return scores


def _change_of(row: dict) -> ScaleChange:
    key, label, n = row["scale_key"], row["label"], row["n"]
    if n < MIN_MATCHED:
        return ScaleChange(scale_key=key, scale_label=label, suppressed=True)
    mean_change = row["mean_change"]
    sd_change = standard_deviation(n, mean_change, row["change_squares"])
    ci_low, ci_high = confidence_interval(n, mean_change, sd_change)
    figures = {
        "n": n,
        "mean_before": row["mean_before"],
        "mean_after": row["mean_after"],
        "mean_change": mean_change,
        "sd_change": sd_change,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "effect_size": mean_change / sd_change if sd_change > 0 else None,
        "improved": row["improved"],
        "share_improved": row["improved"] / n,
        "generated": row["generated"],
    }
    shift_n = row["shift_n"]
    if shift_n >= MIN_MATCHED:
        mean_shift = row["mean_shift"]
        sd_shift = standard_deviation(shift_n, mean_shift, row["shift_squares"])
        shift_low, shift_high = confidence_interval(shift_n, mean_shift, sd_shift)
        figures |= {
            "shift_suppressed": False,
            "shift_n": shift_n,
            "mean_retrospective": row["mean_retrospective"],
            "mean_shift": mean_shift,
            "sd_shift": sd_shift,
            "shift_ci_low": shift_low,
            "shift_ci_high": shift_high,
        }
    return ScaleChange(scale_key=key, scale_label=label, suppressed=False, **figures)


def change_from_sums(row: dict) -> ScaleChange:
    """A scale's matched change from sums over its matched pairs (as kept per cohort for the
    programme dashboard): `scale_key`, `label`, `n`, `sum_before`, `sum_after`, `sum_change`,
    `sum_change_squares`, `improved`, `shift_n`, `sum_retrospective`, `sum_shift`,
    `sum_shift_squares` and `generated`. The same figures as `matched_change` over those pairs."""
    n, shift_n = row["n"], row["shift_n"]
    return _change_of(
        {
            "scale_key": row["scale_key"],
            "label": row["label"],
            "n": n,
            "mean_before": row["sum_before"] / n if n else None,
            "mean_after": row["sum_after"] / n if n else None,
            "mean_change": row["sum_change"] / n if n else None,
            "change_squares": row["sum_change_squares"],
            "improved": row["improved"],
            "shift_n": shift_n,
            "mean_retrospective": row["sum_retrospective"] / shift_n if shift_n else None,
            "mean_shift": row["sum_shift"] / shift_n if shift_n else None,
            "shift_squares": row["sum_shift_squares"],
            "generated": row["generated"],
        }
    )


def matched_change(
    responses: QuerySet[Response],
    *,
    submitted_from: date | datetime | None = None,
    submitted_until: date | datetime | None = None,
) -> list[ScaleChange]:
    """Per scale, the change from before to after among the people in `responses` (the
    caller's scope) who answered both, optionally only for after responses submitted in a
    period. One query, whatever the number of people."""
    change = F("score") - F("before_score")
    shift = F("retrospective_score") - F("before_score")
    scores = ScaleScore.objects.filter(
        response__in=responses.order_by().values("pk"),
        administration__phase=Phase.AFTER,
        before_score__isnull=False,
    )
    scores = _period(scores, submitted_from, submitted_until)
    rows = (
        scores.order_by()
        .values("scale_key")
        .annotate(
            label=Max("scale_label"),
            first_seen=Min("pk"),
            n=Count("pk"),
            mean_before=Avg("before_score"),
            mean_after=Avg("score"),
            mean_change=Avg(change),
            change_squares=Sum(change * change),
            improved=Count("pk", filter=Q(score__gt=F("before_score"))),
            shift_n=Count("pk", filter=Q(retrospective_score__isnull=False)),
            mean_retrospective=Avg("retrospective_score"),
            mean_shift=Avg(shift),
            shift_squares=Sum(shift * shift),
            generated=Count("pk", filter=Q(response__generated=True)),
        )
        .order_by("first_seen")
    )
    return [_change_of(row) for row in rows]


# --- personal goals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalChange:
    """How people's own goals moved from before the course to a later point (after it, or a
    follow-up `months` after it), among the people in scope who rated a goal at both.

    The change is worked out per person first (the mean over their goals rated at both, goals
    they marked no longer important left out), so one person's three goals count once in the
    mean and its 95% confidence interval. `share_improved` is per goal: rated at least
    IMPROVED_BY points higher. Fewer than MIN_MATCHED people: every figure but the counts of
    people is None."""

    phase: str
    months: int
    suppressed: bool
    people: int
    people_with_goals: int  # wrote at least one goal before, whether or not they rated it later
    goals_per_person: float | None = None
    goals: int | None = None  # goals rated at both points
    dropped: int | None = None  # marked no longer important at the later point
    mean_before: float | None = None
    mean_later: float | None = None
    mean_change: float | None = None
    sd_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    improved: int | None = None
    share_improved: float | None = None  # 0 to 1
    themes: tuple[tuple[str, int], ...] = ()

    @property
    def percent_improved(self) -> float | None:
        return None if self.share_improved is None else self.share_improved * 100


def goal_change(
    responses: QuerySet[Response],
    *,
    phase: str = Phase.AFTER,
    months: int = 0,
    submitted_from: date | datetime | None = None,
    submitted_until: date | datetime | None = None,
) -> GoalChange:
    """The goals' change in `responses` (the caller's scope: any phase) from before to `phase`
    (and `months`, for a follow-up), optionally only for later responses submitted in a period.
    Four queries, whatever the number of people."""
    scope = responses.order_by().values("pk")
    change = F("rating") - F("before_rating")
    later = _period(GoalRating.objects.all(), submitted_from, submitted_until)
    per_person = list(
        later.filter(
            response__in=scope,
            response__status=Response.Status.SUBMITTED,
            response__administration__phase=phase,
            response__administration__months=months,
            rating__isnull=False,
            before_rating__isnull=False,
            no_longer_important=False,
        )
        .order_by()
        .values("response_id")
        .annotate(
            goals=Count("pk"),
            before=Avg("before_rating"),
            later=Avg("rating"),
            change=Avg(change),
            improved=Count("pk", filter=Q(rating__gte=F("before_rating") + IMPROVED_BY)),
        )
    )
    written = (
        Goal.objects.filter(
            response__in=scope,
            response__status=Response.Status.SUBMITTED,
            response__administration__phase=Phase.BEFORE,
        )
        .order_by()
        .aggregate(goals=Count("pk"), people=Count("response_id", distinct=True))
    )
    dropped = later.filter(
        response__in=scope,
        response__status=Response.Status.SUBMITTED,
        response__administration__phase=phase,
        response__administration__months=months,
        no_longer_important=True,
    ).count()
    themes = (
        Goal.objects.filter(
            response__in=scope,
            response__status=Response.Status.SUBMITTED,
            response__administration__phase=Phase.BEFORE,
            theme__isnull=False,
        )
        .order_by()
        .values("theme__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "theme__name")
    )
    themes = list(themes)  # asked whether shown or not: the same four queries every time
    n = len(per_person)
    people_with_goals = written["people"] or 0
    if n < MIN_MATCHED:
        return GoalChange(
            phase=phase,
            months=months,
            suppressed=True,
            people=n,
            people_with_goals=people_with_goals,
        )
    changes = [float(row["change"]) for row in per_person]
    mean_change = sum(changes) / n
    sd_change = standard_deviation(n, mean_change, sum(value * value for value in changes))
    ci_low, ci_high = confidence_interval(n, mean_change, sd_change)
    goals = sum(row["goals"] for row in per_person)
    improved = sum(row["improved"] for row in per_person)
    return GoalChange(
        phase=phase,
        months=months,
        suppressed=False,
        people=n,
        people_with_goals=people_with_goals,
        goals_per_person=written["goals"] / people_with_goals if people_with_goals else None,
        goals=goals,
        dropped=dropped,
        mean_before=sum(float(row["before"]) for row in per_person) / n,
        mean_later=sum(float(row["later"]) for row in per_person) / n,
        mean_change=mean_change,
        sd_change=sd_change,
        ci_low=ci_low,
        ci_high=ci_high,
        improved=improved,
        share_improved=improved / goals if goals else None,
        themes=tuple((row["theme__name"], row["count"]) for row in themes),
    )
