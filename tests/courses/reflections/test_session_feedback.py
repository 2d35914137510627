"""Feedback and debrief administrations tied to each session, and who may answer them when."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from assessments.models import Administration, Phase, Purpose, Response
from assessments.reflections import windows
from assessments.reflections.instruments import instrument_save
from courses.models import Attendance, CourseRun, Enrolment
from courses.reflections import session_feedback
from tests.factories import UserFactory

pytestmark = pytest.mark.clock

DEFINITION = {"items": [{"key": "what-mattered", "kind": "free_text", "text": "What mattered?"}]}


@pytest.fixture
def questionnaires(programmes):
    for purpose in (Purpose.SESSION_FEEDBACK, Purpose.TUTOR_DEBRIEF):
        instrument_save(
            slug=f"patient-{purpose}",
            title=purpose,
            programme=programmes["patient"],
            definition=DEFINITION,
            purpose=purpose,
        )


@pytest.fixture
def taught(workshop, questionnaires):
    """Session 1 moved to yesterday 10:00 to 13:00 local time, with its two tutors."""
    session = workshop["sessions"][0]
    yesterday = timezone.localdate() - timedelta(days=1)
    zone = timezone.get_current_timezone()
    session.starts_at = datetime.combine(yesterday, time(10, 0), tzinfo=zone)
    session.ends_at = datetime.combine(yesterday, time(13, 0), tzinfo=zone)
    session.lay_tutor, session.clinical_tutor = workshop["lay"], workshop["clinical"]
    session.save()
    return session


def book(person, run, status=Enrolment.Status.BOOKED):
    return Enrolment.objects.create(trainee=person, run=run, site=run.site, status=status)


def test_a_session_gets_a_feedback_form_and_a_debrief_once(taught):
    feedback, debrief = session_feedback.session_administrations_ensure(session=taught)

    assert (feedback.phase, debrief.phase) == (Phase.SESSION, Phase.DEBRIEF)
    assert feedback.version.instrument.purpose == Purpose.SESSION_FEEDBACK
    assert debrief.version.instrument.purpose == Purpose.TUTOR_DEBRIEF
    assert feedback.label == "Spring group, session 1"
    assert session_feedback.session_administrations_ensure(session=taught) == [feedback, debrief]
    assert Administration.objects.count() == 2


def test_a_programme_without_the_questionnaires_asks_nothing_after_sessions(workshop):
    assert session_feedback.session_administrations_ensure(session=workshop["sessions"][0]) == []


def test_the_scheduler_makes_them_for_sessions_just_ended_only(taught, workshop):
    assert session_feedback.session_administrations_ensure_due(now=timezone.now()) == 1
    assert session_feedback.session_administrations_ensure_due(now=timezone.now()) == 0

    made = Administration.objects.filter(target_id=taught.pk)
    assert sorted(made.values_list("phase", flat=True)) == [Phase.DEBRIEF, Phase.SESSION]
    assert Administration.objects.count() == 2  # sessions 2 and 3 are still to come


def test_a_cancelled_runs_sessions_ask_nothing(taught, workshop):
    CourseRun.objects.filter(pk=taught.run_id).update(status=CourseRun.Status.CANCELLED)
    assert session_feedback.session_administrations_ensure_due(now=timezone.now()) == 0


def end_of_day(moment):
    day = timezone.localtime(moment).date() + timedelta(days=1)
    return datetime.combine(day, time(0, 0), tzinfo=timezone.get_current_timezone())


def test_trainees_there_answer_the_feedback_and_the_two_tutors_the_debrief(taught, people):
    feedback, debrief = session_feedback.session_administrations_ensure(session=taught)
    trainee = people["trainee"]
    book(trainee, taught.run)
    lay, clinical = taught.lay_tutor.user, taught.clinical_tutor.user

    found = windows.windows_for(trainee, [feedback, debrief])
    closes = end_of_day(taught.ends_at + timedelta(days=session_feedback.CLOSES_AFTER_DAYS))
    assert found == {feedback.pk: windows.Window(taught.ends_at, closes)}
    assert found[feedback.pk].is_open()
    for tutor in (lay, clinical):
        assert windows.windows_for(tutor, [feedback, debrief]) == {
            debrief.pk: windows.Window(taught.ends_at, closes)
        }
    assert windows.windows_for(UserFactory(), [feedback, debrief]) == {}


@pytest.mark.parametrize("status", [Attendance.Status.ABSENT, Attendance.Status.APOLOGIES])
def test_a_trainee_not_there_is_not_asked(taught, people, status):
    feedback, _ = session_feedback.session_administrations_ensure(session=taught)
    enrolment = book(people["trainee"], taught.run)
    Attendance.objects.create(session=taught, enrolment=enrolment, status=status)

    assert windows.windows_for(people["trainee"], [feedback]) == {}


@pytest.mark.parametrize("status", [Enrolment.Status.WAITLISTED, Enrolment.Status.WITHDRAWN])
def test_people_not_on_the_course_are_not_asked(taught, people, status):
    feedback, _ = session_feedback.session_administrations_ensure(session=taught)
    book(people["trainee"], taught.run, status=status)

    assert windows.windows_for(people["trainee"], [feedback]) == {}


def test_the_windows_take_three_queries_however_many_sessions(
    taught, workshop, people, django_assert_num_queries
):
    made = session_feedback.session_administrations_ensure(session=taught)
    for session in workshop["sessions"][1:]:
        made += session_feedback.session_administrations_ensure(session=session)
    book(people["trainee"], taught.run)
    administrations = list(Administration.objects.select_related("target_type"))
    assert len(administrations) == len(made) == 6

    with django_assert_num_queries(3):
        windows.windows_for(people["trainee"], administrations)


def test_a_trainee_answers_the_feedback_on_the_reflections_form(taught, people, client):
    from django.urls import reverse

    from assessments.models import Item, Response

    feedback, _ = session_feedback.session_administrations_ensure(session=taught)
    book(people["trainee"], taught.run)
    client.force_login(people["trainee"])
    url = reverse("assessments:answer", kwargs={"administration_id": feedback.pk})

    page = client.get(url)
    assert page.status_code == 200
    assert "What mattered?" in page.content.decode()
    assert "Spring group, session 1: after the session" in page.content.decode()
    item = Item.objects.get(version=feedback.version)
    sent = client.post(
        url, {f"item-{item.pk}": "Being listened to", "share_with_tutors": "yes", "action": "send"}
    )

    assert sent.status_code == 302
    response = Response.objects.get(administration=feedback)
    assert response.status == Response.Status.SUBMITTED
    assert response.answers.get().text == "Being listened to"
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_after_a_session_trainees_there_get_the_form_and_the_tutors_the_debrief_once(
    taught, people, django_capture_on_commit_callbacks, mailoutbox
):
    from courses.tasks import send_session_feedback

    book(people["trainee"], taught.run)
    absent = book(UserFactory(email="absent@example.com"), taught.run)
    Attendance.objects.create(session=taught, enrolment=absent, status=Attendance.Status.ABSENT)
    book(UserFactory(email="waiting@example.com"), taught.run, status=Enrolment.Status.WAITLISTED)

    with django_capture_on_commit_callbacks(execute=True):
        assert send_session_feedback.call() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert send_session_feedback.call() == 0

    by_address = {email.to[0]: email for email in mailoutbox}
    tutors = {taught.lay_tutor.user.email, taught.clinical_tutor.user.email}
    assert set(by_address) == {people["trainee"].email} | tutors
    feedback = Administration.objects.get(target_id=taught.pk, phase=Phase.SESSION)
    trainee_email = by_address[people["trainee"].email]
    assert "A minute of feedback: Spring group, session 1" in trainee_email.subject
    assert f"/reflections/{feedback.pk}/" in trainee_email.body
    for address in tutors:
        assert "Your debrief: Spring group, session 1" in by_address[address].subject


def test_nothing_is_sent_once_the_feedback_has_closed(
    taught, people, django_capture_on_commit_callbacks, mailoutbox
):
    session_feedback.session_administrations_ensure(session=taught)
    book(people["trainee"], taught.run)
    later = taught.ends_at + timedelta(days=session_feedback.CLOSES_AFTER_DAYS + 1)

    assert session_feedback.session_feedback_due(end_of_day(later)) == []


def test_who_is_asked_takes_six_queries_however_many_people(
    taught, workshop, people, django_assert_num_queries
):
    session_feedback.session_administrations_ensure(session=taught)
    for n in range(4):
        book(UserFactory(email=f"t{n}@example.com"), taught.run)

    with django_assert_num_queries(6):
        due = session_feedback.session_feedback_due(timezone.now())
    assert len(due) == 6


def test_session_feedback_is_in_the_persons_download_and_erased_with_their_reflections(
    taught, people
):
    from assessments.privacy.export import reflection_responses_file
    from assessments.reflections.responses import response_save, responses_erase

    feedback, _ = session_feedback.session_administrations_ensure(session=taught)
    book(people["trainee"], taught.run)
    response_save(
        administration_id=feedback.pk,
        respondent=people["trainee"],
        answers={str(feedback.version.items.get().pk): "Being heard"},
        share_with_tutors=False,
        submit=True,
    )

    [row] = reflection_responses_file(people["trainee"]).rows
    assert row[0] == "Spring group, session 1"
    responses_erase(person=people["trainee"])
    assert not Response.objects.filter(administration=feedback).exists()
