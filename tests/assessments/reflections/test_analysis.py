import math
import statistics
from datetime import UTC, date, datetime

import pytest

from assessments.models import Response, ScaleScore
from assessments.reflections.analysis import (
    MIN_MATCHED,
    change_from_sums,
    matched_change,
    t_critical,
)
from assessments.reflections.responses import response_save
from tests.assessments.matched_builders import (
    AGENDA_AFTER,
    AGENDA_BEFORE,
    AGENDA_LOOKING_BACK,
    ENABLING_AFTER,
    ENABLING_BEFORE,
    ENABLING_LOOKING_BACK,
    SEVEN,
    answered,
    answered_both,
)
from tests.assessments.reflection_builders import (
    administration,
    open_now,
    open_windows,
    version_with_items,
)
from tests.factories import UserFactory

MARCH = datetime(2026, 3, 10, 12, tzinfo=UTC)
APRIL = datetime(2026, 4, 20, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (29, 2.045), (100, 1.984), (10**6, 1.960)],
)
def test_t_critical_matches_the_tables(df, expected):
    assert round(t_critical(df), 3) == expected


def test_t_critical_other_confidence_levels():
    assert round(t_critical(10, 0.99), 3) == 3.169
    assert round(t_critical(1, 0.90), 3) == 6.314


@pytest.mark.parametrize("df", [0, -3])
def test_t_critical_needs_a_degree_of_freedom(df):
    with pytest.raises(ValueError):
        t_critical(df)


@pytest.fixture
def course(db):
    version = version_with_items()
    target = UserFactory()  # any row can be what the survey is about
    return {
        "version": version,
        "before": administration(version, "before", target),
        "after": administration(version, "after", target),
    }


def _seven(course, *, april_from=None):
    """The fixed data set; people from index `april_from` on submitted their after in April."""
    people = []
    for index, (before_answers, after_answers) in enumerate(SEVEN):
        person = UserFactory()
        late = april_from is not None and index >= april_from
        answered_both(
            person,
            course["before"],
            course["after"],
            before_answers,
            after_answers,
            submitted_at=APRIL if late else MARCH,
        )
        people.append(person)
    return people


def _by_key(changes):
    return {change.scale_key: change for change in changes}


def _expected(before, after):
    changes = [b - a for a, b in zip(before, after, strict=True)]
    n = len(changes)
    mean, sd = statistics.mean(changes), statistics.stdev(changes)
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return {
        "n": n,
        "mean_before": statistics.mean(before),
        "mean_after": statistics.mean(after),
        "mean_change": mean,
        "sd_change": sd,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "effect_size": mean / sd,
        "improved": sum(change > 0 for change in changes),
    }


def test_the_scores_of_the_fixed_data_set_are_the_hand_worked_ones(course):
    people = _seven(course)
    for index, person in enumerate(people):
        after = {
            row.scale_key: row
            for row in ScaleScore.objects.filter(
                response__respondent=person, administration=course["after"]
            )
        }
        assert after["agenda"].before_score == AGENDA_BEFORE[index]
        assert after["agenda"].score == AGENDA_AFTER[index]
        assert after["agenda"].retrospective_score == AGENDA_LOOKING_BACK[index]
        # e2 ("I solve people's problems for them") is reverse-scored.
        assert after["enabling"].before_score == ENABLING_BEFORE[index]
        assert after["enabling"].score == ENABLING_AFTER[index]
        assert after["enabling"].retrospective_score == ENABLING_LOOKING_BACK[index]


