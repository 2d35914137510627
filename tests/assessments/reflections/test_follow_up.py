"""Does it last: means before, after and at follow-up among the matched people, and the change
kept from after to follow-up (assessments/reflections/follow_up.py), checked against figures
worked out independently with `statistics` on a fixed data set with people missing at some
points."""

import math
import statistics

import pytest
from django.utils import timezone

from assessments.models import Phase, Response, ScaleScore
from assessments.reflections.analysis import t_critical
from assessments.reflections.follow_up import scales_over_time
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import UserFactory

# Eight people's agenda-setting scores: None where they did not answer that point. Person 7
# skipped the after survey but answered at 3 months; person 8 answered before only.
BEFORE = [3.5, 5, 2.5, 6, 3, 7.5, 1.5, 4]
AFTER = [7.5, 6.5, 2, 8.5, 5.5, 6.5, None, None]
THREE_MONTHS = [6, 6.5, 3, 7, 4.5, None, 5, None]


@pytest.fixture
def course(db):
    version = version_with_items()
    target = UserFactory()
    return {
        "before": administration(version, Phase.BEFORE, target),
        "after": administration(version, Phase.AFTER, target),
        "three": administration(version, Phase.FOLLOW_UP, target, months=3),
    }


def _score(person, survey, score, *, before=None, after=None):
    response = Response.objects.create(
        administration=survey,
        respondent=person,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    ScaleScore.objects.create(
        response=response,
        administration=survey,
        scale_key="agenda",
        scale_label="Agenda setting",
        score=score,
        before_score=before,
        after_score=after,
    )


def _answer_all(course, before=BEFORE, after=AFTER, three=THREE_MONTHS):
    for b, a, t in zip(before, after, three, strict=True):
        person = UserFactory()
        _score(person, course["before"], b)
        if a is not None:
            _score(person, course["after"], a, before=b)
        if t is not None:
            _score(person, course["three"], t, before=b, after=a)


def _mean_ci(values):
    mean = statistics.mean(values)
    half = t_critical(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def test_means_at_each_point_and_the_change_kept_match_the_statistics_module(
    course, django_assert_num_queries
):
    _answer_all(course)
    with django_assert_num_queries(1):
        (scale,) = scales_over_time(Response.objects.all())
    assert (scale.scale_key, scale.scale_label) == ("agenda", "Agenda setting")
    before, after, three = scale.points
    assert [point.label for point in scale.points] == ["Before", "After", "3 months"]
    assert [point.n for point in scale.points] == [8, 6, 6]

    expected = {
        "before": _mean_ci(BEFORE),
        "after": _mean_ci([a for a in AFTER if a is not None]),
        "three": _mean_ci([t for t in THREE_MONTHS if t is not None]),
    }
    for point, key in ((before, "before"), (after, "after"), (three, "three")):
        assert not point.suppressed
        assert (point.mean, point.ci_low, point.ci_high) == pytest.approx(expected[key])

    kept = [t - a for a, t in zip(AFTER, THREE_MONTHS, strict=True) if None not in (a, t)]
    assert three.kept_n == len(kept) == 5
    assert not three.kept_suppressed
    assert (three.mean_kept, three.kept_ci_low, three.kept_ci_high) == pytest.approx(_mean_ci(kept))
    assert after.kept_suppressed  # the change kept is a follow-up figure only


def test_fewer_than_five_at_a_point_are_suppressed(course):
    _answer_all(
        course,
        before=BEFORE[:6],
        after=AFTER[:6],
        three=[6, 6.5, 3, 7, None, None],
    )
    before, after, three = scales_over_time(Response.objects.all())[0].points
    assert not before.suppressed and not after.suppressed
    assert three.n == 4
    assert three.suppressed and three.mean is None and three.ci_low is None
    assert three.kept_suppressed and three.mean_kept is None


def test_only_the_responses_in_scope_are_counted(course):
    _answer_all(course)
    assert scales_over_time(Response.objects.none()) == []
