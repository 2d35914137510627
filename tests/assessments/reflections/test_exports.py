from datetime import UTC, datetime

import pytest

from assessments.models import (
    ExportLog,
    Goal,
    GoalRating,
    GoalsShared,
    Pseudonym,
    Response,
)
from assessments.reflections.exports import (
    COLUMNS,
    GOAL_COLUMNS,
    answer_rows,
    export_log,
    goal_rows,
)
from assessments.reflections.responses import responses_erase
from cms.privacy.erasure import person_erase
from tests.assessments.matched_builders import SEVEN, answered, answered_both
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import UserFactory


@pytest.fixture
def course(programmes):
    programme = programmes["patient"]
    version = version_with_items(programme=programme)
    target = UserFactory()
    return {
        "programme": programme,
        "version": version,
        "before": administration(version, "before", target, programme=programme),
        "after": administration(version, "after", target, programme=programme),
    }


def _person(course, code=None, **names):
    person = UserFactory(**names)
    if code:
        Pseudonym.objects.create(programme=course["programme"], person=person, code=code)
    return person


def test_one_row_per_answer_under_the_pseudonym(course):
    person = _person(course, "MOT-7K2Q9P", first_name="Ada", last_name="Lovelace")
    before_answers, after_answers = SEVEN[0]
    answered_both(
        person, course["before"], course["after"], before_answers, after_answers, share=True
    )

    rows = list(answer_rows(Response.objects.all()))

    assert len(rows) == len(before_answers) + len(after_answers)
    assert all(set(row) == set(COLUMNS) for row in rows)
    assert {row["pseudonym"] for row in rows} == {"MOT-7K2Q9P"}
    assert {row["instrument_slug"] for row in rows} == {"partnership-skills"}
    assert {row["version_number"] for row in rows} == {1}
    # Before first, then after, each in the order of the questionnaire.
    assert [(row["phase"], row["item_key"]) for row in rows[:5]] == [
        ("before", "a1"),
        ("before", "a2"),
        ("before", "e1"),
        ("before", "e2"),
        ("before", "heard"),
    ]
    by_item = {(row["phase"], row["item_key"]): row for row in rows}
    assert by_item["before", "a1"]["value"] == "3"
    assert by_item["before", "heard"]["value"] == "gp"
    assert by_item["after", "hope"]["value"] == "I speak first."
    assert by_item["after", "hope"]["item_text"] == "What has changed for you?"
    everything = repr(rows)
    assert "Ada" not in everything
    assert "Lovelace" not in everything
    assert person.email not in everything
    assert "@" not in everything


@pytest.mark.parametrize("share", [False, None])
def test_free_text_leaves_only_with_consent(course, share):
    person = _person(course, "MOT-AAAAAA")
    before_answers, after_answers = SEVEN[0]
    answered_both(
        person, course["before"], course["after"], before_answers, after_answers, share=share
    )

    rows = list(answer_rows(Response.objects.all()))

    assert "hope" not in {row["item_key"] for row in rows}
    assert "I speak first." not in repr(rows)
    # The ratings and choices are still there.
    assert len(rows) == len(before_answers) + len(after_answers) - 1


def test_only_submitted_responses_in_the_callers_scope(course):
    included = _person(course, "MOT-INCLUD")
    answered(included, course["before"], SEVEN[0][0])
    answered(_person(course, "MOT-DRAFTS"), course["before"], SEVEN[1][0], status="draft")
    other_version = version_with_items(slug="elsewhere")
    elsewhere = administration(other_version, "before", UserFactory())
    answered(_person(course, "MOT-ELSEWH"), elsewhere, SEVEN[2][0])

    rows = list(answer_rows(Response.objects.filter(administration=course["before"])))

    assert {row["pseudonym"] for row in rows} == {"MOT-INCLUD"}


def test_answers_leave_only_under_the_programmes_code(course, programmes):
    coded = _person(course, "MOT-CODED1")
    answered(coded, course["before"], SEVEN[0][0])
    # A code in another programme is not a code here: without one, nothing of theirs leaves.
    uncoded = _person(course)
    Pseudonym.objects.create(programme=programmes["professional"], person=uncoded, code="WIP-XXXX")
    answered(uncoded, course["before"], SEVEN[1][0])

    rows = list(answer_rows(Response.objects.all()))

    assert {row["pseudonym"] for row in rows} == {"MOT-CODED1"}