@pytest.mark.parametrize(
    ("key", "label", "before", "after"),
    [
        ("agenda", "confidence in agenda setting", AGENDA_BEFORE, AGENDA_AFTER),
        ("enabling", "enabling rather than relieving", ENABLING_BEFORE, ENABLING_AFTER),
    ],
)
def test_matched_change_matches_the_statistics_module(course, key, label, before, after):
    _seven(course)

    change = _by_key(matched_change(Response.objects.all()))[key]

    expected = _expected(before, after)
    assert change.scale_label == label
    assert not change.suppressed
    assert change.n == expected["n"] == 7
    assert change.improved == expected["improved"]
    assert change.share_improved == pytest.approx(expected["improved"] / 7)
    for name in ("mean_before", "mean_after", "mean_change", "sd_change", "ci_low", "ci_high"):
        assert getattr(change, name) == pytest.approx(expected[name]), name
    assert change.effect_size == pytest.approx(expected["effect_size"])


def test_matched_change_hand_written_figures(course):
    _seven(course)

    changes = matched_change(Response.objects.all())

    # Scales in the order they first appear; the figures worked out on paper.
    assert [change.scale_key for change in changes] == ["agenda", "enabling"]
    agenda, enabling = changes
    assert agenda.mean_change == pytest.approx(13 / 7)  # 4, 1.5, -0.5, 2.5, 2.5, -1, 4
    assert agenda.sd_change == pytest.approx(1.99404, abs=1e-5)
    # t(6) = 2.44691 from the tables
    assert agenda.ci_low == pytest.approx(0.01296, abs=1e-5)
    assert agenda.ci_high == pytest.approx(3.70132, abs=1e-5)
    assert agenda.effect_size == pytest.approx(0.93135, abs=1e-5)
    assert agenda.improved == 5
    assert enabling.mean_change == pytest.approx(8 / 7)  # 2, 0.5, 2.5, 1.5, 0.5, 0, 1
    assert enabling.improved == 6
    assert enabling.share_improved == pytest.approx(6 / 7)


def test_change_from_sums_gives_the_same_figures(course):
    """The dashboard keeps sums per cohort; the figures from them are matched_change's."""
    _seven(course)
    for change in matched_change(Response.objects.all()):
        rows = list(
            ScaleScore.objects.filter(
                administration=course["after"], scale_key=change.scale_key
            ).values("score", "before_score", "retrospective_score", "scale_label")
        )
        looking_back = [row for row in rows if row["retrospective_score"] is not None]
        from_sums = change_from_sums(
            {
                "scale_key": change.scale_key,
                "label": rows[0]["scale_label"],
                "n": len(rows),
                "sum_before": sum(row["before_score"] for row in rows),
                "sum_after": sum(row["score"] for row in rows),
                "sum_change": sum(row["score"] - row["before_score"] for row in rows),
                "sum_change_squares": sum(
                    (row["score"] - row["before_score"]) ** 2 for row in rows
                ),
                "improved": sum(row["score"] > row["before_score"] for row in rows),
                "shift_n": len(looking_back),
                "sum_retrospective": sum(row["retrospective_score"] for row in looking_back),
                "sum_shift": sum(
                    row["retrospective_score"] - row["before_score"] for row in looking_back
                ),
                "sum_shift_squares": sum(
                    (row["retrospective_score"] - row["before_score"]) ** 2 for row in looking_back
                ),
                "generated": 0,
            }
        )
        assert not from_sums.suppressed and not from_sums.shift_suppressed
        for name, value in vars(change).items():
            if isinstance(value, float):
                assert getattr(from_sums, name) == pytest.approx(value), name
            else:
                assert getattr(from_sums, name) == value, name


def test_response_shift_compares_looking_back_with_before(course):
    _seven(course)

    agenda = _by_key(matched_change(Response.objects.all()))["agenda"]

    # The seventh person gave no looking-back answers.
    looking_back = AGENDA_LOOKING_BACK[:6]
    shifts = [back - before for back, before in zip(looking_back, AGENDA_BEFORE[:6], strict=True)]
    mean, sd = statistics.mean(shifts), statistics.stdev(shifts)
    half = t_critical(5) * sd / math.sqrt(6)
    assert not agenda.shift_suppressed
    assert agenda.shift_n == 6
    assert agenda.mean_retrospective == pytest.approx(statistics.mean(looking_back))
    assert agenda.mean_shift == pytest.approx(-5.5 / 6)
    assert agenda.mean_shift == pytest.approx(mean)
    assert agenda.sd_shift == pytest.approx(sd)
    assert agenda.shift_ci_low == pytest.approx(mean - half)
    assert agenda.shift_ci_high == pytest.approx(mean + half)


