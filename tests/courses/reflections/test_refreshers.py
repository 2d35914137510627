"""Refreshers: a group whose follow-up means fall back towards where it started is found by the
database, its site's leads are told once per run and follow-up point, and a lead invites the
group to a one-session run in one action, through which each of them can book."""

import statistics
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Administration, Phase, Response, ScaleScore
from courses import errors
from courses.models import (
    CourseRun,
    Enrolment,
    RefresherAlert,
    RefresherInvitation,
    RefresherThreshold,
)
from courses.reflections import refreshers
from courses.reflections.administrations import administrations_ensure_for_run
from courses.tasks import send_refresher_alerts
from tests.assessments.reflection_builders import version_with_items
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    SiteMembershipFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
)
from tests.strategies import typed_text

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

AGENDA = ("agenda", "confidence in agenda setting")
ENABLING = ("enabling", "enabling rather than relieving")

# The fixed data set: eight people finished the course. Six answered before, after and at
# 3 months (before, after, now per scale). Agenda setting fell back; enabling held.
AGENDA_TRIPLES = [(3, 7, 5), (4, 8, 5), (2, 6, 4), (5, 8, 6), (3, 6, 4), (4, 7, 5)]
ENABLING_TRIPLES = [(2, 4, 4), (3, 4, 4), (2, 4, 3.5), (3, 4, 4), (2, 4, 4), (3, 4, 4)]


@pytest.fixture
def questionnaire(programmes):
    return version_with_items(programme=programmes["patient"])


def finished_run(site, programme, *, title="Thursday group", venue=None):
    """A run of three weekly sessions that ended 100 days ago, with its surveys."""
    run = CourseRunFactory(
        site=site,
        venue=venue or VenueFactory(site=site),
        programme=programme,
        title=title,
        status=CourseRun.Status.OPEN,
    )
    for number, days in enumerate((114, 107, 100), 1):
        starts = days_from_today(-days, at=time(10, 0))
        SessionFactory(run=run, number=number, starts_at=starts, ends_at=starts.replace(hour=13))
    administrations_ensure_for_run(run=run)
    return run


def finisher(run, **person):
    trainee = UserFactory(roles=["trainee"], **person)
    Enrolment.objects.create(
        trainee=trainee, run=run, site=run.site, status=Enrolment.Status.COMPLETED
    )
    return trainee


def answered_follow_up(run, person, scores, *, months=3):
    """`person`'s sent follow-up at `months`, scored as the answering service scores it: each
    scale's row keeps the same person's before and after scores (None: not answered then)."""
    administration = Administration.objects.get(
        target_id=run.pk, phase=Phase.FOLLOW_UP, months=months
    )
    response = Response.objects.create(
        administration=administration,
        respondent=person,
        status=Response.Status.SUBMITTED,
        submitted_at=datetime(2026, 11, 10, 12, tzinfo=UTC),
    )
    ScaleScore.objects.bulk_create(
        ScaleScore(
            response=response,
            administration=administration,
            scale_key=key,
            scale_label=label,
            score=now,
            before_score=before,
            after_score=after,
        )
        for (key, label), (before, after, now) in scores.items()
    )
    return response


def group(run, agenda, enabling=None, *, months=3):
    """One finisher per triple, each answering the follow-up."""
    people = []
    for index, triple in enumerate(agenda):
        person = finisher(run)
        scores = {AGENDA: triple}
        if enabling is not None:
            scores[ENABLING] = enabling[index]
        answered_follow_up(run, person, scores, months=months)
        people.append(person)
    return people


@pytest.fixture
def fixed_run(riverside, programmes, questionnaire):
    """The fixed data set, with a seventh person who answered the follow-up but not the after
    reflection, and an eighth who did not answer the follow-up."""
    run = finished_run(riverside, programmes["patient"])
    group(run, AGENDA_TRIPLES, ENABLING_TRIPLES)
    answered_follow_up(run, finisher(run), {AGENDA: (1, None, 9), ENABLING: (1, None, 1)})
    finisher(run)
    return run


@pytest.fixture
def refresher_run(riverside, programmes):
    """A one-session run of the same programme at Riverside next week, open for booking."""
    run = CourseRunFactory(
        site=riverside,
        venue=VenueFactory(site=riverside, name="Riverside Library"),
        programme=programmes["patient"],
        title="Refresher, Tuesday morning",
        status=CourseRun.Status.OPEN,
        capacity=20,
    )
    SessionFactory(run=run, number=1)
    return run