def test_a_person_erased_leaves_the_export(course):
    kept = _person(course, "MOT-KEPTXX")
    erased = _person(course, "MOT-ERASED")
    for person in (kept, erased):
        before_answers, after_answers = SEVEN[0]
        answered_both(
            person, course["before"], course["after"], before_answers, after_answers, share=True
        )
        _goals(person, course, GoalsShared.WITH_NAME)

    person_erase(person=erased, erased_by=None, reason="Written request.")

    # Their ratings stay for the figures, but not one row of theirs is exported, with or
    # without a code: the course and the moment they sent it could lead back to them.
    assert Response.objects.filter(respondent=erased).count() == 2
    for rows in (answer_rows(Response.objects.all()), goal_rows(Response.objects.all())):
        assert {row["pseudonym"] for row in rows} == {"MOT-KEPTXX"}


def test_reflections_erased_leave_the_export(course):
    person = _person(course, "MOT-GONEXX")
    answered(person, course["before"], SEVEN[0][0])
    _goals(person, course, GoalsShared.WITH_NAME)

    responses_erase(person=person)

    assert list(answer_rows(Response.objects.all())) == []
    assert list(goal_rows(Response.objects.all())) == []


def test_rows_are_one_query(course, django_assert_num_queries):
    for index in range(6):
        before_answers, after_answers = SEVEN[index]
        answered_both(
            _person(course, f"MOT-{index:06d}"),
            course["before"],
            course["after"],
            before_answers,
            after_answers,
            share=True,
        )

    with django_assert_num_queries(1):
        rows = list(answer_rows(Response.objects.all()))

    assert len({row["pseudonym"] for row in rows}) == 6


def test_export_log_records_who_what_format_filters_and_rows(people):
    log = export_log(
        user=people["lead"],
        what="Reflection answers",
        file_format="csv",
        filters={"programme": "3"},
        row_count=42,
    )

    stored = ExportLog.objects.get()
    assert stored == log
    assert stored.exported_by == people["lead"]
    assert (stored.what, stored.file_format, stored.filters, stored.row_count) == (
        "Reflection answers",
        "csv",
        {"programme": "3"},
        42,
    )
    assert stored.exported_at is not None


def test_system_administrators_read_the_export_log_and_nobody_else(client, people):
    export_log(
        user=people["lead"],
        what="Reflection answers",
        file_format="xlsx",
        filters={"programme": 3},
        row_count=42,
    )
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get("/admin/export_log/")
    assert page.status_code == 200
    assert "Reflection answers" in page.text
    assert "42" in page.text
    assert client.get("/admin/export_log/new/").status_code == 302  # nothing is added by hand

    for role in ("lead", "site_admin", "lay_tutor"):
        client.force_login(people[role])
        assert client.get("/admin/export_log/").status_code == 302


# --- people's own goals ----------------------------------------------------------------------------

JANUARY = datetime(2026, 1, 5, 9, tzinfo=UTC)
MARCH = datetime(2026, 3, 10, 12, tzinfo=UTC)
JUNE = datetime(2026, 6, 10, 12, tzinfo=UTC)


@pytest.fixture
def follow_up(course):
    return administration(
        course["version"], "follow_up", UserFactory(), programme=course["programme"], months=3
    )


def _response(person, survey, when, **fields):
    return Response.objects.create(
        administration=survey,
        respondent=person,
        status=Response.Status.SUBMITTED,
        submitted_at=when,
        **fields,
    )


