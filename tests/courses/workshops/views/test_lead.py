"""The programme lead's pages for course runs: create, detail, open, assign tutors, find cover."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses import errors
from courses.models import (
    AssignmentOverride,
    CourseRun,
    Enrolment,
    Session,
    TutorKind,
    TutorWithdrawal,
)
from courses.workshops import scheduling
from tests.courses.workshops.run_form_builders import run_form
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    TutorFactory,
    UserFactory,
    next_weekday,
)

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = pytest.mark.clock


@pytest.fixture
def lead_client(client, people):
    client.force_login(people["lead"])
    return client


def test_a_lead_creates_a_run_and_its_weekly_sessions(lead_client, workshop):
    response = lead_client.post("/sites/riverside/runs/new/", run_form(workshop))

    run = CourseRun.objects.get(title="Autumn group")
    assert response.status_code == 302
    assert response["Location"] == f"/sites/riverside/runs/{run.pk}/"
    starts = [timezone.localtime(s.starts_at) for s in run.sessions.order_by("number")]
    assert len(starts) == 7
    assert {start.weekday() for start in starts} == {2}
    assert {(start.hour, start.minute) for start in starts} == {(13, 30)}
    assert all(b - a == timedelta(days=7) for a, b in zip(starts, starts[1:], strict=False))


def test_a_lead_sets_the_hours_to_answer_an_offer_and_the_run_page_shows_them(
    lead_client, workshop
):
    form = lead_client.get("/sites/riverside/runs/new/").text
    lead_client.post("/sites/riverside/runs/new/", run_form(workshop, offer_hours="24"))

    run = CourseRun.objects.get(title="Autumn group")
    assert "Hours to answer an offer of a place" in form
    assert run.offer_hours == 24
    page = lead_client.get(f"/sites/riverside/runs/{run.pk}/").text
    assert "The first person waiting has 24 hours to accept a place that comes up" in page


def test_a_closed_date_moves_the_rest_of_the_run_a_week_later(lead_client, workshop):
    first = timezone.localdate() + timedelta(days=10)
    first_wednesday = first + timedelta(days=(2 - first.weekday()) % 7)
    closed = first_wednesday + timedelta(days=7)

    lead_client.post(
        "/sites/riverside/runs/new/",
        run_form(workshop, closed_dates=closed.strftime("%d/%m/%Y")),
    )

    days = [
        timezone.localtime(s.starts_at).date()
        for s in Session.objects.filter(run__title="Autumn group").order_by("number")
    ]
    assert closed not in days
    assert days[-1] == first_wednesday + timedelta(days=7 * 7)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"capacity": "0"}, "Places must be between 1 and 200"),
        ({"capacity": "30"}, "Riverside Library holds 20 people"),
        ({"first_date": "01/01/2020"}, errors.DATE_IN_PAST),
        ({"session_minutes": "0"}, "Length of each session must be between 1 and 600"),
        ({"completion_sessions": "9"}, "cannot be more than the number of sessions"),
        ({"closed_dates": "next tuesday"}, "is not a date"),
        ({"reminder_days": "soon"}, "Give whole numbers of days"),
        ({"start_time": "25:00"}, "Start time must be a time on the 24-hour clock"),
        ({"offer_hours": "0"}, "Hours to answer an offer must be between 1 and 336"),
        ({"offer_hours": "400"}, "Hours to answer an offer must be between 1 and 336"),
        ({"offer_hours": ""}, "Enter the hours people have to answer an offer of a place"),
    ],
)
def test_bad_input_gives_a_clear_error_and_creates_nothing(lead_client, workshop, changes, message):
    before = (CourseRun.objects.count(), Session.objects.count())

    response = lead_client.post("/sites/riverside/runs/new/", run_form(workshop, **changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (CourseRun.objects.count(), Session.objects.count()) == before


def test_a_venue_of_another_site_cannot_be_chosen(lead_client, workshop, hillside):
    from tests.factories import VenueFactory

    elsewhere = VenueFactory(site=hillside)

    response = lead_client.post(
        "/sites/riverside/runs/new/", run_form(workshop, venue=str(elsewhere.pk))
    )

    assert "Venue: choose one of the options" in response.content.decode()
    assert not CourseRun.objects.filter(title="Autumn group").exists()


def test_the_run_page_shows_what_stops_each_session_being_ready(lead_client, workshop):
    session = workshop["sessions"][0]
    scheduling.session_assign(session=session, tutor_id=workshop["lay"].pk, kind=TutorKind.LAY)

    page = lead_client.get(f"/sites/riverside/runs/{workshop['run'].pk}/").content.decode()

    assert "No clinical tutor assigned." in page
    assert "No lay tutor assigned." in page
    assert "Open for booking</button>" not in page


def pair_all(workshop):
    for session in workshop["sessions"]:
        for kind in (TutorKind.LAY, TutorKind.CLINICAL):
            scheduling.session_assign(session=session, tutor_id=workshop[kind].pk, kind=kind)


def test_a_lead_opens_a_ready_run_for_booking(lead_client, workshop):
    pair_all(workshop)
    url = f"/sites/riverside/runs/{workshop['run'].pk}/"
    assert "Open for booking</button>" in lead_client.get(url).content.decode()

    response = lead_client.post(f"{url}open/", follow=True)

    workshop["run"].refresh_from_db()
    assert workshop["run"].status == CourseRun.Status.OPEN
    assert "is open for booking" in response.content.decode()


def test_opening_a_run_that_is_not_ready_is_refused_with_the_reasons(lead_client, workshop):
    url = f"/sites/riverside/runs/{workshop['run'].pk}/"

    response = lead_client.post(f"{url}open/", follow=True)

    workshop["run"].refresh_from_db()
    assert workshop["run"].status == CourseRun.Status.PLANNING
    assert "cannot open for booking until every session is ready" in response.content.decode()


def test_the_run_page_lists_bookings_and_the_waiting_list_in_order(lead_client, workshop):
    run = workshop["run"]
    now = timezone.now()
    names = ["Ann Booked", "Zoe Waiting", "Bob Waiting"]
    for offset, (name, status) in enumerate(
        zip(names, ["booked", "waitlisted", "waitlisted"], strict=True)
    ):
        first, last = name.split()
        Enrolment.objects.create(
            trainee=UserFactory(first_name=first, last_name=last),
            run=run,
            status=status,
            enrolled_at=now + timedelta(minutes=offset),
        )

    page = lead_client.get(f"/sites/riverside/runs/{run.pk}/").content.decode()

    assert "1 of 12 booked, 2 on the waiting list" in page
    assert page.index("Zoe Waiting") < page.index("Bob Waiting")


def test_the_run_page_runs_the_same_queries_for_three_and_twelve_sessions(
    lead_client, workshop, django_assert_num_queries
):
    run = workshop["run"]
    pair_all(workshop)
    url = f"/sites/riverside/runs/{run.pk}/"
    lead_client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        lead_client.get(url)
    for number in range(4, 13):
        SessionFactory(
            run=run,
            number=number,
            lay_tutor=workshop["lay"],
            clinical_tutor=TutorFactory(
                site=run.site, kind=TutorKind.CLINICAL, accredited_for=[run.programme]
            ),
        )
        Enrolment.objects.create(trainee=UserFactory(), run=run)

    with django_assert_num_queries(len(small.captured_queries)):
        lead_client.get(url)


def test_the_run_list_counts_pairing_gaps_and_bookings(lead_client, workshop):
    scheduling.session_assign(
        session=workshop["sessions"][0], tutor_id=workshop["lay"].pk, kind=TutorKind.LAY
    )
    Enrolment.objects.create(trainee=UserFactory(), run=workshop["run"])

    page = lead_client.get("/sites/riverside/runs/").content.decode()

    assert "3 sessions without a pair" in page
    assert "1 of 12 booked" in page


def test_the_run_list_orders_runs_by_first_session_and_says_what_each_is_now(lead_client, workshop):
    site, programme = workshop["site"], workshop["programme"]
    march = CourseRunFactory(site=site, programme=programme, title="March group")
    SessionFactory(run=march, number=1, starts_at=next_weekday(1, weeks_ahead=12))
    ended = CourseRunFactory(
        site=site, programme=programme, title="Ended group", status=CourseRun.Status.OPEN
    )
    start = next_weekday(1, weeks_ahead=1) - timedelta(weeks=4)
    SessionFactory(run=ended, number=1, starts_at=start, ends_at=start + timedelta(hours=3))

    page = lead_client.get("/sites/riverside/runs/").content.decode()

    assert page.index("Ended group") < page.index("Spring group") < page.index("March group")
    ended_row = page[page.index("Ended group") : page.index("Spring group")]
    assert "Finished" in ended_row
    assert "Open for booking" not in ended_row


def test_a_lead_assigns_both_tutors_from_the_form(lead_client, workshop):
    session = workshop["sessions"][0]
    url = f"/sites/riverside/sessions/{session.pk}/tutors/"
    assert "can teach this session" in lead_client.get(url).content.decode()

    response = lead_client.post(
        url,
        {"lay_tutor": workshop["lay"].pk, "clinical_tutor": workshop["clinical"].pk},
    )

    session.refresh_from_db()
    assert response.status_code == 302
    assert (session.lay_tutor, session.clinical_tutor) == (workshop["lay"], workshop["clinical"])


def test_an_unavailable_tutor_needs_a_recorded_reason(lead_client, workshop, people):
    session = workshop["sessions"][0]
    busy = TutorFactory(
        site=workshop["site"],
        kind=TutorKind.LAY,
        available=False,
        accredited_for=[workshop["programme"]],
    )
    url = f"/sites/riverside/sessions/{session.pk}/tutors/"

    refused = lead_client.post(url, {"lay_tutor": busy.pk})
    session.refresh_from_db()
    assert session.lay_tutor is None
    assert errors.OVERRIDE_REASON_REQUIRED in refused.content.decode()
    assert "You can override this" in refused.content.decode()

    lead_client.post(url, {"lay_tutor": busy.pk, "override_reason": "Covering a gap."})
    session.refresh_from_db()
    assert session.lay_tutor == busy
    override = AssignmentOverride.objects.get()
    assert (override.rule, override.reason, override.decided_by) == (
        "availability",
        "Covering a gap.",
        people["lead"],
    )


def test_a_tutor_of_the_wrong_kind_is_not_offered_and_is_refused(lead_client, workshop):
    session = workshop["sessions"][0]

    response = lead_client.post(
        f"/sites/riverside/sessions/{session.pk}/tutors/", {"lay_tutor": workshop["clinical"].pk}
    )

    session.refresh_from_db()
    assert session.lay_tutor is None
    assert "Select a valid choice" in response.content.decode()


def test_an_unknown_tutor_is_refused(lead_client, workshop):
    session = workshop["sessions"][0]

    response = lead_client.post(
        f"/sites/riverside/sessions/{session.pk}/tutors/", {"lay_tutor": "999999"}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_lead_of_another_site_cannot_see_or_change_a_session(client, people, workshop):
    client.force_login(people["other_lead"])
    session = workshop["sessions"][0]

    assert client.get(f"/sites/riverside/sessions/{session.pk}/tutors/").status_code == 404
    assert client.get(f"/sites/hillside/runs/{workshop['run'].pk}/").status_code == 404


def test_cover_lists_ranked_replacements_and_assigns_one(lead_client, workshop, mailoutbox):
    pair_all(workshop)
    session = workshop["sessions"][0]
    spare = TutorFactory(
        site=workshop["site"], kind=TutorKind.LAY, accredited_for=[workshop["programme"]]
    )
    scheduling.tutor_withdraw(session=session, tutor=workshop["lay"], reason="Unwell")
    url = f"/sites/riverside/sessions/{session.pk}/cover/"

    page = lead_client.get(url).content.decode()
    assert spare.name in page
    assert workshop["lay"].name not in page.split("Choose a lay tutor")[1].split("</fieldset>")[0]

    response = lead_client.post(url, {"tutor": spare.pk})

    session.refresh_from_db()
    assert response.status_code == 302
    assert session.lay_tutor == spare
    assert TutorWithdrawal.objects.get().covered_by == spare


def test_cover_refuses_someone_not_offered(lead_client, workshop):
    pair_all(workshop)
    session = workshop["sessions"][0]
    scheduling.tutor_withdraw(session=session, tutor=workshop["lay"])

    response = lead_client.post(
        f"/sites/riverside/sessions/{session.pk}/cover/", {"tutor": workshop["clinical"].pk}
    )

    session.refresh_from_db()
    assert session.lay_tutor is None
    assert "Select a valid choice" in response.content.decode()


def test_site_administrators_may_look_but_not_plan(client, people, workshop):
    client.force_login(people["site_admin"])

    page = client.get(f"/sites/riverside/runs/{workshop['run'].pk}/")

    assert page.status_code == 200
    assert "Assign tutors" not in page.content.decode()
    assert client.get("/sites/riverside/runs/new/").status_code == 403


def test_past_sessions_cannot_be_reassigned(lead_client, workshop):
    started = next_weekday(1, weeks_ahead=-2)
    past = SessionFactory(
        run=workshop["run"], number=9, starts_at=started, ends_at=started + timedelta(hours=3)
    )

    response = lead_client.post(
        f"/sites/riverside/sessions/{past.pk}/tutors/", {"lay_tutor": workshop["lay"].pk}
    )

    past.refresh_from_db()
    assert past.lay_tutor is None
    assert errors.SESSION_PAST in response.content.decode()


def test_the_run_page_shows_attendance_at_sessions_that_have_taken_place(lead_client, workshop):
    from courses.models import Attendance

    run = workshop["run"]
    started = timezone.now() - timedelta(days=7)
    held = SessionFactory(
        run=run, number=9, starts_at=started, ends_at=started + timedelta(hours=3)
    )
    here, away = (Enrolment.objects.create(trainee=UserFactory(), run=run) for _ in range(2))
    Attendance.objects.create(session=held, enrolment=here, status=Attendance.Status.PRESENT)
    Attendance.objects.create(session=held, enrolment=away, status=Attendance.Status.APOLOGIES)

    page = lead_client.get(f"/sites/riverside/runs/{run.pk}/").content.decode()

    attendance = page.split('<h2 class="nhsuk-heading-m">Attendance</h2>')[1].split("<h2")[0]
    assert "Session 9" in attendance
    assert "1 of 2" in attendance
    assert "Session 1<" not in attendance  # next week's session has no register yet


def test_a_run_with_no_session_held_says_so(lead_client, workshop):
    page = lead_client.get(f"/sites/riverside/runs/{workshop['run'].pk}/").content.decode()

    assert "No session has taken place yet." in page


# --- cancelling a run ---------------------------------------------------------------------------


def test_a_lead_cancels_a_run_and_everyone_is_told(
    lead_client, workshop, people, django_capture_on_commit_callbacks, mailoutbox
):
    pair_all(workshop)
    run = workshop["run"]
    booked = Enrolment.objects.create(trainee=UserFactory(), run=run)
    waiting = Enrolment.objects.create(
        trainee=UserFactory(), run=run, status=Enrolment.Status.WAITLISTED
    )
    url = f"/sites/riverside/runs/{run.pk}/cancel/"
    assert "1 person is booked and 1 waiting" in lead_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(url, {"reason": "The library is closed for repairs."})

    run.refresh_from_db()
    assert response.status_code == 302
    assert run.status == CourseRun.Status.CANCELLED
    assert run.cancel_reason == "The library is closed for repairs."
    told = {message.to[0]: message for message in mailoutbox}
    assert set(told) == {
        booked.trainee.email,
        waiting.trainee.email,
        workshop["lay"].user.email,
        workshop["clinical"].user.email,
        people["lead"].email,
    }
    assert "The library is closed for repairs." in told[booked.trainee.email].body
    assert "/courses/" in told[booked.trainee.email].body
    # Kept as they were: the trainees' pages say the course is cancelled.
    assert set(run.enrolments.values_list("status", flat=True)) == {"booked", "waitlisted"}


def test_cancelling_needs_a_reason_and_changes_nothing_without_one(lead_client, workshop):
    run = workshop["run"]

    response = lead_client.post(f"/sites/riverside/runs/{run.pk}/cancel/", {"reason": "  "})

    run.refresh_from_db()
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert run.status == CourseRun.Status.PLANNING


def test_the_service_refuses_a_blank_reason_a_second_cancel_and_a_finished_run(workshop):
    run = workshop["run"]
    with pytest.raises(scheduling.SchedulingError) as blank:
        scheduling.run_cancel(run=run, reason=" ")
    assert blank.value.message == errors.CANCEL_REASON_REQUIRED

    scheduling.run_cancel(run=run, reason="Too few bookings.")
    with pytest.raises(scheduling.SchedulingError) as again:
        scheduling.run_cancel(run=run, reason="Again.")
    assert again.value.message == errors.RUN_CANCELLED

    past = SessionFactory(
        run=CourseRunFactory(site=run.site, venue=run.venue, programme=run.programme),
        number=1,
        starts_at=timezone.now() - timedelta(days=8),
        ends_at=timezone.now() - timedelta(days=8) + timedelta(hours=3),
    )
    with pytest.raises(scheduling.SchedulingError) as finished:
        scheduling.run_cancel(run=past.run, reason="Late.")
    assert finished.value.message == errors.RUN_FINISHED
    assert past.run.status == CourseRun.Status.PLANNING


def test_a_cancelled_run_frees_its_tutors_for_other_sessions(workshop):
    from courses.workshops.readiness import load_tutors

    pair_all(workshop)
    # The months around all three sessions: they can fall in one month or two.
    first, last = (
        timezone.localtime(workshop["sessions"][index].starts_at).date() for index in (0, -1)
    )
    before = load_tutors([workshop["lay"].pk], first=first, last=last)[workshop["lay"].pk]

    scheduling.run_cancel(run=workshop["run"], reason="Venue lost.")

    after = load_tutors([workshop["lay"].pk], first=first, last=last)[workshop["lay"].pk]
    assert len(before.busy) == 3
    assert after.busy == []


def test_the_run_page_says_why_a_run_was_cancelled(lead_client, workshop):
    scheduling.run_cancel(run=workshop["run"], reason="Too few bookings.")

    page = lead_client.get(f"/sites/riverside/runs/{workshop['run'].pk}/").content.decode()

    assert "The reason given: Too few bookings." in page
    assert "Cancel this run</a>" not in page


def test_the_run_page_counts_answers_to_its_reflections_but_names_nobody(
    lead_client, workshop, django_assert_num_queries
):
    from assessments.models import Response
    from courses.reflections import administrations
    from tests.assessments.reflection_builders import version_with_items

    run = workshop["run"]
    url = f"/sites/riverside/runs/{run.pk}/"
    assert "has no before-and-after questionnaire yet" in lead_client.get(url).text

    version_with_items(programme=run.programme)
    before, _ = administrations.administrations_ensure_for_run(run=run)
    answered, started = UserFactory(first_name="Ada"), UserFactory(first_name="Bea")
    for person in (answered, started):
        Enrolment.objects.create(trainee=person, run=run)
    Response.objects.create(
        administration=before,
        respondent=answered,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    Response.objects.create(administration=before, respondent=started)
    page = lead_client.get(url).text
    assert "Before the course" in page
    assert "1 of 2 answered, 1 started." in page
    assert "Partnership skills, version 1" in page
    first = run.sessions.order_by("starts_at")[0].starts_at
    assert f"until the first session, {timezone.localtime(first):%A} " in page
    assert "After the course" in page
    assert f'href="/sites/riverside/reflections/?run={run.pk}"' in page


# --- the run form's error summary and dates skipped over Easter 2027 --------------------------


def test_the_error_summary_names_each_field_and_links_to_it(lead_client, workshop):
    response = lead_client.post(
        "/sites/riverside/runs/new/",
        run_form(
            workshop,
            title="",
            capacity="500",
            first_date_day="12",
            first_date_month="",
            first_date_year="2027",
        ),
    )

    page = response.content.decode()
    start = page.index('class="nhsuk-error-summary"')
    summary = page[start : page.index("</ul>", start)]
    assert '<a href="#id_title">Enter a name for the run</a>' in summary
    assert '<a href="#id_capacity">Places must be between 1 and 200</a>' in summary
    assert '<a href="#id_first_date">Start date must include a month</a>' in summary
    assert "This field is required." not in page
    # The link lands on the day box of the start date.
    assert 'name="first_date_day" value="12" inputmode="numeric"' in page
    assert 'id="id_first_date">' in page
    assert not CourseRun.objects.filter(site=workshop["site"]).exclude(pk=workshop["run"].pk)


def test_the_run_form_asks_the_start_date_as_day_month_and_year(lead_client, workshop):
    page = lead_client.get("/sites/riverside/runs/new/").content.decode()

    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Start date' in page
    for part in ("day", "month", "year"):
        assert f'name="first_date_{part}"' in page


@pytest.fixture
def before_easter(frozen_clock):
    """The clock on Friday 15 January 2027, whatever instant the suite runs at."""
    from datetime import UTC, datetime

    frozen_clock.move_to(datetime(2027, 1, 15, 10, 30, tzinfo=UTC))


def test_a_run_across_easter_says_which_dates_it_skipped_and_why(
    before_easter, lead_client, workshop
):
    response = lead_client.post(
        "/sites/riverside/runs/new/",
        run_form(
            workshop,
            weekday="0",
            session_count="5",
            first_date_day="8",
            first_date_month="3",
            first_date_year="2027",
        ),
        follow=True,
    )

    page = response.content.decode()
    easter_monday = "Skipped Monday 29 March 2027: Easter Monday (public holiday)"
    # Once in the confirmation and once in the run's own list of dates skipped.
    assert page.count(easter_monday) == 2
    assert "Dates skipped" in page
    assert "Monday 12 April 2027" in page


def test_the_run_page_lists_the_closed_days_its_weeks_stepped_over(
    before_easter, lead_client, workshop
):
    from datetime import date, time

    run = scheduling.run_create(
        site=workshop["site"],
        programme_id=workshop["programme"].pk,
        venue_id=workshop["venue"].pk,
        title="Friday group",
        first_date=date(2027, 3, 12),
        weekday=4,
        start_time=time(10, 0),
        session_minutes=180,
        session_count=3,
        capacity=12,
        completion_sessions=2,
    )
    url = f"/sites/riverside/runs/{run.pk}/"

    page = lead_client.get(url).content.decode()

    assert "Skipped Friday 26 March 2027: Good Friday (public holiday)" in page
    assert "Easter Monday" not in page
