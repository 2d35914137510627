"""When a trainee may answer a run's or a module's before and after surveys, and whose answers
fall in a lead's scope (courses/administrations.py)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from assessments.models import Administration, Phase, Response
from assessments.reflections import windows
from courses.elearning import services
from courses.models import CourseRun, Enrolment, LessonProgress
from courses.reflections import administrations
from tests.assessments.reflection_builders import version_with_items
from tests.factories import CourseRunFactory, SessionFactory, UserFactory

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = pytest.mark.clock


@pytest.fixture
def questionnaire(programmes):
    return version_with_items(programme=programmes["patient"])


@pytest.fixture
def surveyed_run(workshop, questionnaire):
    before, after = administrations.administrations_ensure_for_run(run=workshop["run"])
    return workshop["run"], before, after


def book(person, run, status=Enrolment.Status.BOOKED):
    return Enrolment.objects.create(trainee=person, run=run, site=run.site, status=status)


def test_a_run_gets_a_before_and_an_after_survey_once(surveyed_run, questionnaire):
    run, before, after = surveyed_run
    assert (before.phase, after.phase) == (Phase.BEFORE, Phase.AFTER)
    assert before.version == after.version == questionnaire
    assert before.label == "Spring group"
    assert administrations.administrations_ensure_for_run(run=run) == [before, after]
    # Before, after, and one follow-up per point of the programme (3, 6 and 12 months).
    assert Administration.objects.count() == 5


def test_a_programme_without_a_questionnaire_asks_nothing(workshop):
    assert administrations.administrations_ensure_for_run(run=workshop["run"]) == []
    assert not Administration.objects.exists()


def test_a_cohort_keeps_the_version_it_started_with(surveyed_run, questionnaire):
    run, before, _ = surveyed_run
    version_with_items(instrument=questionnaire.instrument, number=2)
    administrations.administrations_ensure_for_run(run=run)
    before.refresh_from_db()
    assert before.version == questionnaire


def test_booked_trainee_answers_before_until_the_first_session_and_after_from_the_last(
    surveyed_run, people
):
    run, before, after = surveyed_run
    enrolment = book(people["trainee"], run)
    sessions = list(run.sessions.order_by("starts_at"))
    found = windows.windows_for(people["trainee"], [before, after])
    assert found[before.pk] == windows.Window(enrolment.enrolled_at, sessions[0].starts_at)
    assert found[after.pk] == windows.Window(
        sessions[-1].starts_at, end_of_day(sessions[-1].starts_at + timedelta(days=28))
    )
    assert found[before.pk].is_open()
    assert not found[after.pk].is_open()


def end_of_day(moment):
    """Midnight at the end of `moment`'s local day: when an after survey closes."""
    day = timezone.localdate(moment) + timedelta(days=1)
    return datetime.combine(day, time(0, 0), tzinfo=timezone.get_current_timezone())


def test_an_after_survey_closes_at_the_end_of_a_day_whatever_the_time_it_opened(surveyed_run):
    _run, _before, after = surveyed_run
    opened = datetime(2027, 2, 2, 20, 26, tzinfo=timezone.get_current_timezone())

    closes = administrations.after_closes(after, opened)

    assert timezone.localtime(closes) == datetime(
        2027, 3, 3, 0, 0, tzinfo=timezone.get_current_timezone()
    )
    assert after.closes_after_days == 28


@pytest.mark.parametrize("status", [Enrolment.Status.WAITLISTED, Enrolment.Status.WITHDRAWN])
def test_waiting_or_withdrawn_people_have_no_survey(surveyed_run, people, status):
    run, before, after = surveyed_run
    book(people["trainee"], run, status=status)
    assert windows.windows_for(people["trainee"], [before, after]) == {}
    assert list(administrations.candidates_for(people["trainee"])) == []


def test_nobody_else_may_answer(surveyed_run, people):
    run, before, after = surveyed_run
    book(people["trainee"], run)
    assert windows.window_for(people["lead"], before) is None
    assert windows.window_for(UserFactory(), after) is None


def test_a_cancelled_run_closes_its_before_survey_and_asks_no_after(surveyed_run, people):
    run, before, after = surveyed_run
    book(people["trainee"], run)
    cancelled_at = timezone.now()
    CourseRun.objects.filter(pk=run.pk).update(
        status=CourseRun.Status.CANCELLED, cancelled_at=cancelled_at
    )
    found = windows.windows_for(people["trainee"], [before, after])
    assert found[before.pk].closes_at == cancelled_at
    assert found[before.pk].is_closed(cancelled_at)
    assert after.pk not in found


def test_candidates_are_the_surveys_of_runs_and_modules_the_person_is_on(
    surveyed_run, people, riverside
):
    run, before, after = surveyed_run
    other_run = CourseRunFactory(site=riverside, programme=run.programme)
    SessionFactory(run=other_run, number=1)
    administrations.administrations_ensure_for_run(run=other_run)
    book(people["trainee"], run)
    # The run's before and after surveys, then its follow-ups (3, 6 and 12 months).
    mine = [before, after, *Administration.objects.filter(target_id=run.pk, phase="follow_up")]
    assert list(administrations.candidates_for(people["trainee"])) == mine
    assert windows.candidate_administrations(people["trainee"]) == mine


