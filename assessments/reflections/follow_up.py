"""Does it last? Each scale's mean before, after and at each follow-up point, and the change kept
from after to each follow-up.

Every after and follow-up scale score row carries the same person's before score, and every
follow-up row their after score (see ScaleScore), so the whole analysis is one aggregate query
over those rows, grouped by scale, phase and follow-up month:
- at before: the mean of everyone's before score;
- at after and at each follow-up: the mean among the people who answered both that point and
  before (the rows with a before score), with its 95% confidence interval;
- kept from after to a follow-up: among the people who answered both, the mean of follow-up
  minus after, with its confidence interval (below 0: some of the gain was lost).

n is given at every point, so the caller can say how many of those who completed answered.
Fewer than MIN_MATCHED people at a point: its figures are suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum

from assessments.models import Phase, Response, ScaleScore
from assessments.reflections.analysis import MIN_MATCHED, confidence_interval, standard_deviation

PHASE_ORDER = {Phase.BEFORE: 0, Phase.AFTER: 1, Phase.FOLLOW_UP: 2}


def point_label(phase: str, months: int) -> str:
    """ "Before", "After", "3 months", "1 month"."""
    if phase == Phase.FOLLOW_UP:
        return f"{months} month{'' if months == 1 else 's'}"
    return Phase(phase).label


@dataclass(frozen=True)
class PointFigure:
    """One time point of one scale. Figures are None when suppressed."""

    phase: str
    months: int
    n: int
    suppressed: bool
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    # Follow-up points only: follow-up minus after, among people who answered both.
    kept_n: int = 0
    kept_suppressed: bool = True
    mean_kept: float | None = None
    kept_ci_low: float | None = None
    kept_ci_high: float | None = None

    @property
    def label(self) -> str:
        return point_label(self.phase, self.months)


@dataclass(frozen=True)
class ScaleOverTime:
    scale_key: str
    scale_label: str
    points: list[PointFigure]


def point_from_sums(row: dict) -> PointFigure:
    """A point's figures from its counts and sums (also used by the dashboard's figures, which
    add up the sums of several cohorts first). Keys: phase, months, n, total, squares, kept_n,
    kept_total, kept_squares."""
    n, kept_n = row["n"], row.get("kept_n") or 0
    figure = {"phase": row["phase"], "months": row["months"], "n": n, "kept_n": kept_n}
    if n >= MIN_MATCHED:
        mean = row["total"] / n
        low, high = confidence_interval(n, mean, standard_deviation(n, mean, row["squares"]))
        figure.update(suppressed=False, mean=mean, ci_low=low, ci_high=high)
    else:
        figure.update(suppressed=True)
    if kept_n >= MIN_MATCHED:
        mean_kept = row["kept_total"] / kept_n
        low, high = confidence_interval(
            kept_n, mean_kept, standard_deviation(kept_n, mean_kept, row["kept_squares"])
        )
        figure.update(
            kept_suppressed=False, mean_kept=mean_kept, kept_ci_low=low, kept_ci_high=high
        )
    return PointFigure(**figure)


# The scale scores at each point that count: every before score; an after or follow-up score
# only with the same person's before score.
AT_A_POINT = Q(administration__phase=Phase.BEFORE) | Q(
    administration__phase__in=[Phase.AFTER, Phase.FOLLOW_UP], before_score__isnull=False
)


def point_sums() -> dict:
    """The aggregates of a point's ScaleScore rows that `point_from_sums` reads (also summed
    per cohort by the dashboard's figures). Follow-up rows also carry `kept_before_total` and
    `kept_after_total`, the sums of before and after scores of the `kept_n` people who answered
    before, after and the follow-up, so a caller can compare the three means among the same
    people."""
    kept = F("score") - F("after_score")
    answered_after = Q(after_score__isnull=False)
    return {
        "label": Max("scale_label"),
        "first_seen": Min("pk"),
        "n": Count("pk"),
        "total": Sum("score"),
        "squares": Sum(F("score") * F("score")),
        "kept_n": Count("pk", filter=answered_after),
        "kept_total": Sum(kept, filter=answered_after),
        "kept_squares": Sum(kept * kept, filter=answered_after),
        "kept_before_total": Sum("before_score", filter=answered_after),
        "kept_after_total": Sum("after_score", filter=answered_after),
        "generated": Count("pk", filter=Q(response__generated=True)),
    }


POINT = {"phase": F("administration__phase"), "months": F("administration__months")}


def over_time_sums(responses: QuerySet[Response], *, per_target: bool = False) -> QuerySet:
    """Rows of (scale_key, phase, months) with the counts and sums `point_from_sums` reads.

    `per_target`: one row per target too (`target_id`: what the administration evaluates, such
    as one course run), still one query."""
    groups = dict(POINT)
    if per_target:
        groups["target_id"] = F("administration__target_id")
    return (
        ScaleScore.objects.filter(response__in=responses.order_by().values("pk"))
        .filter(AT_A_POINT)
        .order_by()
        .values("scale_key", **groups)
        .annotate(**point_sums())
    )


def scales_over_time(responses: QuerySet[Response]) -> list[ScaleOverTime]:
    """Per scale, in the order scales were first answered, its points in time order. One
    query, whatever the number of people."""
    by_scale: dict[str, dict] = {}
    for row in over_time_sums(responses):
        scale = by_scale.setdefault(
            row["scale_key"], {"label": row["label"], "first_seen": row["first_seen"], "rows": []}
        )
        scale["first_seen"] = min(scale["first_seen"], row["first_seen"])
        scale["rows"].append(row)
    found = []
    for key, scale in sorted(by_scale.items(), key=lambda item: item[1]["first_seen"]):
        rows = sorted(scale["rows"], key=lambda row: (PHASE_ORDER[row["phase"]], row["months"]))
        found.append(ScaleOverTime(key, scale["label"], [point_from_sums(row) for row in rows]))
    return found
