"""Follow-up surveys: made per programme point, open to people who completed from that many
months after the course ended, reminded by email once, scored against before and after."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import Administration, Phase, ScaleScore
from assessments.reflections import windows
from assessments.reflections.responses import Reflection, items_asked, response_save
from cms.models.pages import parse_follow_up_months
from courses.models import CourseRun, Enrolment
from courses.reflections import administrations
from courses.tasks import send_due_reflection_reminders
from tests.assessments.reflection_builders import version_with_items
from tests.factories import CourseRunFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.clock


@pytest.fixture
def questionnaire(programmes):
    return version_with_items(programme=programmes["patient"])


def finished_run(site, programme, *, ended_days_ago):
    run = CourseRunFactory(site=site, programme=programme, title="Thursday group")
    now = timezone.now()
    for number, days in enumerate((ended_days_ago + 14, ended_days_ago + 7, ended_days_ago), 1):
        SessionFactory(run=run, number=number, starts_at=now - timedelta(days=days))
    administrations.administrations_ensure_for_run(run=run)
    return run


def completed(run, person=None, status=Enrolment.Status.COMPLETED):
    person = person or UserFactory()
    Enrolment.objects.create(trainee=person, run=run, site=run.site, status=status)
    return person


def follow_up(run, months):
    return Administration.objects.get(target_id=run.pk, phase=Phase.FOLLOW_UP, months=months)


@pytest.mark.parametrize(
    ("text", "months"),
    [("3, 6, 12", [3, 6, 12]), ("", []), (" 1 ", [1]), ("2,4,8,36", [2, 4, 8, 36])],
)
def test_follow_up_points_are_read_from_the_editor(text, months):
    assert parse_follow_up_months(text) == months


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3, six", "whole numbers"),
        ("0, 3", "from 1 to 36"),
        ("3, 40", "from 1 to 36"),
        ("6, 3", "increasing order"),
        ("3, 3", "increasing order"),
        ("1, 2, 3, 4, 5", "at most 4"),
        ("-3", "whole numbers"),
    ],
)
def test_bad_follow_up_points_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ValidationError) as raised:
        parse_follow_up_months(text)
    assert message in raised.value.messages[0]


def test_the_programme_page_checks_its_follow_up_fields(programmes):
    programme = programmes["patient"]
    programme.follow_up_months = "12, 3"
    with pytest.raises(ValidationError) as raised:
        programme.full_clean()
    assert "follow_up_months" in raised.value.message_dict


def test_a_run_gets_a_follow_up_per_point_asking_the_after_version(
    riverside, programmes, questionnaire
):
    programmes["patient"].follow_up_months = "3, 6"
    programmes["patient"].save()
    run = finished_run(riverside, programmes["patient"], ended_days_ago=1)
    after = Administration.objects.get(target_id=run.pk, phase=Phase.AFTER)
    ups = Administration.objects.filter(target_id=run.pk, phase=Phase.FOLLOW_UP)
    assert sorted(ups.values_list("months", flat=True)) == [3, 6]
    assert {up.version_id for up in ups} == {after.version_id}


def test_runs_made_before_the_points_get_their_follow_ups_from_the_scheduler(
    riverside, programmes, questionnaire
):
    programmes["patient"].follow_up_months = ""
    programmes["patient"].save()
    run = finished_run(riverside, programmes["patient"], ended_days_ago=1)
    assert not Administration.objects.filter(phase=Phase.FOLLOW_UP).exists()
    programmes["patient"].follow_up_months = "3"
    programmes["patient"].save()
    assert administrations.follow_ups_ensure() == 1
    assert administrations.follow_ups_ensure() == 0
    assert follow_up(run, 3).version == questionnaire


def test_the_follow_up_opens_months_after_the_last_session_ended_for_completers_only(
    riverside, programmes, questionnaire
):
    run = finished_run(riverside, programmes["patient"], ended_days_ago=100)
    finisher = completed(run)
    still_booked = completed(run, status=Enrolment.Status.BOOKED)
    three, six = follow_up(run, 3), follow_up(run, 6)
    ended = run.sessions.order_by("-ends_at")[0].ends_at
    found = windows.windows_for(finisher, [three, six])
    opens = administrations.add_months(ended, 3)
    assert found[three.pk] == windows.Window(opens, administrations.after_closes(three, opens))
    assert timezone.localtime(opens).time() == timezone.localtime(ended).time()
    assert found[three.pk].is_open()
    assert not found[six.pk].is_open()
    assert windows.windows_for(still_booked, [three, six]) == {}


def test_months_are_added_in_local_time_and_short_months_end_on_their_last_day():
    moment = timezone.make_aware(timezone.datetime(2027, 1, 31, 13, 0))
    later = timezone.localtime(administrations.add_months(moment, 1))
    assert (later.month, later.day, later.hour) == (2, 28, 13)


def test_a_follow_up_form_asks_the_scored_items_only(riverside, programmes, questionnaire):
    run = finished_run(riverside, programmes["patient"], ended_days_ago=100)
    kinds = {item.kind for item in items_asked(follow_up(run, 3))}
    after = Administration.objects.get(target_id=run.pk, phase=Phase.AFTER)
    after_kinds = {item.kind for item in items_asked(after)}
    assert "free_text" in after_kinds
    assert "rating" in kinds
    assert kinds <= {"rating", "retrospective", "goals"}


def test_the_follow_up_reminder_is_sent_once_saying_months_after_the_course(
    riverside, programmes, questionnaire, django_capture_on_commit_callbacks
):
    run = finished_run(riverside, programmes["patient"], ended_days_ago=100)
    person = completed(run)
    cancelled = finished_run(riverside, programmes["patient"], ended_days_ago=100)
    CourseRun.objects.filter(pk=cancelled.pk).update(
        status=CourseRun.Status.CANCELLED, cancelled_at=timezone.now() - timedelta(days=1)
    )
    completed(cancelled)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            send_due_reflection_reminders.call()
    [email] = [email for email in mail.outbox if "months after" in email.subject]
    assert email.to == [person.email]
    assert email.subject.endswith("3 months after your course: Thursday group")
    assert "It is now 3 months after your course" in email.body


def test_finding_due_follow_up_reminders_takes_five_queries(
    riverside, programmes, questionnaire, django_assert_num_queries
):
    for _ in range(3):
        run = finished_run(riverside, programmes["patient"], ended_days_ago=100)
        completed(run)
        completed(run)
    with django_assert_num_queries(5):
        due = administrations.follow_up_reminders_due(timezone.now())
    assert len(due) == 6


def test_a_follow_up_score_keeps_the_before_and_after_scores(riverside, programmes, questionnaire):
    from tests.assessments.matched_builders import SEVEN, answered

    run = finished_run(riverside, programmes["patient"], ended_days_ago=100)
    person = completed(run)
    before = Administration.objects.get(target_id=run.pk, phase=Phase.BEFORE)
    after = Administration.objects.get(target_id=run.pk, phase=Phase.AFTER)
    answered(person, before, SEVEN[0][0])
    answered(person, after, SEVEN[0][1])

    three = follow_up(run, 3)  # open: the course ended 100 days ago
    # Through the service people use: 6 for each agenda item, 3 for each enabling one.
    answers = {
        str(item.pk): "6" if item.key in ("a1", "a2") else "3" for item in items_asked(three)
    }
    response = response_save(
        administration_id=three.pk,
        respondent=person,
        answers=answers,
        share_with_tutors=False,
        submit=True,
    )
    row = ScaleScore.objects.get(response=response, scale_key="agenda")
    assert (row.score, row.before_score, row.after_score) == (6, 3.5, 7.5)


def test_a_follow_up_goal_rating_keeps_the_before_and_after_ratings(
    riverside, programmes, questionnaire
):
    from assessments.models import Goal, GoalRating, Response
    from assessments.reflections.goals import GoalsAnswer, goals_write

    run = finished_run(riverside, programmes["patient"], ended_days_ago=100)
    person = completed(run)
    surveys = {
        phase: Administration.objects.get(target_id=run.pk, phase=phase)
        for phase in (Phase.BEFORE, Phase.AFTER)
    }
    responses = {
        phase: Response.objects.create(
            administration=survey, respondent=person, status=Response.Status.SUBMITTED
        )
        for phase, survey in surveys.items()
    }
    walk = Goal.objects.create(response=responses[Phase.BEFORE], position=1, text="Walk")
    sleep = Goal.objects.create(response=responses[Phase.BEFORE], position=2, text="Sleep")
    GoalRating.objects.create(response=responses[Phase.BEFORE], goal=walk, rating=2)
    GoalRating.objects.create(response=responses[Phase.BEFORE], goal=sleep, rating=4)
    GoalRating.objects.create(
        response=responses[Phase.AFTER], goal=walk, rating=7, before_rating=2
    )  # the sleep goal was not rated after the course

    three = follow_up(run, 3)
    response = Response.objects.create(administration=three, respondent=person)
    goals_write(
        response, three, GoalsAnswer(rated={walk.pk: (6, False, ""), sleep.pk: (5, False, "")})
    )

    rows = {
        row.goal_id: (row.rating, row.before_rating, row.after_rating)
        for row in GoalRating.objects.filter(response=response)
    }
    assert rows == {walk.pk: (6, 2, 7), sleep.pk: (5, 4, None)}


def test_the_follow_up_form_says_what_it_is_for_and_introductions_read_as_paragraphs(
    client, riverside, programmes, questionnaire
):
    instrument = questionnaire.instrument
    instrument.introduction = (
        "These questions ask how you feel. We ask them\nat the start and at the end.\n\n"
        "There are no right or wrong answers."
    )
    instrument.save(update_fields=["introduction"])
    run = finished_run(riverside, programmes["patient"], ended_days_ago=100)
    person = completed(run)
    client.force_login(person)

    three = client.get(f"/reflections/{follow_up(run, 3).pk}/").content.decode()
    assert (
        '<p class="nhsuk-body">It is 3 months after the course. These are some of the questions '
        "you answered at the start and at the end of it, asked again so that you can see whether "
        "what changed for you has lasted."
    ) in three
    assert "We ask them" not in three  # the introduction speaks of the start and the end

    # Its lines are one paragraph, however the file wraps them; a blank line starts another.
    before = Administration.objects.get(target_id=run.pk, phase=Phase.BEFORE)
    reflection = Reflection(
        administration=before,
        label=before.label,
        phase=Phase.BEFORE,
        window=None,
        response=None,
        status="closed",
    )
    assert reflection.introduction == [
        "These questions ask how you feel. We ask them at the start and at the end.",
        "There are no right or wrong answers.",
    ]