def _goals(person, course, shared, *, follow_up=None):
    """Two goals written before (rated 3 and 5), rated again after (the second no longer
    important, with what helped the first) and, if given, at the 3-month follow-up."""
    before = course["before"].responses.filter(respondent=person).first() or _response(
        person, course["before"], JANUARY
    )
    before.goals_shared = shared
    before.save()
    walk = Goal.objects.create(response=before, position=1, text="Walk to the shops")
    sleep = Goal.objects.create(response=before, position=2, text="Sleep through the night")
    GoalRating.objects.create(response=before, goal=walk, rating=3)
    GoalRating.objects.create(response=before, goal=sleep, rating=5)
    after = course["after"].responses.filter(respondent=person).first() or _response(
        person, course["after"], MARCH
    )
    GoalRating.objects.create(
        response=after, goal=walk, rating=7, before_rating=3, helped="My sister walked with me"
    )
    GoalRating.objects.create(
        response=after, goal=sleep, rating=None, before_rating=5, no_longer_important=True
    )
    if follow_up is not None:
        later = _response(person, follow_up, JUNE)
        GoalRating.objects.create(response=later, goal=walk, rating=6, before_rating=3)
    return walk, sleep


def test_one_row_per_rating_of_a_goal_with_its_month_and_before_rating(course, follow_up):
    person = _person(course, "MOT-GOALS1", first_name="Ada", last_name="Lovelace")
    _goals(person, course, GoalsShared.WITHOUT_NAME, follow_up=follow_up)

    rows = list(goal_rows(Response.objects.all()))

    assert all(set(row) == set(GOAL_COLUMNS) for row in rows)
    assert [
        (
            row["goal_number"],
            row["phase"],
            row["months"],
            row["rating"],
            row["before_rating"],
            row["no_longer_important"],
        )
        for row in rows
    ] == [
        (1, "before", 0, 3, None, False),
        (1, "after", 0, 7, 3, False),
        (1, "follow_up", 3, 6, 3, False),
        (2, "before", 0, 5, None, False),
        (2, "after", 0, None, 5, True),
    ]
    assert {row["pseudonym"] for row in rows} == {"MOT-GOALS1"}
    assert {row["instrument_slug"] for row in rows} == {"partnership-skills"}
    assert [row["submitted_at"] for row in rows[:3]] == [JANUARY, MARCH, JUNE]
    # Shared without a name: the words leave, the name never does.
    assert rows[0]["goal_text"] == "Walk to the shops"
    assert rows[1]["helped_text"] == "My sister walked with me"
    assert {row["shared"] for row in rows} == {True}
    assert {row["generated"] for row in rows} == {False}
    everything = repr(rows)
    for word in ("Ada", "Lovelace", person.email, "@"):
        assert word not in everything


@pytest.mark.parametrize("shared", [GoalsShared.NO, ""])
def test_the_goals_words_leave_only_if_the_person_let_their_tutors_see_them(course, shared):
    _goals(_person(course, "MOT-PRIVAT"), course, shared)

    rows = list(goal_rows(Response.objects.all()))

    # The ratings and "no longer important" leave; the words and what helped do not.
    assert [row["rating"] for row in rows] == [3, 7, 5, None]
    assert [row["no_longer_important"] for row in rows] == [False, False, False, True]
    assert {row["goal_text"] for row in rows} == {""}
    assert {row["helped_text"] for row in rows} == {""}
    assert {row["shared"] for row in rows} == {False}
    everything = repr(rows)
    for words in ("Walk to the shops", "Sleep through", "My sister"):
        assert words not in everything


def test_goal_rows_keep_to_submitted_responses_in_the_callers_scope(course):
    _goals(_person(course, "MOT-INSIDE"), course, GoalsShared.WITH_NAME)
    draft = _person(course, "MOT-DRAFTY")
    _goals(draft, course, GoalsShared.WITH_NAME)
    Response.objects.filter(respondent=draft).update(status=Response.Status.DRAFT)

    rows = list(goal_rows(Response.objects.filter(administration=course["before"])))

    assert {(row["pseudonym"], row["phase"]) for row in rows} == {("MOT-INSIDE", "before")}


def test_goal_rows_are_one_query_whatever_the_number_of_people(
    course, follow_up, django_assert_num_queries
):
    for index in range(6):
        _goals(_person(course, f"MOT-G{index:05d}"), course, GoalsShared.WITH_NAME)

    with django_assert_num_queries(1):
        rows = list(goal_rows(Response.objects.all()))

    assert len(rows) == 6 * 4
