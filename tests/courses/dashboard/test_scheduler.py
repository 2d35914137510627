"""The periodic work the scheduler (django-crontask, `manage.py crontask`) puts on the queue: the
dashboard's figures as often as the dashboard says, and the reminders. Running a declared job
once is what the scheduler does at each tick: the figures are then new."""

from datetime import timedelta

import pytest
from crontask import scheduler
from django.utils import timezone

from courses import tasks
from courses.dashboard.figures import REFRESH_EVERY, REFRESH_MINUTES, figures_refreshed_at
from courses.dashboard.tables import DashboardFilters, dashboard_for
from courses.models import Attendance, CourseRun, Enrolment, FiguresRefresh, SessionFigures
from courses.sites.scope import sites_for
from tests.courses.dashboard import dashboard_builders
from tests.factories import UserFactory

pytestmark = pytest.mark.clock


def jobs() -> dict:
    return {job.name: job for job in scheduler.get_jobs()}


def test_the_scheduler_declares_the_figures_and_both_reminders():
    declared = jobs()

    figures = declared[tasks.refresh_dashboard_figures.name]
    reminders = declared[tasks.send_due_reminders.name]
    reflections = declared[tasks.send_due_reflection_reminders.name]

    # Each job puts its task on the queue for a worker; it does not run it in the scheduler.
    assert figures.func == tasks.refresh_dashboard_figures.enqueue
    assert reminders.func == tasks.send_due_reminders.enqueue
    assert reflections.func == tasks.send_due_reflection_reminders.enqueue
    assert str(figures.trigger.fields[6]) == f"*/{REFRESH_MINUTES}"  # the minute field
    assert str(reminders.trigger.fields[6]) == f"*/{tasks.REMINDERS_EVERY_MINUTES}"
    assert str(reflections.trigger.fields[6]) == f"*/{tasks.REMINDERS_EVERY_MINUTES}"


@pytest.mark.parametrize(
    ("name", "every"),
    [
        (tasks.refresh_dashboard_figures.name, REFRESH_EVERY),
        (tasks.send_due_reminders.name, timedelta(minutes=tasks.REMINDERS_EVERY_MINUTES)),
    ],
)
def test_each_job_comes_round_within_its_period_from_any_moment(name, every):
    trigger = jobs()[name].trigger
    now = timezone.now()

    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))

    assert timedelta(0) <= first - now <= every
    assert second - first == every


def test_running_the_scheduled_job_once_works_the_figures_out_again(
    people, riverside, hillside, programmes
):
    built = dashboard_builders.build(riverside, hillside, programmes)
    lead = people["lead"]
    assert figures_refreshed_at() is None
    assert not SessionFigures.objects.exists()

    # What the scheduler does at the next tick (the test settings run tasks at once).
    jobs()[tasks.refresh_dashboard_figures.name].func()

    assert figures_refreshed_at() == timezone.now()
    attendance = dashboard_for(lead, DashboardFilters(sites=sites_for(lead)))["attendance"]
    assert [(row["session"], row["present"]) for row in attendance.rows][0] == ("Session 1", 5)

    # A register changes; the next tick counts it.
    first_session = built["runs"]["b"].sessions.get(number=1)
    Attendance.objects.filter(session=first_session, status=Attendance.Status.ABSENT).update(
        status=Attendance.Status.PRESENT
    )
    jobs()[tasks.refresh_dashboard_figures.name].func()

    attendance = dashboard_for(lead, DashboardFilters(sites=sites_for(lead)))["attendance"]
    assert [(row["session"], row["present"]) for row in attendance.rows][0] == ("Session 1", 6)
    assert FiguresRefresh.objects.count() == 1


def test_the_reminders_job_sends_the_reminders_due(
    workshop, django_capture_on_commit_callbacks, mailoutbox
):
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.save()
    first = run.sessions.order_by("number").first()
    far = timezone.now() + timedelta(days=200)
    run.sessions.exclude(pk=first.pk).update(starts_at=far, ends_at=far + timedelta(hours=3))
    first.starts_at = timezone.now() + timedelta(days=6)
    first.ends_at = first.starts_at + timedelta(hours=3)
    first.lay_tutor = workshop["lay"]
    first.save()
    trainee = UserFactory(email="booked@example.com")
    Enrolment.objects.create(trainee=trainee, run=run, site=run.site)

    # The scheduler's tick, then the worker's commit: the week-before reminders go out.
    with django_capture_on_commit_callbacks(execute=True):
        jobs()[tasks.send_due_reminders.name].func()

    assert sorted(address for message in mailoutbox for address in message.to) == sorted(
        ["booked@example.com", workshop["lay"].user.email]
    )


def test_the_page_says_how_often_from_the_same_setting(client, people, riverside, programmes):
    client.force_login(people["lead"])

    page = client.get("/programme/").content.decode()

    assert f"every {REFRESH_MINUTES} minutes" in page


def test_the_scheduler_asks_for_session_feedback_as_often_as_it_sends_reminders():
    job = jobs()[tasks.send_session_feedback.name]

    assert job.func == tasks.send_session_feedback.enqueue
    assert str(job.trigger.fields[6]) == f"*/{tasks.REMINDERS_EVERY_MINUTES}"