def test_elearning_windows_follow_enrolment_first_lesson_and_completion(
    elearning, programmes, people
):
    module, lesson = elearning
    version_with_items(programme=module.get_parent().specific)
    trainee = people["trainee"]
    enrolment = Enrolment.objects.get(trainee=trainee, module=module)
    # Enrolled before the questionnaire existed: enrolling again makes the surveys.
    before, after = administrations.administrations_ensure_for_module(module=module)
    assert (before.phase, after.phase) == (Phase.BEFORE, Phase.AFTER)

    found = windows.windows_for(trainee, [before, after])
    assert found == {before.pk: windows.Window(enrolment.enrolled_at, None)}

    progress = LessonProgress.objects.create(enrolment=enrolment, lesson=lesson)
    completed_at = timezone.now()
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=Enrolment.Status.COMPLETED, completed_at=completed_at
    )
    found = windows.windows_for(trainee, [before, after])
    assert found[before.pk].closes_at == progress.completed_at
    assert found[after.pk] == windows.Window(
        completed_at, end_of_day(completed_at + timedelta(days=28))
    )


def test_enrolling_on_a_module_makes_its_surveys(elearning, people):
    module, _ = elearning
    version_with_items(programme=module.get_parent().specific)
    newcomer = UserFactory()
    services.enrolment_create(trainee=newcomer, module_id=module.pk)
    # Before, after and a follow-up at each of the programme's points (3, 6 and 12 months).
    assert Administration.objects.filter(target_id=module.pk).count() == 5


def _submitted(administration, person, **fields):
    return Response.objects.create(
        administration=administration,
        respondent=person,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
        **fields,
    )


def test_a_leads_scope_is_their_sites_runs(surveyed_run, people, hillside, programmes):
    run, before, _ = surveyed_run
    mine = _submitted(before, people["trainee"])
    Response.objects.create(administration=before, respondent=UserFactory())  # a draft
    hillside_run = CourseRunFactory(site=hillside, programme=programmes["patient"])
    SessionFactory(run=hillside_run, number=1)
    theirs = _submitted(
        administrations.administrations_ensure_for_run(run=hillside_run)[0], UserFactory()
    )
    riverside_sites = [run.site]
    assert list(administrations.responses_in_scope(sites=riverside_sites)) == [mine]
    assert list(administrations.responses_in_scope(sites=[hillside])) == [theirs]
    assert list(administrations.responses_in_scope(sites=riverside_sites, run_id=run.pk)) == [mine]
    assert not administrations.responses_in_scope(sites=riverside_sites, run_id=hillside_run.pk)
    assert not administrations.responses_in_scope(
        sites=riverside_sites, programme_id=programmes["professional"].pk
    )


def test_module_answers_count_for_the_site_the_person_enrolled_at(
    elearning, people, riverside, hillside
):
    module, _ = elearning
    version_with_items(programme=module.get_parent().specific)
    before, _ = administrations.administrations_ensure_for_module(module=module)
    Enrolment.objects.filter(trainee=people["trainee"]).update(site=riverside)
    response = _submitted(before, people["trainee"])
    assert list(administrations.responses_in_scope(sites=[riverside])) == [response]
    assert not administrations.responses_in_scope(sites=[hillside])


def test_tutors_see_only_answers_shared_with_them(surveyed_run, people):
    run, before, after = surveyed_run
    shared = _submitted(before, people["trainee"], share_with_tutors=True)
    _submitted(before, UserFactory(), share_with_tutors=False)
    _submitted(after, UserFactory(), share_with_tutors=None)
    assert list(administrations.shared_reflections_query(run)) == [shared]


def test_my_learning_lists_the_reflections_waiting_and_drops_them_once_sent(
    client, surveyed_run, people
):
    run, before, _ = surveyed_run
    book(people["trainee"], run)
    client.force_login(people["trainee"])
    page = client.get("/learn/").text
    assert "Reflections to fill in" in page
    assert f'href="/reflections/{before.pk}/"' in page
    assert "Before the course: Spring group" in page
    first = run.sessions.order_by("starts_at")[0].starts_at
    # The before survey closes when the first session starts: the time and the day in words.
    start = timezone.localtime(first)
    assert f"Please answer by {start:%H:%M} on {date_format(start, 'l j F Y')}." in page

    Response.objects.create(
        administration=before,
        respondent=people["trainee"],
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    assert "Reflections to fill in" not in client.get("/learn/").text


def test_my_learning_says_nothing_of_reflections_when_none_is_due(client, surveyed_run, people):
    client.force_login(people["trainee"])
    page = client.get("/learn/").text
    assert "Reflections to fill in" not in page