def test_four_people_are_suppressed_five_are_shown(course):
    people = _seven(course)
    four = Response.objects.filter(respondent__in=people[:4])
    five = Response.objects.filter(respondent__in=people[:5])

    suppressed = matched_change(four)
    shown = _by_key(matched_change(five))

    assert MIN_MATCHED == 5
    assert [change.suppressed for change in suppressed] == [True, True]
    for change in suppressed:
        # Nothing but "fewer than 5" is said: not even how many.
        figures = {
            name: value
            for name, value in vars(change).items()
            if name not in {"scale_key", "scale_label", "suppressed", "shift_suppressed"}
        }
        assert set(figures.values()) == {None}
        assert change.shift_suppressed
    expected = _expected(AGENDA_BEFORE[:5], AGENDA_AFTER[:5])
    assert shown["agenda"].n == 5
    assert shown["agenda"].mean_change == pytest.approx(expected["mean_change"])
    assert shown["agenda"].ci_high == pytest.approx(expected["ci_high"])


def test_response_shift_is_suppressed_on_its_own(course):
    people = _seven(course)
    # The first four and the seventh: five pairs, four with looking-back answers.
    five = Response.objects.filter(respondent__in=[*people[:4], people[6]])

    agenda = _by_key(matched_change(five))["agenda"]

    assert not agenda.suppressed
    assert agenda.n == 5
    assert agenda.shift_suppressed
    assert agenda.shift_n is None
    assert agenda.mean_shift is None
    assert agenda.mean_retrospective is None


def test_only_pairs_in_the_callers_responses_count(course):
    people = _seven(course)
    other_version = version_with_items(slug="elsewhere")
    elsewhere = UserFactory()
    other_before = administration(other_version, "before", elsewhere)
    other_after = administration(other_version, "after", elsewhere)
    for person in people:
        answered_both(
            person,
            other_before,
            other_after,
            {"a1": 0, "a2": 0, "e1": 1, "e2": 5},
            {"a1": 10, "a2": 10, "e1": 5, "e2": 1},
        )
    # An after without a before, and a draft: neither is a pair.
    loner = UserFactory()
    answered(loner, course["after"], SEVEN[0][1])
    answered(UserFactory(), course["after"], SEVEN[0][1], status=Response.Status.DRAFT)

    here = Response.objects.filter(administration__in=[course["before"], course["after"]])
    agenda = _by_key(matched_change(here))["agenda"]

    assert agenda.n == 7
    assert agenda.mean_change == pytest.approx(13 / 7)


def test_a_scale_where_everyone_changed_alike_has_no_effect_size(course):
    for _ in range(5):
        answered_both(
            UserFactory(),
            course["before"],
            course["after"],
            {"a1": 3, "a2": 4, "e1": 3, "e2": 3},
            {"a1": 5, "a2": 6, "e1": 3, "e2": 3},
        )

    agenda, enabling = matched_change(Response.objects.all())

    assert agenda.mean_change == 2
    assert agenda.sd_change == 0
    assert agenda.ci_low == agenda.ci_high == 2
    assert agenda.effect_size is None
    assert agenda.share_improved == 1
    assert enabling.mean_change == 0
    assert enabling.share_improved == 0


