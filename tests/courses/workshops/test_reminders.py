"""Reminders before each session: due at the run's days, nearest one only, each sent once."""

import threading
from datetime import timedelta
from io import StringIO

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from courses.models import CourseRun, Enrolment, Letter, ReminderSent, Session, TutorKind
from courses.tasks import send_due_reminders
from courses.workshops import reminders
from courses.workshops.reminders import nearest_due
from tests.factories import CourseRunFactory, SessionFactory, TutorFactory, UserFactory

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def course(workshop):
    """The workshop run, open, taught by its lay and clinical tutor, with every session moved
    well past any reminder; each test brings the session it needs closer."""
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.save()
    far = timezone.now() + timedelta(days=90)
    for session in run.sessions.all():
        session.starts_at = far + timedelta(weeks=session.number)
        session.ends_at = session.starts_at + timedelta(hours=3)
        session.lay_tutor = workshop["lay"]
        session.clinical_tutor = workshop["clinical"]
        session.save()
    booked = book(run, "booked@example.com")
    return {**workshop, "sessions": list(run.sessions.order_by("number")), "booked": booked}


def book(run, email, status=Enrolment.Status.BOOKED):
    trainee = UserFactory(email=email)
    Enrolment.objects.create(trainee=trainee, run=run, site=run.site, status=status)
    return trainee


def starts_in(session, delta):
    session.starts_at = timezone.now() + delta
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()
    return session


