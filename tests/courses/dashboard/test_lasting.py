"""Does it last, on the dashboard: each scale's and the goals' mean at before, after and each
follow-up, from the figures worked out ahead per cohort, checked against figures worked out
independently with `statistics` on a fixed data set with people missing at some points, a
dropped goal, and against the reflections' own analysis of the same answers."""

import math
import statistics

import pytest
from django.utils import timezone

from assessments.models import Goal, GoalRating, Phase, Response, ScaleScore
from assessments.reflections.analysis import t_critical
from assessments.reflections.follow_up import scales_over_time
from cms.numbers import rounded
from courses.dashboard.figures import figures_refresh
from courses.dashboard.tables import (
    GOALS_LABEL,
    KEPT_SUPPRESSED,
    POINT_SUPPRESSED,
    DashboardFilters,
    dashboard_for,
    lasting_scales,
)
from courses.models import CourseRun, Enrolment, LastingFigures
from courses.sites.scope import sites_for
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import CourseRunFactory, UserFactory

pytestmark = pytest.mark.clock

# Eight people's agenda-setting scores, None where they did not answer that point. Person 7
# skipped the after survey but answered at 3 months; person 8 answered before only.
BEFORE = [3.5, 5, 2.5, 6, 3, 7.5, 1.5, 4]
AFTER = [7.5, 6.5, 2, 8.5, 5.5, 6.5, None, None]
THREE_MONTHS = [6, 6.5, 3, 7, 4.5, None, 5, None]

# Six people's goals: (before, after, 3 months) ratings per goal, None where not rated; a goal
# marked "no longer important" at 3 months is left out there (dropped below).
GOALS = [
    [(2, 6, 5), (4, 7, 7)],
    [(3, 5, 6)],
    [(1, 4, 2), (5, 8, None)],
    [(6, 9, 8)],
    [(2, 2, 3)],
    [(0, 5, None)],
]
DROPPED = (2, 1)  # person 3's second goal, at 3 months