def only(found):
    [point] = found
    return point


def scale(point, key):
    return next(scale for scale in point.scales if scale.scale_key == key)


# --- detection -----------------------------------------------------------------------------------


def test_the_figures_match_those_worked_out_with_statistics(fixed_run):
    point = only(refreshers.fall_backs(CourseRun.objects.all()))
    agenda, enabling = scale(point, "agenda"), scale(point, "enabling")

    before, after, now = zip(*AGENDA_TRIPLES, strict=True)
    assert agenda.n == 6  # the person without an after reflection and the silent one left out
    assert agenda.mean_before == pytest.approx(statistics.mean(before))
    assert agenda.mean_after == pytest.approx(statistics.mean(after))
    assert agenda.mean_now == pytest.approx(statistics.mean(now))
    gain = statistics.mean(after) - statistics.mean(before)
    lost = statistics.mean(after) - statistics.mean(now)
    assert agenda.lost_percent == pytest.approx(100 * lost / gain)
    assert agenda.fell_back  # 61.9% of the gain lost, at least the default 50%

    before, after, now = zip(*ENABLING_TRIPLES, strict=True)
    assert enabling.mean_now == pytest.approx(statistics.mean(now))
    assert enabling.lost_percent == pytest.approx(
        100
        * (statistics.mean(after) - statistics.mean(now))
        / (statistics.mean(after) - statistics.mean(before))
    )
    assert not enabling.fell_back  # held: 5.6% lost
    assert (point.run_id, point.months, point.lost_percent) == (fixed_run.pk, 3, 50)
    assert point.flagged and [found.scale_key for found in point.fell_back] == ["agenda"]


def test_a_group_that_held_is_not_flagged(riverside, programmes, questionnaire):
    run = finished_run(riverside, programmes["patient"])
    group(run, ENABLING_TRIPLES)

    assert not only(refreshers.fall_backs(CourseRun.objects.all())).flagged


def test_fewer_than_five_people_are_never_flagged_nor_shown(riverside, programmes, questionnaire):
    run = finished_run(riverside, programmes["patient"])
    group(run, [(2, 9, 2)] * 4)

    point = only(refreshers.fall_backs(CourseRun.objects.all()))

    assert point.scales == [] and point.suppressed == 1 and not point.flagged


def test_no_gain_means_nothing_to_lose(riverside, programmes, questionnaire):
    run = finished_run(riverside, programmes["patient"])
    group(run, [(6, 5, 1)] * 5 + [(6, 6, 1)])

    found = scale(only(refreshers.fall_backs(CourseRun.objects.all())), "agenda")

    assert found.gain < 0 and found.lost_percent is None and not found.fell_back


@pytest.mark.parametrize(
    ("percent", "flagged"), [(10, True), (50, True), (62, False), (100, False)]
)
def test_the_sites_percentage_for_the_programme_decides(fixed_run, people, percent, flagged):
    refreshers.refresher_thresholds_save(
        site=fixed_run.site,
        percents={fixed_run.programme_id: percent},
        changed_by=people["lead"],
    )

    assert only(refreshers.fall_backs(CourseRun.objects.all())).flagged is flagged


def test_exactly_the_percentage_counts(riverside, programmes, questionnaire):
    run = finished_run(riverside, programmes["patient"])
    group(run, [(2, 6, 4)] * 5)  # gain 4, lost 2: exactly 50%

    assert only(refreshers.fall_backs(CourseRun.objects.all())).flagged


def test_each_follow_up_point_and_run_is_judged_on_its_own(
    fixed_run, riverside, programmes, hillside
):
    held = finished_run(hillside, programmes["patient"], title="Hillside group")
    group(held, ENABLING_TRIPLES)
    for person in Enrolment.objects.filter(run=fixed_run).select_related("trainee")[:5]:
        answered_follow_up(fixed_run, person.trainee, {AGENDA: (3, 7, 7)}, months=6)

    found = {
        (point.run_id, point.months): point.flagged
        for point in refreshers.fall_backs(CourseRun.objects.all())
    }

    assert found == {(fixed_run.pk, 3): True, (fixed_run.pk, 6): False, (held.pk, 3): False}