@pytest.fixture
def run_reminders(django_capture_on_commit_callbacks):
    """Run the task as a worker would: the emails go once the claims are committed."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders.call()

    return run


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


def the_three(course):
    return sorted(["booked@example.com", course["lay"].user.email, course["clinical"].user.email])


# --- when a reminder is due ---------------------------------------------------------------------


def test_a_reminder_is_due_from_its_day_until_the_session_starts(course):
    session = course["sessions"][0]  # the run's reminder days are 7 and 1
    start = session.starts_at

    assert nearest_due(session, start - timedelta(days=7, seconds=1)) is None
    assert nearest_due(session, start - timedelta(days=7)) == 7
    assert nearest_due(session, start - timedelta(days=1, seconds=1)) == 7
    assert nearest_due(session, start - timedelta(days=1)) == 1
    assert nearest_due(session, start - timedelta(seconds=1)) == 1
    assert nearest_due(session, start) is None
    assert nearest_due(session, start + timedelta(hours=1)) is None


def test_a_run_without_reminder_days_sends_none(course):
    CourseRun.objects.filter(pk=course["run"].pk).update(reminder_days="")
    session = Session.objects.select_related("run").get(pk=course["sessions"][0].pk)

    assert nearest_due(session, session.starts_at - timedelta(hours=1)) is None


def test_a_week_before_the_tutors_and_the_trainee_get_the_7_day_reminder(course, run_reminders):
    session = starts_in(course["sessions"][0], timedelta(days=6))

    assert run_reminders() == 3

    assert sent_to() == the_three(course)
    assert set(
        ReminderSent.objects.filter(session=session).values_list("days_before", flat=True)
    ) == {7}


def test_nothing_is_due_more_than_7_days_ahead(course, run_reminders):
    starts_in(course["sessions"][0], timedelta(days=7, hours=1))

    assert run_reminders() == 0
    assert mail.outbox == []


def test_running_twice_sends_each_reminder_once(course, run_reminders):
    starts_in(course["sessions"][0], timedelta(days=6))
    starts_in(course["sessions"][1], timedelta(hours=20))

    first, second = run_reminders(), run_reminders()

    assert (first, second) == (6, 0)
    assert len(mail.outbox) == 6
    assert ReminderSent.objects.count() == 6


def test_the_day_before_comes_after_the_week_before(course, run_reminders):
    session = starts_in(course["sessions"][0], timedelta(days=6))
    run_reminders()
    starts_in(session, timedelta(hours=20))  # time passes

    assert run_reminders() == 3
    assert run_reminders() == 0

    assert len(mail.outbox) == 6
    assert sorted(
        ReminderSent.objects.filter(user=course["booked"]).values_list("days_before", flat=True)
    ) == [1, 7]


def test_someone_who_wants_letters_gets_one_letter_a_session_in_time_for_the_post(
    course, run_reminders
):
    by_post = UserFactory(
        email=None,
        verified=False,
        contact_by="letter",
        postal_address="4 Mill Lane\nRiverside\nRV1 4DD",
    )
    Enrolment.objects.create(
        trainee=by_post, run=course["run"], site=course["run"].site, status="booked"
    )
    session = starts_in(course["sessions"][0], timedelta(days=6))
    run_reminders()
    starts_in(session, timedelta(hours=20))  # the day before: by email only
    run_reminders()

    subjects = list(Letter.objects.filter(person=by_post).values_list("subject", flat=True))
    assert len(subjects) == 1
    assert subjects[0].startswith("Reminder: ")
    assert "session 1" in subjects[0]
    assert sorted(
        ReminderSent.objects.filter(user=course["booked"]).values_list("days_before", flat=True)
    ) == [1, 7]


def test_no_reminder_letter_when_the_earliest_reminder_is_too_near_for_the_post(
    course, run_reminders
):
    CourseRun.objects.filter(pk=course["run"].pk).update(reminder_days="3,1")
    by_post = UserFactory(
        email=None, verified=False, contact_by="letter", postal_address="4 Mill Lane"
    )
    Enrolment.objects.create(
        trainee=by_post, run=course["run"], site=course["run"].site, status="booked"
    )
    session = starts_in(course["sessions"][0], timedelta(days=2))
    run_reminders()
    starts_in(session, timedelta(hours=20))
    run_reminders()

    assert not Letter.objects.filter(person=by_post).exists()
    assert "booked@example.com" in sent_to()


def test_someone_booked_late_gets_only_the_nearest_reminder(course, run_reminders):
    starts_in(course["sessions"][0], timedelta(hours=20))

    assert run_reminders() == 3

    assert ReminderSent.objects.filter(days_before=7).count() == 0
    assert sorted(ReminderSent.objects.values_list("days_before", flat=True)) == [1, 1, 1]


def test_a_trainee_added_after_the_first_run_is_reminded_on_the_next(course, run_reminders):
    starts_in(course["sessions"][0], timedelta(days=3))
    run_reminders()
    book(course["run"], "late@example.com")

    assert run_reminders() == 1
    assert mail.outbox[-1].to == ["late@example.com"]


@pytest.mark.parametrize("status", [Enrolment.Status.WITHDRAWN, Enrolment.Status.WAITLISTED])
def test_withdrawn_and_waitlisted_trainees_get_nothing(course, run_reminders, status):
    book(course["run"], "not.coming@example.com", status)
    starts_in(course["sessions"][0], timedelta(hours=20))

    run_reminders()

    assert "not.coming@example.com" not in sent_to()
    assert sent_to() == the_three(course)


@pytest.mark.parametrize("status", [CourseRun.Status.CANCELLED, CourseRun.Status.PLANNING])
def test_a_run_that_is_not_open_sends_nothing(course, run_reminders, status):
    CourseRun.objects.filter(pk=course["run"].pk).update(status=status)
    starts_in(course["sessions"][0], timedelta(hours=20))

    assert run_reminders() == 0
    assert mail.outbox == []


def test_a_session_that_has_started_sends_nothing(course, run_reminders):
    starts_in(course["sessions"][0], -timedelta(minutes=5))

    assert run_reminders() == 0


def test_a_deactivated_account_gets_nothing(course, run_reminders):
    course["booked"].__class__.objects.filter(pk=course["booked"].pk).update(is_active=False)
    starts_in(course["sessions"][0], timedelta(hours=20))

    run_reminders()

    assert "booked@example.com" not in sent_to()


def test_the_lead_chooses_the_days(course, run_reminders):
    CourseRun.objects.filter(pk=course["run"].pk).update(reminder_days="3")
    starts_in(course["sessions"][0], timedelta(days=5))
    assert run_reminders() == 0

    starts_in(course["sessions"][0], timedelta(days=2))
    assert run_reminders() == 3
    assert set(ReminderSent.objects.values_list("days_before", flat=True)) == {3}


# --- what the emails say ------------------------------------------------------------------------


def test_the_tutor_is_told_when_where_with_whom_and_where_the_plan_and_register_are(
    course, run_reminders
):
    lay, clinical = course["lay"], course["clinical"]
    session = starts_in(course["sessions"][0], timedelta(hours=20))

    run_reminders()

    message = next(message for message in mail.outbox if message.to == [lay.user.email])
    local = timezone.localtime(session.starts_at)
    assert message.subject.startswith("[Co-training] Reminder: you are teaching Moving on Together")
    assert local.strftime("%A %-d %B %Y, %H:%M to ") in message.body
    assert "Riverside Library, 1 High Street, Riverside, RV1 1AA" in message.body
    assert f"You are teaching with {clinical.name}, the clinical tutor." in message.body
    assert f"http://testserver/teach/sessions/{session.pk}/plan/" in message.body
    assert f"http://testserver/teach/sessions/{session.pk}/register/" in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body


def test_the_trainee_is_told_when_where_how_to_get_in_and_how_to_say_they_cannot_come(
    course, run_reminders
):
    venue = course["venue"]
    venue.hearing_loop = True
    venue.access_notes = "Ring the bell at the side door."
    venue.save()
    session = starts_in(course["sessions"][0], timedelta(hours=20))

    run_reminders()

    message = next(message for message in mail.outbox if message.to == ["booked@example.com"])
    assert message.subject.startswith("[Co-training] Reminder: Moving on Together – session 1")
    for words in (
        "Where: Riverside Library\n1 High Street\nRiverside\nRV1 1AA\n",
        "Step-free access.",
        "Hearing loop available.",
        "Ring the bell at the side door.",
        f"Your tutors: {course['lay'].name} and {course['clinical'].name}.",
        "If you cannot come, tell Riverside Health Board (how to reach them is below).",
        f"http://testserver/courses/{session.run_id}/",
    ):
        assert words in message.body


def test_each_reminder_carries_its_session_as_a_calendar_file(course, run_reminders):
    session = starts_in(course["sessions"][0], timedelta(hours=20))

    run_reminders()

    for message in mail.outbox:
        ((filename, content, mimetype),) = message.attachments
        assert (filename, mimetype) == ("session.ics", "text/calendar")
        (event,) = icalendar.Calendar.from_ical(content).walk("VEVENT")
        assert str(event["UID"]) == f"session-{session.pk}@testserver"


def test_a_tutor_without_a_co_tutor_is_told_cover_is_being_arranged(course, run_reminders):
    session = starts_in(course["sessions"][0], timedelta(hours=20))
    Session.objects.filter(pk=session.pk).update(clinical_tutor=None)

    run_reminders()

    (message,) = [message for message in mail.outbox if message.to == [course["lay"].user.email]]
    assert "co-tutor for this session is not confirmed yet" in message.body


# --- cost ---------------------------------------------------------------------------------------


def add_due_sessions(course, count):
    """`count` more open runs, each with a due session, its own pair and two booked trainees."""
    for n in range(count):
        run = CourseRunFactory(
            programme=course["programme"],
            site=course["site"],
            venue=course["venue"],
            status=CourseRun.Status.OPEN,
        )
        SessionFactory(
            run=run,
            number=1,
            starts_at=timezone.now() + timedelta(hours=10 + n),
            lay_tutor=TutorFactory(site=course["site"], kind=TutorKind.LAY),
            clinical_tutor=TutorFactory(site=course["site"], kind=TutorKind.CLINICAL),
        )
        book(run, f"a{n}@example.com")
        book(run, f"b{n}@example.com")


@pytest.mark.parametrize("count", [1, 15])
def test_the_task_costs_the_same_queries_however_many_sessions(
    course, django_assert_num_queries, count
):
    add_due_sessions(course, count)
    starts_in(course["sessions"][0], timedelta(days=3))

    # sessions, trainees, reminders already sent, one insert; a savepoint around them
    with django_assert_num_queries(6):
        sent = send_due_reminders.call()

    assert sent == 3 + 4 * count


# --- the command --------------------------------------------------------------------------------


def test_the_command_sends_and_says_how_many(course, django_capture_on_commit_callbacks):
    starts_in(course["sessions"][0], timedelta(hours=20))
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=out)
    call_command("send_reminders", stdout=out)

    assert out.getvalue() == (
        "Sent 3 reminders.\nSent 0 reflection reminders.\n"
        "Sent 0 reminders.\nSent 0 reflection reminders.\n"
    )
    assert len(mail.outbox) == 3


def test_the_command_can_queue_the_task_for_a_worker(course):
    out = StringIO()

    call_command("send_reminders", "--enqueue", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Queued send_due_reminders (")
    assert lines[1].startswith("Queued send_due_reflection_reminders (")


# --- at the same moment on two machines (PostgreSQL) --------------------------------------------


def claim_without_conflict_check(reminders):
    """The control: insert, skip conflicts, and send everything tried. Shows the race exists."""
    ReminderSent.objects.bulk_create(
        [
            ReminderSent(session=r.session, user=r.person, days_before=r.days_before)
            for r in reminders
        ],
        ignore_conflicts=True,
    )
    return reminders


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent claims are proven on PostgreSQL"
)
# serialized_rollback: each test empties the database; this puts back what the migrations made
# (Wagtail's root page, the role groups) for the next one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("control", [False, True], ids=["claimed", "control-unclaimed"])
def test_two_workers_at_once_send_each_reminder_once(workshop, monkeypatch, control):
    run = workshop["run"]
    CourseRun.objects.filter(pk=run.pk).update(status=CourseRun.Status.OPEN)
    for number, session in enumerate(run.sessions.all()):
        session.lay_tutor, session.clinical_tutor = workshop["lay"], workshop["clinical"]
        starts_in(session, timedelta(hours=5 + number))
    for n in range(30):
        book(run, f"t{n}@example.com")
    expected = 3 * 32  # three sessions, two tutors and thirty trainees
    # Both workers find the same due reminders before either claims one: the worst case.
    barrier = threading.Barrier(2)
    find = reminders.due_reminders

    def find_then_wait(now):
        found = find(now)
        barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(reminders, "due_reminders", find_then_wait)
    if control:
        monkeypatch.setattr(reminders, "claim", claim_without_conflict_check)
    results, failures = [], []

    def worker():
        try:
            results.append(send_due_reminders.call())
        except Exception as error:  # noqa: BLE001 - reported below, whatever it is
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert ReminderSent.objects.count() == expected
    if control:
        assert len(mail.outbox) == 2 * expected  # everyone twice: the race is real
    else:
        assert sum(results) == expected
        assert len(mail.outbox) == expected
        assert len({(message.to[0], message.subject) for message in mail.outbox}) == expected