def _mean_ci(values):
    mean = statistics.mean(values)
    half = t_critical(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return [rounded(mean), rounded(mean - half), rounded(mean + half)]


def _respond(person, survey, *, generated=False):
    return Response.objects.create(
        administration=survey,
        respondent=person,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
        generated=generated,
    )


def _score(response, score, *, before=None, after=None):
    ScaleScore.objects.create(
        response=response,
        administration=response.administration,
        scale_key="agenda",
        scale_label="confidence in agenda setting",
        score=score,
        before_score=before,
        after_score=after,
    )


def _course(site, programme):
    run = CourseRunFactory(site=site, programme=programme)
    version = version_with_items()
    return run, {
        "before": administration(version, Phase.BEFORE, run, programme=programme),
        "after": administration(version, Phase.AFTER, run, programme=programme),
        "three": administration(version, Phase.FOLLOW_UP, run, programme=programme, months=3),
    }


def _answer_scales(run, surveys):
    people = []
    for b, a, t in zip(BEFORE, AFTER, THREE_MONTHS, strict=True):
        person = UserFactory()
        people.append(person)
        Enrolment.objects.create(trainee=person, run=run, site=run.site)
        _score(_respond(person, surveys["before"]), b)
        if a is not None:
            _score(_respond(person, surveys["after"]), a, before=b)
        if t is not None:
            _score(_respond(person, surveys["three"]), t, before=b, after=a)
    return people


def _answer_goals(people, surveys):
    for index, (person, goals) in enumerate(zip(people, GOALS, strict=False)):
        before = Response.objects.get(respondent=person, administration=surveys["before"])
        later = {
            "after": Response.objects.filter(respondent=person, administration=surveys["after"]),
            "three": Response.objects.filter(respondent=person, administration=surveys["three"]),
        }
        for position, (b, a, t) in enumerate(goals, start=1):
            goal = Goal.objects.create(response=before, position=position, text=f"Goal {position}")
            GoalRating.objects.create(response=before, goal=goal, rating=b)
            for key, rating in (("after", a), ("three", t)):
                response = later[key].first() or _respond(person, surveys[key])
                dropped = key == "three" and (index, position - 1) == DROPPED
                if rating is not None or dropped:
                    GoalRating.objects.create(
                        response=response,
                        goal=goal,
                        rating=rating if rating is not None else 4,
                        before_rating=b,
                        after_rating=a if key == "three" else None,
                        no_longer_important=dropped,
                    )


@pytest.fixture
def course(people, riverside, programmes):
    run, surveys = _course(riverside, programmes["patient"])
    _answer_goals(_answer_scales(run, surveys), surveys)
    figures_refresh()
    return run


def _table(user):
    return dashboard_for(user, DashboardFilters(sites=sites_for(user)))["lasting"]


def _rows(table, scale):
    return [row for row in table.rows if row["scale"] == scale]


def test_each_scales_mean_at_each_point_matches_the_statistics_module(people, course):
    rows = _rows(_table(people["lead"]), "Confidence in agenda setting")
    assert [row["point"] for row in rows] == ["Before", "After", "3 months"]
    assert [row["people"] for row in rows] == [8, 6, 6]
    for row, values in zip(rows, (BEFORE, AFTER, THREE_MONTHS), strict=True):
        assert [row["mean"], row["ci_low"], row["ci_high"]] == _mean_ci(
            [value for value in values if value is not None]
        )
    kept = [t - a for a, t in zip(AFTER, THREE_MONTHS, strict=True) if None not in (a, t)]
    three = rows[2]
    assert three["_point"].kept_n == len(kept) == 5
    assert [three["kept"], three["kept_ci_low"], three["kept_ci_high"]] == _mean_ci(kept)
    assert rows[0]["_point"].kept_n == 0 and rows[1]["_point"].kept_n == 0
    assert rows[0]["kept"] is None and rows[1]["kept"] is None
    assert all(row["remark"] == "" for row in rows)


def test_the_figures_ahead_agree_with_the_reflections_own_analysis(people, course):
    (scale,) = scales_over_time(Response.objects.filter(administration__target_id=course.pk))
    rows = _rows(_table(people["lead"]), "Confidence in agenda setting")
    assert [row["mean"] for row in rows] == [rounded(point.mean) for point in scale.points]
    assert [row["people"] for row in rows] == [point.n for point in scale.points]


def test_the_goals_mean_per_person_at_each_point(people, course):
    rows = _rows(_table(people["lead"]), GOALS_LABEL)
    assert [row["point"] for row in rows] == ["Before", "After", "3 months"]
    # Each person's score is the mean rating of their goals still important at that point.
    before = [statistics.mean(goal[0] for goal in goals) for goals in GOALS]
    after = [statistics.mean(goal[1] for goal in goals) for goals in GOALS]
    three, kept = [], []
    for index, goals in enumerate(GOALS):
        rated = [
            goal
            for position, goal in enumerate(goals)
            if goal[2] is not None and (index, position) != DROPPED
        ]
        if rated:
            three.append(statistics.mean(goal[2] for goal in rated))
            kept.append(statistics.mean(goal[2] - goal[1] for goal in rated))
    assert [row["people"] for row in rows] == [6, 6, 5]
    for row, values in zip(rows, (before, after, three), strict=True):
        assert [row["mean"], row["ci_low"], row["ci_high"]] == _mean_ci(values)
    assert rows[2]["_point"].kept_n == 5
    assert [rows[2]["kept"], rows[2]["kept_ci_low"], rows[2]["kept_ci_high"]] == _mean_ci(kept)


def test_a_point_with_fewer_than_five_people_is_not_shown(people, riverside, programmes):
    run, surveys = _course(riverside, programmes["patient"])
    for b, a, t in [(3, 5, 4), (4, 6, None), (2, 5, 5), (5, 7, 6), (3, 4, 4)]:
        person = UserFactory()
        _score(_respond(person, surveys["before"]), b)
        _score(_respond(person, surveys["after"]), a, before=b)
        if t is not None:
            _score(_respond(person, surveys["three"]), t, before=b, after=a)
    figures_refresh()
    before, after, three = _rows(_table(people["lead"]), "Confidence in agenda setting")
    assert (before["people"], after["people"], three["people"]) == (5, 5, 4)
    assert after["mean"] == 5.4 and after["remark"] == ""
    assert three["mean"] is None and three["ci_low"] is None and three["kept"] is None
    assert three["remark"] == f"{POINT_SUPPRESSED} {KEPT_SUPPRESSED}"


def test_other_sites_and_cancelled_runs_are_left_out(people, course, hillside, programmes):
    assert _table(people["other_lead"]).rows == []
    CourseRun.objects.filter(pk=course.pk).update(status=CourseRun.Status.CANCELLED)
    figures_refresh()
    assert not LastingFigures.objects.exists()


def test_one_chart_per_scale_with_its_points(client, people, course):
    table = _table(people["lead"])
    scales = lasting_scales(table)
    assert [scale.label for scale in scales] == ["Confidence in agenda setting", GOALS_LABEL]
    client.force_login(people["lead"])
    page = client.get("/programme/").content.decode()
    section = page[page.index('<section aria-labelledby="lasting">') :]
    section = section[: section.index("</section>")]
    assert section.count('role="img"') == 2
    assert (
        '<figcaption class="nhsuk-heading-s">Confidence in agenda setting: mean at each point'
        in section
    )
    assert f"{GOALS_LABEL}: mean at each point</figcaption>" in section
    assert "3 months" in section and "Before" in section


def test_demonstration_answers_are_said_to_be_made_up(people, riverside, programmes):
    run, surveys = _course(riverside, programmes["patient"])
    for b, a in [(3, 5), (4, 6), (2, 5), (5, 7), (3, 4)]:
        person = UserFactory()
        _score(_respond(person, surveys["before"], generated=True), b)
        _score(_respond(person, surveys["after"], generated=True), a, before=b)
    figures_refresh()
    note = _table(people["lead"]).note
    assert "Demonstration data: up to 5 of the people counted at a point are made up" in note