def test_a_cancelled_run_is_not_looked_at(fixed_run):
    CourseRun.objects.filter(pk=fixed_run.pk).update(status=CourseRun.Status.CANCELLED)

    assert refreshers.fall_backs(CourseRun.objects.all()) == []


def test_detection_takes_two_queries_however_many_runs(
    riverside, programmes, questionnaire, django_assert_num_queries
):
    for number in range(3):
        run = finished_run(riverside, programmes["patient"], title=f"Group {number}")
        group(run, AGENDA_TRIPLES, ENABLING_TRIPLES)

    with django_assert_num_queries(2):
        found = refreshers.fall_backs(CourseRun.objects.all())

    assert len(found) == 3 and all(point.flagged for point in found)


# --- telling the leads ------------------------------------------------------------------------------


def test_the_leads_are_told_once_per_run_and_point(
    fixed_run, people, django_capture_on_commit_callbacks
):
    other_lead_here = UserFactory(roles=["programme lead"], email="second.lead@example.com")
    SiteMembershipFactory(site=fixed_run.site, user=other_lead_here)

    for expected in (1, 0):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_refresher_alerts.call() == expected

    alert = RefresherAlert.objects.get()
    assert (alert.run, alert.months) == (fixed_run, 3)
    told = sorted(address for email in mail.outbox for address in email.to)
    assert told == ["lead@example.com", "second.lead@example.com"]  # not Hillside's, not tutors
    email = mail.outbox[0]
    assert email.subject.endswith("Thursday group: the change has not lasted 3 months on")
    body = " ".join(email.body.split())
    assert "at least 50% of what it gained" in body
    assert (
        "Confidence in agenda setting: before 3.5, after 7, now 4.8 (6 of the 8 people who "
        "finished answered before, after and at 3 months)"
    ) in body
    assert "Enabling" not in body  # it held
    assert f"/sites/riverside/refreshers/{alert.pk}/" in body


def test_a_new_point_falling_back_is_told_again(fixed_run, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_refresher_alerts.call()
    for enrolment in Enrolment.objects.filter(run=fixed_run).select_related("trainee")[:5]:
        answered_follow_up(fixed_run, enrolment.trainee, {AGENDA: (3, 7, 3)}, months=6)

    with django_capture_on_commit_callbacks(execute=True):
        assert send_refresher_alerts.call() == 1

    assert sorted(RefresherAlert.objects.values_list("months", flat=True)) == [3, 6]


def test_the_scheduler_looks_as_often_as_it_sends_reminders():
    from crontask import scheduler

    from courses import tasks

    job = {job.name: job for job in scheduler.get_jobs()}[tasks.send_refresher_alerts.name]

    assert job.func == tasks.send_refresher_alerts.enqueue
    assert str(job.trigger.fields[6]) == f"*/{tasks.REMINDERS_EVERY_MINUTES}"


# --- the site's percentage ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", errors.REFRESHER_PERCENT_REQUIRED),
        ("half", errors.REFRESHER_PERCENT_NOT_WHOLE),
        ("50.5", errors.REFRESHER_PERCENT_NOT_WHOLE),
        ("-20", errors.REFRESHER_PERCENT_NOT_WHOLE),
        ("5", errors.REFRESHER_PERCENT_RANGE),
        ("101", errors.REFRESHER_PERCENT_RANGE),
    ],
)
def test_a_percentage_off_the_range_is_refused_naming_the_programme(
    riverside, programmes, people, value, message
):
    with pytest.raises(refreshers.RefresherError) as refused:
        refreshers.refresher_thresholds_save(
            site=riverside,
            percents={programmes["professional"].pk: 70, programmes["patient"].pk: value},
            changed_by=people["lead"],
        )

    assert refused.value.message == message.format(programme="Moving on Together", low=10, high=100)
    assert not RefresherThreshold.objects.exists()  # nor the good one


def test_the_lead_sets_it_per_programme_on_the_refreshers_page(client, people, programmes):
    client.force_login(people["lead"])
    patient, professional = programmes["patient"], programmes["professional"]

    page = client.get("/sites/riverside/refreshers/").content.decode()
    assert "Moving on Together: tell me when a group has lost at least" in page
    assert 'value="50"' in page

    response = client.post(
        "/sites/riverside/refreshers/",
        {f"programme_{patient.pk}": "70", f"programme_{professional.pk}": "40"},
        follow=True,
    )

    assert "Saved when Riverside Health Board&#x27;s leads are told." in response.content.decode()
    assert dict(RefresherThreshold.objects.values_list("programme_id", "lost_percent")) == {
        patient.pk: 70,
        professional.pk: 40,
    }
    assert RefresherThreshold.objects.get(programme=patient).changed_by == people["lead"]