@pytest.mark.parametrize(
    ("since", "until", "expected_n", "suppressed"),
    [
        (None, None, 7, False),
        (date(2026, 3, 1), date(2026, 3, 31), 5, False),
        (date(2026, 3, 10), date(2026, 3, 10), 5, False),  # a date is the whole day
        (date(2026, 4, 1), None, None, True),  # two people: suppressed
        (datetime(2026, 3, 10, 12, tzinfo=UTC), datetime(2026, 4, 20, 12, tzinfo=UTC), 7, False),
    ],
)
def test_period_filters_on_when_the_after_was_submitted(
    course, since, until, expected_n, suppressed
):
    _seven(course, april_from=5)

    agenda = _by_key(
        matched_change(Response.objects.all(), submitted_from=since, submitted_until=until)
    ).get("agenda")

    assert agenda.suppressed is suppressed
    assert agenda.n == expected_n
    if expected_n == 5:
        expected = _expected(AGENDA_BEFORE[:5], AGENDA_AFTER[:5])
        assert agenda.mean_change == pytest.approx(expected["mean_change"])


def test_a_period_with_no_pairs_has_no_rows(course):
    _seven(course)

    assert (
        matched_change(
            Response.objects.all(), submitted_until=datetime(2026, 3, 10, 11, tzinfo=UTC)
        )
        == []
    )


def test_no_pairs_no_rows(course):
    answered(UserFactory(), course["before"], SEVEN[0][0])

    assert matched_change(Response.objects.all()) == []


@pytest.mark.parametrize("people", [5, 50])
def test_one_query_whatever_the_number_of_people(course, people, django_assert_num_queries):
    for index in range(people):
        before_answers, after_answers = SEVEN[index % len(SEVEN)]
        answered_both(
            UserFactory(), course["before"], course["after"], before_answers, after_answers
        )
    scope = Response.objects.filter(administration__version=course["version"])

    with django_assert_num_queries(1):
        changes = matched_change(scope, submitted_from=date(2026, 1, 1))

    assert [change.n for change in changes] == [people, people]


def test_the_fixed_data_set_sent_through_the_answering_service_gives_the_same_figures(course):
    items = {item.key: str(item.pk) for item in course["version"].items.all()}
    windows = {course["before"].pk: open_now(), course["after"].pk: open_now()}
    with open_windows(windows):
        for before_answers, after_answers in SEVEN:
            person = UserFactory()
            # The service needs every required answer: how they heard, and (for the seventh
            # person, who skipped them here) the looking-back questions.
            before_answers = {"heard": "friend", **before_answers}
            after_answers = {"a-retro": 1, "e-retro": 2, **after_answers}
            for survey, answers, share in (
                (course["before"], before_answers, None),
                (course["after"], after_answers, True),
            ):
                response_save(
                    administration_id=survey.pk,
                    respondent=person,
                    answers={items[key]: str(value) for key, value in answers.items()},
                    share_with_tutors=share,
                    submit=True,
                )

    agenda, enabling = matched_change(Response.objects.all())

    for change, before, after in (
        (agenda, AGENDA_BEFORE, AGENDA_AFTER),
        (enabling, ENABLING_BEFORE, ENABLING_AFTER),
    ):
        expected = _expected(before, after)
        assert change.n == 7
        for name in ("mean_before", "mean_after", "mean_change", "sd_change", "ci_high"):
            assert getattr(change, name) == pytest.approx(expected[name]), name
    looking_back = [*AGENDA_LOOKING_BACK[:6], 1]
    shifts = [back - before for back, before in zip(looking_back, AGENDA_BEFORE, strict=True)]
    assert agenda.shift_n == 7
    assert agenda.mean_shift == pytest.approx(statistics.mean(shifts))
    assert agenda.sd_shift == pytest.approx(statistics.stdev(shifts))


def test_made_up_demo_answers_are_counted_apart(course):
    for before_answers, after_answers in SEVEN:
        answered_both(
            UserFactory(), course["before"], course["after"], before_answers, after_answers
        )
    assert [change.generated for change in matched_change(Response.objects.all())] == [0, 0]

    made_up = Response.objects.filter(administration=course["after"]).order_by("pk")[:2]
    Response.objects.filter(pk__in=made_up.values("pk")).update(generated=True)

    assert [change.generated for change in matched_change(Response.objects.all())] == [2, 2]
