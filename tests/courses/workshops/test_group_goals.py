"""The goals a run's people shared with their tutors, on the session plan: for the run's two
tutors only, names only where the person chose, "N of M people" counted, and a fixed number of
queries however many goals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Goal, GoalsShared, Item, ItemKind, Response
from courses.models import CourseRun, Enrolment
from courses.reflections.administrations import group_goals_for
from tests.assessments.reflection_builders import administration, version_with_items
from tests.courses.workshops import test_teaching
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The run of the teaching tests: three trainees booked, taught by the Riverside tutors.
course = test_teaching.course
plan_url = test_teaching.plan_url


def wrote(run, before, person, goals, shared, *, status=Response.Status.SUBMITTED):
    response = Response.objects.create(
        administration=before,
        respondent=person,
        status=status,
        submitted_at=timezone.now() if status == Response.Status.SUBMITTED else None,
        goals_shared=shared,
    )
    for position, text in enumerate(goals, start=1):
        Goal.objects.create(response=response, position=position, text=text)
    return response


@pytest.fixture
def before(course):
    run = course["run"]
    version = version_with_items(slug=f"skills-{run.pk}")
    return administration(version, "before", run, label=run.title, programme=run.programme)


def test_tutors_see_shared_goals_with_names_only_where_chosen(course, before):
    alice, bob, carol = (enrolment.trainee for enrolment in course["enrolments"])
    run = course["run"]
    wrote(run, before, alice, ["Walk to the shops", "Sleep better"], GoalsShared.WITH_NAME)
    wrote(run, before, bob, ["Cook for my grandchildren"], GoalsShared.WITHOUT_NAME)
    wrote(run, before, carol, ["Keep this to myself"], GoalsShared.NO)
    outsider = UserFactory()  # answered, but not on the course
    wrote(run, before, outsider, ["Not on the course"], GoalsShared.WITH_NAME)

    goals = group_goals_for(run)

    name = alice.get_full_name()
    assert (goals.shared_by, goals.on_the_course) == (2, 3)
    assert [(goal.text, goal.name) for goal in goals.goals] == [
        ("Sleep better", name),
        ("Walk to the shops", name),
        ("Cook for my grandchildren", ""),
    ]


def test_a_draft_before_reflection_shares_nothing(course, before):
    alice = course["enrolments"][0].trainee
    wrote(
        course["run"],
        before,
        alice,
        ["Walk"],
        GoalsShared.WITH_NAME,
        status=Response.Status.DRAFT,
    )

    assert group_goals_for(course["run"]).goals == []


def test_the_session_plan_shows_the_group_goals_to_its_tutors_only(client, course, before, people):
    alice = course["enrolments"][0].trainee
    wrote(course["run"], before, alice, ["Walk to the shops"], GoalsShared.WITH_NAME)
    session = course["sessions"][3]

    client.force_login(people["lay_tutor"])
    shown = client.get(plan_url(session)).content.decode()
    assert "What matters to your group" in shown
    assert "1 of the 3 people on the course shared the goals" in shown
    assert f"Walk to the shops ({alice.get_full_name()})" in shown

    client.force_login(people["lead"])
    seen_by_lead = client.get(plan_url(session))
    assert seen_by_lead.status_code == 200
    assert "Walk to the shops" not in seen_by_lead.content.decode()


def test_the_plan_takes_the_same_queries_however_many_goals(client, course, before, people):
    trainees = [enrolment.trainee for enrolment in course["enrolments"]]
    wrote(course["run"], before, trainees[0], ["Walk"], GoalsShared.WITH_NAME)
    session = course["sessions"][3]
    client.force_login(people["lay_tutor"])
    client.get(plan_url(session))
    with CaptureQueriesContext(connection) as one:
        client.get(plan_url(session))
    for person in trainees[1:]:
        wrote(course["run"], before, person, ["Cook", "Sleep", "Walk"], GoalsShared.WITHOUT_NAME)

    with CaptureQueriesContext(connection) as seven:
        client.get(plan_url(session))

    assert len(seven) == len(one)


# --- asking for goals when booked ------------------------------------------------------------------


@pytest.fixture
def booked(workshop, people):
    run = workshop["run"]
    CourseRun.objects.filter(pk=run.pk).update(status=CourseRun.Status.OPEN)
    version = version_with_items(slug=f"skills-{run.pk}")
    Item.objects.create(
        version=version, key="own-goals", position=50, kind=ItemKind.GOALS, text="Your goals"
    )
    before = administration(version, "before", run, label=run.title, programme=run.programme)
    Enrolment.objects.create(trainee=people["trainee"], run=run, site=workshop["site"])
    return run, before


def test_a_booked_trainee_is_asked_for_their_goals_on_the_course_page(client, booked, people):
    run, before = booked
    client.force_login(people["trainee"])

    page = " ".join(client.get(f"/courses/{run.pk}/").content.decode().split())

    assert "write up to 3 goals of your own" in page
    assert f'href="/reflections/{before.pk}/">write your goals' in page


def test_once_sent_the_course_page_no_longer_asks(client, booked, people):
    run, before = booked
    Response.objects.create(
        administration=before,
        respondent=people["trainee"],
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    client.force_login(people["trainee"])

    page = client.get(f"/courses/{run.pk}/").content.decode()

    assert "write up to 3 goals" not in page