def test_a_bad_percentage_on_the_page_is_named_and_saves_nothing(client, people, programmes):
    client.force_login(people["lead"])

    response = client.post(
        "/sites/riverside/refreshers/",
        {
            f"programme_{programmes['patient'].pk}": "150",
            f"programme_{programmes['professional'].pk}": "40",
        },
    )

    assert response.status_code == 400
    assert "The percentage for Moving on Together must be between 10 and 100" in (
        response.content.decode()
    )
    assert not RefresherThreshold.objects.exists()


@given(percents=st.lists(st.one_of(typed_text(max_size=8), st.integers().map(str)), max_size=3))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_anything_typed_as_a_percentage_is_answered_without_a_500(
    client, people, programmes, percents
):
    client.force_login(people["lead"])
    RefresherThreshold.objects.all().delete()
    data = {f"programme_{programmes['patient'].pk}": value for value in percents}

    response = client.post("/sites/riverside/refreshers/", data)

    assert response.status_code in {302, 400}
    assert RefresherThreshold.objects.exists() == (response.status_code == 302)


# --- the refresher page and the invitation ------------------------------------------------------------


@pytest.fixture
def alert(fixed_run, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_refresher_alerts.call()
    mail.outbox.clear()
    return RefresherAlert.objects.get()


def refresher_page(client, alert):
    return " ".join(client.get(f"/sites/riverside/refreshers/{alert.pk}/").content.decode().split())


def test_the_page_shows_the_figures_and_the_one_session_runs_to_choose(
    client, people, alert, refresher_run, programmes
):
    two_sessions = CourseRunFactory(
        site=alert.run.site,
        programme=programmes["patient"],
        title="Two mornings",
        status=CourseRun.Status.OPEN,
    )
    SessionFactory(run=two_sessions, number=1)
    SessionFactory(run=two_sessions, number=2)
    client.force_login(people["lead"])

    shown = refresher_page(client, alert)

    assert "Thursday group: 3 months after" in shown
    assert "8 people finished this course" in shown
    assert "6 of 8" in shown and "4.8" in shown and "62% (fell back)" in shown
    assert "Refresher, Tuesday morning: " in shown and "Riverside Library (20 places left)" in shown
    assert "Two mornings" not in shown
    assert "Invite these 8 people" in shown


def test_with_no_refresher_the_page_says_where_to_plan_one(client, people, alert):
    client.force_login(people["lead"])

    shown = refresher_page(client, alert)

    assert "There is no refresher to invite them to yet" in shown
    assert 'href="/sites/riverside/runs/new/"' in shown
    assert "Invite these" not in shown


def test_inviting_emails_everyone_who_finished_and_they_can_book_through_the_link(
    client, people, alert, refresher_run, django_capture_on_commit_callbacks
):
    client.force_login(people["lead"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/sites/riverside/refreshers/{alert.pk}/",
            {"refresher": refresher_run.pk},
            follow=True,
        )

    assert "We are emailing 8 people an invitation to Refresher, Tuesday morning." in (
        response.content.decode()
    )
    finishers = Enrolment.objects.filter(run=alert.run).select_related("trainee")
    assert sorted(address for email in mail.outbox for address in email.to) == sorted(
        enrolment.trainee.email for enrolment in finishers
    )
    invitation = RefresherInvitation.objects.get()
    assert (invitation.run, invitation.refresher, invitation.invited) == (
        alert.run,
        refresher_run,
        8,
    )
    assert invitation.sent_by == people["lead"]
    email = mail.outbox[0]
    session = refresher_run.sessions.get()
    body = email.body
    assert email.subject.endswith("You are invited to a refresher: Refresher, Tuesday morning")
    assert (
        f"{timezone.localtime(session.starts_at):%H:%M} to" in body and "Riverside Library" in body
    )
    link = next(line for line in body.splitlines() if f"/courses/{refresher_run.pk}/" in line)
    page = urlsplit(link.strip()).path

    person = next(e.trainee for e in finishers if e.trainee.email == email.to[0])
    client.force_login(person)
    assert "Book a place" in client.get(page).content.decode()
    client.post(f"{page}book/", {"agreed_to_terms": "on"})
    booked = Enrolment.objects.get(trainee=person, run=refresher_run)
    assert booked.status == Enrolment.Status.BOOKED


def test_inviting_twice_to_the_same_refresher_is_refused_and_emails_nobody(
    client, people, alert, refresher_run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refreshers.refresher_invitation_send(
            alert=alert, refresher_id=refresher_run.pk, sent_by=people["lead"]
        )
    mail.outbox.clear()
    client.force_login(people["lead"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/sites/riverside/refreshers/{alert.pk}/", {"refresher": refresher_run.pk}
        )

    assert response.status_code == 400
    # Sent today, by the test's clock (any instant of the sweep).
    today = date_format(timezone.localdate(), "l j F Y")
    assert (
        f"This group was already invited to Refresher, Tuesday morning on {today}. "
        "Nobody was emailed again."
    ) in response.content.decode()
    assert mail.outbox == [] and RefresherInvitation.objects.count() == 1


def test_choosing_nothing_or_a_run_not_listed_is_refused(client, people, alert, refresher_run):
    client.force_login(people["lead"])

    for data in ({}, {"refresher": "99999999999999999999"}, {"refresher": alert.run.pk}):
        response = client.post(f"/sites/riverside/refreshers/{alert.pk}/", data)
        assert response.status_code == 400
        assert errors.REFRESHER_CHOOSE in response.content.decode()
    assert not RefresherInvitation.objects.exists()


def one_session_run(
    site, programme, *, starts=None, status=CourseRun.Status.OPEN, title="Candidate", **fields
):
    run = CourseRunFactory(site=site, programme=programme, title=title, status=status, **fields)
    starts = starts or days_from_today(7)
    SessionFactory(run=run, number=1, starts_at=starts, ends_at=starts + timedelta(hours=3))
    return run


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("other_site", errors.REFRESHER_OTHER_SITE),
        ("other_programme", errors.REFRESHER_OTHER_PROGRAMME),
        ("two_sessions", errors.REFRESHER_NOT_ONE_SESSION),
        ("started", errors.REFRESHER_PAST),
        ("past", errors.REFRESHER_PAST),
        ("planning", errors.REFRESHER_NOT_OPEN),
        ("cancelled", errors.REFRESHER_NOT_OPEN),
        ("full", errors.REFRESHER_FULL),
    ],
)
def test_a_run_that_is_not_a_refresher_for_the_group_is_refused(
    alert, people, programmes, hillside, change, message
):
    site, programme = alert.run.site, programmes["patient"]
    if change == "other_site":
        run = one_session_run(hillside, programme)
    elif change == "other_programme":
        run = one_session_run(site, programmes["professional"])
    elif change == "started":
        run = one_session_run(site, programme, starts=timezone.now() - timedelta(hours=1))
    elif change == "past":
        run = one_session_run(site, programme, starts=days_from_today(-30))
    elif change in ("planning", "cancelled"):
        run = one_session_run(site, programme, status=change)
    else:
        run = one_session_run(site, programme, capacity=1, minimum_group=1)
        if change == "two_sessions":
            starts = days_from_today(14)
            SessionFactory(run=run, number=2, starts_at=starts, ends_at=starts.replace(hour=13))
        else:
            Enrolment.objects.create(trainee=UserFactory(), run=run, site=site)

    with pytest.raises(refreshers.RefresherError) as refused:
        refreshers.refresher_invitation_send(
            alert=alert, refresher_id=run.pk, sent_by=people["lead"]
        )

    expected = message.format(
        refresher="Candidate",
        site=site,
        other=programmes["professional"].title,
        programme=programme.title,
        count=2,
    )
    assert refused.value.message == expected
    assert not RefresherInvitation.objects.exists()


def test_nobody_to_email_is_refused(alert, people, refresher_run):
    Enrolment.objects.filter(run=alert.run).update(status=Enrolment.Status.WITHDRAWN)

    with pytest.raises(refreshers.RefresherError) as refused:
        refreshers.refresher_invitation_send(
            alert=alert, refresher_id=refresher_run.pk, sent_by=people["lead"]
        )

    assert refused.value.message == errors.REFRESHER_NOBODY.format(run="Thursday group")


# --- who sees it --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("trainee", 403),
        ("lay_tutor", 403),
        ("clinical_tutor", 403),
        ("site_admin", 403),
        ("other_lead", 404),
        ("lead", 200),
    ],
)
def test_only_the_sites_programme_leads_open_the_pages(client, people, alert, role, status):
    client.force_login(people[role])

    assert client.get(f"/sites/riverside/refreshers/{alert.pk}/").status_code == status
    assert client.get("/sites/riverside/refreshers/").status_code == status
    assert client.post(f"/sites/riverside/refreshers/{alert.pk}/", {}).status_code in {
        status,
        400 if status == 200 else status,
    }


