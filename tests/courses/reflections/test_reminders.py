"""Emails asking trainees for their before and after reflections: each sent once, never to
someone who has answered, and only while the survey is open."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django.utils.formats import date_format

from assessments.models import ReflectionReminder, Response
from courses.models import CourseRun, Enrolment
from courses.reflections import administrations
from courses.tasks import send_due_reflection_reminders
from tests.assessments.reflection_builders import version_with_items
from tests.factories import CourseRunFactory, SessionFactory, UserFactory

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = pytest.mark.clock


def run_with_sessions(site, programme, *starts):
    run = CourseRunFactory(
        site=site, programme=programme, title="Thursday group", status=CourseRun.Status.OPEN
    )
    for number, starts_at in enumerate(starts, start=1):
        SessionFactory(run=run, number=number, starts_at=starts_at)
    administrations.administrations_ensure_for_run(run=run)
    return run


@pytest.fixture
def questionnaire(programmes):
    return version_with_items(programme=programmes["patient"])


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run the task; its emails go once the claims are committed, as they would for real."""

    def run_task():
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reflection_reminders.call()

    return run_task


def book(run, person=None):
    person = person or UserFactory()
    Enrolment.objects.create(trainee=person, run=run, site=run.site)
    return person


def test_before_survey_is_recalled_in_the_days_before_the_first_session(
    send, riverside, programmes, questionnaire
):
    now = timezone.now()
    run = run_with_sessions(
        riverside, programmes["patient"], now + timedelta(days=2), now + timedelta(days=9)
    )
    person = book(run)
    assert send() == 1
    [email] = mail.outbox
    assert email.to == [person.email]
    assert "Your before-course reflection: Thursday group" in email.subject
    before = run_administration(run, "before")
    assert f"/reflections/{before.pk}/" in email.body
    assert "never with your name" in email.body
    # Twice sends nothing more.
    assert send() == 0
    assert len(mail.outbox) == 1


def run_administration(run, phase):
    from assessments.models import Administration

    return Administration.objects.get(target_id=run.pk, phase=phase)


def test_not_yet_when_the_course_is_weeks_away(send, riverside, programmes, questionnaire):
    now = timezone.now()
    run = run_with_sessions(riverside, programmes["patient"], now + timedelta(days=10))
    book(run)
    assert send() == 0


def test_nobody_who_answered_is_reminded(send, riverside, programmes, questionnaire):
    now = timezone.now()
    run = run_with_sessions(riverside, programmes["patient"], now + timedelta(days=1))
    answered = book(run)
    Response.objects.create(
        administration=run_administration(run, "before"),
        respondent=answered,
        status=Response.Status.SUBMITTED,
        submitted_at=now,
    )
    waiting = book(run)
    assert send() == 1
    assert mail.outbox[0].to == [waiting.email]


def test_after_survey_is_sent_once_the_last_session_has_started_while_it_is_open(
    send, riverside, programmes, questionnaire
):
    now = timezone.now()
    finished = run_with_sessions(
        riverside, programmes["patient"], now - timedelta(days=8), now - timedelta(days=1)
    )
    long_ago = run_with_sessions(riverside, programmes["patient"], now - timedelta(days=40))
    person = book(finished)
    book(long_ago)
    assert send() == 1
    [email] = mail.outbox
    assert email.to == [person.email]
    assert "after-course reflection" in email.subject
    closes = timezone.localtime(finished.sessions.order_by("-starts_at")[0].starts_at)
    last_day = date_format(closes + timedelta(days=28), "l j F Y")
    assert f"Please answer by {last_day}: the questions close then." in email.body


def test_cancelled_runs_and_withdrawn_people_are_left_alone(
    send, riverside, programmes, questionnaire
):
    now = timezone.now()
    cancelled = run_with_sessions(riverside, programmes["patient"], now + timedelta(days=1))
    book(cancelled)
    CourseRun.objects.filter(pk=cancelled.pk).update(status=CourseRun.Status.CANCELLED)
    run = run_with_sessions(riverside, programmes["patient"], now + timedelta(days=1))
    gone = book(run)
    Enrolment.objects.filter(trainee=gone).update(status=Enrolment.Status.WITHDRAWN)
    assert send() == 0


def test_module_after_survey_follows_completion(send, elearning, people):
    module, _ = elearning
    version_with_items(programme=module.get_parent().specific)
    administrations.administrations_ensure_for_module(module=module)
    trainee = people["trainee"]
    assert send() == 0
    Enrolment.objects.filter(trainee=trainee, module=module).update(
        status=Enrolment.Status.COMPLETED, completed_at=timezone.now()
    )
    assert send() == 1
    assert mail.outbox[0].to == [trainee.email]
    assert ReflectionReminder.objects.filter(person=trainee).count() == 1


def test_the_command_sends_both_kinds(riverside, programmes, questionnaire):
    now = timezone.now()
    book(run_with_sessions(riverside, programmes["patient"], now + timedelta(hours=20)))
    from io import StringIO

    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "Sent 1 reflection reminder." in out.getvalue()


def test_finding_due_reminders_takes_five_queries_however_many_runs(
    riverside, programmes, questionnaire, django_assert_num_queries
):
    now = timezone.now()
    for _ in range(3):
        run = run_with_sessions(
            riverside, programmes["patient"], now - timedelta(days=8), now - timedelta(days=1)
        )
        for _ in range(4):
            book(run)
    with django_assert_num_queries(5):
        due = administrations.reflection_reminders_due(now)
    assert len(due) == 12