def test_another_sites_alert_is_not_found_under_your_own_site(
    client, people, alert, programmes, hillside
):
    other = finished_run(hillside, programmes["patient"], title="Hillside group")
    hillside_alert = RefresherAlert.objects.create(
        run=other, months=3, sent_at=datetime(2026, 11, 1, 9, tzinfo=UTC)
    )
    SiteMembershipFactory(site=hillside, user=people["lead"])
    client.force_login(people["other_lead"])

    assert client.get(f"/sites/hillside/refreshers/{alert.pk}/").status_code == 404
    assert client.get(f"/sites/hillside/refreshers/{hillside_alert.pk}/").status_code == 200


def test_the_alerts_list_shows_the_leads_own_sites_only(
    client, people, alert, programmes, hillside
):
    other = finished_run(hillside, programmes["patient"], title="Hillside group")
    RefresherAlert.objects.create(run=other, months=6, sent_at=datetime(2026, 11, 1, tzinfo=UTC))

    rows = refreshers.refresher_alerts_for(people["lead"])
    assert [(row.alert.run.title, row.point, row.invited) for row in rows] == [
        ("Thursday group", "3 months", 0)
    ]
    assert [
        row.alert.run.title for row in refreshers.refresher_alerts_for(people["other_lead"])
    ] == ["Hillside group"]
    client.force_login(people["lead"])
    page = " ".join(client.get("/sites/riverside/refreshers/").content.decode().split())
    assert "Thursday group, 3 months after" in page and "Hillside group" not in page
    assert "not invited to a refresher yet" in page


def test_only_programme_leads_get_the_list(people, alert):
    for role in ("site_admin", "lay_tutor", "trainee"):
        assert refreshers.refresher_alerts_for(people[role]) == []


def test_the_partial_renders_the_alerts_and_nothing_when_there_are_none(people, alert):
    from django.template.loader import render_to_string

    partial = "courses/reflections/_refresher_alerts.html"
    shown = render_to_string(
        partial, {"refresher_alerts": refreshers.refresher_alerts_for(people["lead"])}
    )

    assert f'href="/sites/riverside/refreshers/{alert.pk}/"' in shown
    assert render_to_string(partial, {"refresher_alerts": []}).strip() == ""


# --- query counts ------------------------------------------------------------------------------------


def test_the_refresher_page_takes_the_same_queries_however_many_people_and_runs(
    client, people, alert, refresher_run, programmes, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["lead"])
    url = f"/sites/riverside/refreshers/{alert.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)

    group(alert.run, AGENDA_TRIPLES, ENABLING_TRIPLES)
    for number in range(3):
        extra = one_session_run(alert.run.site, programmes["patient"], title=f"Extra {number}")
        refreshers.refresher_invitation_send(
            alert=alert, refresher_id=extra.pk, sent_by=people["lead"]
        )
    with django_assert_num_queries(len(first.captured_queries)):
        shown = client.get(url).content.decode()

    assert "Invite these 14 people" in shown
    assert len(first.captured_queries) <= 16


def test_the_refreshers_page_takes_the_same_queries_however_many_alerts(
    client, people, alert, programmes, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["lead"])
    url = "/sites/riverside/refreshers/"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)

    for number in range(3):
        run = finished_run(alert.run.site, programmes["patient"], title=f"Group {number}")
        RefresherAlert.objects.create(run=run, months=3, sent_at=datetime(2026, 11, 1, tzinfo=UTC))
    with django_assert_num_queries(len(first.captured_queries)):
        shown = client.get(url).content.decode()

    assert "Group 2, 3 months after" in shown
