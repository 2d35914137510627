"""Equal partners: a lay tutor whose share of the leading is rated low session after session,
and the site's leads told once per streak, who see the alert and mark it dealt with.

Sessions are placed a whole number of weeks before yesterday at 10:00 local time, and each
debrief is sent an hour after its session ends, so every test holds at any instant of the clock.
"""

from datetime import time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Administration, Phase, Purpose
from assessments.reflections.instruments import instrument_save
from assessments.reflections.responses import response_save
from cms.roles import Role
from courses import errors
from courses.models import CourseRun, PartnershipAlert, Session
from courses.reflections import partnership
from courses.reflections.session_feedback import session_administrations_ensure
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    SiteMembershipFactory,
    TutorFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

POINTS = [{"value": value, "label": label} for value, label in partnership.SHARE_WORDS.items()]
DEBRIEF = {
    "items": [
        {
            "key": partnership.OWN_SHARE,
            "kind": "rating",
            "text": "How much of today's leading did you do?",
            "points": POINTS,
        },
        {
            "key": partnership.CO_TUTOR_SHARE,
            "kind": "rating",
            "text": "How much of it did your co-tutor do?",
            "points": POINTS,
        },
    ]
}
LOW, HALF, GOOD = 2, 3, 4


@pytest.fixture
def pair(programmes, riverside, people):
    """The debrief questionnaire of the patient programme, and Riverside's lay and clinical
    tutor (the people fixture's)."""
    instrument_save(
        slug="patient-debrief",
        title="Tutors' debrief",
        programme=programmes["patient"],
        definition=DEBRIEF,
        purpose=Purpose.TUTOR_DEBRIEF,
    )
    lay = TutorFactory(user=people["lay_tutor"], site=riverside, kind="lay", accredited_for=[])
    clinical = TutorFactory(
        user=people["clinical_tutor"], site=riverside, kind="clinical", accredited_for=[]
    )
    return lay, clinical


@pytest.fixture
def spring_run(riverside, programmes):
    return run_of(riverside, programmes["patient"], "Spring group")


def run_of(site, programme, title):
    venue = VenueFactory(site=site, name=f"{title} venue")
    return CourseRunFactory(site=site, venue=venue, programme=programme, title=title)


def taught(run, lay, clinical, weeks_ago):
    """A session of `run`, 10:00 to 13:00 local time, `weeks_ago` weeks before yesterday."""
    number = run.sessions.count() + 1
    starts = days_from_today(-1 - 7 * weeks_ago, at=time(10, 0))
    session = SessionFactory(
        run=run,
        number=number,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        lay_tutor=lay,
        clinical_tutor=clinical,
    )
    session_administrations_ensure(session=session)
    return session


def weekly(run, lay, clinical, count, *, last_weeks_ago=0):
    """`count` weekly sessions of `run`, the last one `last_weeks_ago` weeks before yesterday."""
    return [taught(run, lay, clinical, last_weeks_ago + count - 1 - n) for n in range(count)]


def debrief(session, person, own, co_tutor):
    administration = Administration.objects.get(target_id=session.pk, phase=Phase.DEBRIEF)
    ids = {item.key: str(item.pk) for item in administration.version.items.all()}
    response_save(
        administration_id=administration.pk,
        respondent=person,
        answers={
            ids[partnership.OWN_SHARE]: str(own),
            ids[partnership.CO_TUTOR_SHARE]: str(co_tutor),
        },
        share_with_tutors=True,
        submit=True,
        now=session.ends_at + timedelta(hours=1),
    )


def rate(session, *, lay=None, clinical=None):
    """The lay tutor says `lay` of their own share; the clinical tutor says `clinical` of the lay
    tutor's (either left out: that debrief not sent)."""
    if lay is not None:
        debrief(session, session.lay_tutor.user, lay, 6 - lay)
    if clinical is not None:
        debrief(session, session.clinical_tutor.user, 6 - clinical, clinical)


def send_due(capture):
    with capture(execute=True):
        return partnership.partnership_alerts_send_due(now=timezone.now())


def shares(sessions):
    found = {
        session.pk: session
        for session in partnership.with_lay_share(
            Session.objects.filter(pk__in=[s.pk for s in sessions])
        )
    }
    return [found[session.pk].share_total for session in sessions]


# --- the lay share of a session ------------------------------------------------------------------


def test_the_lay_share_is_the_mean_of_the_debriefs_sent(pair, spring_run, riverside):
    lay, clinical = pair
    lay_only, clinical_only, both, halfway, none = weekly(spring_run, lay, clinical, 5)
    rate(lay_only, lay=LOW)
    rate(clinical_only, clinical=LOW)
    rate(both, lay=LOW, clinical=GOOD)
    rate(halfway, lay=LOW, clinical=HALF)

    assert shares([lay_only, clinical_only, both, halfway, none]) == [4, 4, 6, 5, None]
    words = [partnership.share_in_words(total) for total in (4, 6, 5, None)]
    assert words == [
        "Less than half",
        "About half",
        "Between less than half and about half",
        "Not rated",
    ]


def test_the_share_counts_only_each_tutors_own_answer_to_their_own_question(
    pair, spring_run, riverside
):
    lay, clinical = pair
    (session,) = weekly(spring_run, lay, clinical, 1)
    # The lay tutor's co-tutor share is about the clinician, not about them: it does not count.
    debrief(session, lay.user, own=GOOD, co_tutor=1)

    assert shares([session]) == [2 * GOOD]


# --- the streak ---------------------------------------------------------------------------------


def test_two_low_sessions_tell_nobody(
    pair, spring_run, riverside, django_capture_on_commit_callbacks, mailoutbox
):
    lay, clinical = pair
    for session in weekly(spring_run, lay, clinical, 2):
        rate(session, lay=LOW, clinical=LOW)

    assert send_due(django_capture_on_commit_callbacks) == 0
    assert mailoutbox == []
    assert not PartnershipAlert.objects.exists()


def test_three_low_sessions_email_the_sites_leads_once(
    pair, spring_run, riverside, people, django_capture_on_commit_callbacks, mailoutbox
):
    lay, clinical = pair
    sessions = weekly(spring_run, lay, clinical, 3)
    rate(sessions[0], lay=LOW, clinical=LOW)
    rate(sessions[1], lay=1)
    rate(sessions[2], lay=LOW, clinical=HALF)
    second_lead = UserFactory(email="second.lead@example.com", roles=[Role.PROGRAMME_LEAD.value])
    SiteMembershipFactory(site=riverside, user=second_lead)

    assert send_due(django_capture_on_commit_callbacks) == 1

    assert sorted(email.to[0] for email in mailoutbox) == [people["lead"].email, second_lead.email]
    email = mailoutbox[0]
    body = " ".join(email.body.split())
    name = lay.name
    assert f"{name}'s share of the leading was rated low in 3 sessions in a row" in email.subject
    assert "Course: Spring group" in body
    assert "Spring group, session 1 of 3" in body and "Spring group, session 3 of 3" in body
    assert "session 1 of 3, " in body and ": less than half." in body
    assert ": hardly any." in body
    assert ": between less than half and about half." in body
    assert (
        f"{name} (lay tutor) said hardly any; {clinical.name} (clinical tutor) sent no debrief"
        in body
    )
    for session in sessions:
        assert f"{reverse('courses:session_feedback', args=[session.pk])}" in body
    assert "These are the tutors' own ratings" in body
    assert f"The system has not told {name} or their co-tutor" in body
    assert f"{name} (lay tutor): {lay.user.email}" in body
    assert f"{clinical.name} (clinical tutor): {clinical.user.email}" in body
    alert = PartnershipAlert.objects.get()
    assert (alert.lay_tutor, alert.first_session, alert.last_session) == (
        lay,
        sessions[0],
        sessions[2],
    )
    assert alert.sent_at == timezone.now()
    assert alert.dealt_with_at is None


def test_other_sites_leads_and_the_tutors_are_not_told(
    pair, spring_run, riverside, people, django_capture_on_commit_callbacks, mailoutbox
):
    lay, clinical = pair
    for session in weekly(spring_run, lay, clinical, 3):
        rate(session, lay=LOW, clinical=LOW)

    send_due(django_capture_on_commit_callbacks)

    told = {email.to[0] for email in mailoutbox}
    assert told == {people["lead"].email}
    assert people["other_lead"].email not in told
    assert lay.user.email not in told and clinical.user.email not in told
    assert people["site_admin"].email not in told


def test_a_fourth_low_session_sends_no_second_email_and_running_twice_sends_one(
    pair, spring_run, riverside, django_capture_on_commit_callbacks, mailoutbox
):
    lay, clinical = pair
    sessions = weekly(spring_run, lay, clinical, 4)
    for session in sessions[:3]:
        rate(session, lay=LOW, clinical=LOW)
    assert send_due(django_capture_on_commit_callbacks) == 1
    assert send_due(django_capture_on_commit_callbacks) == 0

    rate(sessions[3], lay=1, clinical=1)

    assert send_due(django_capture_on_commit_callbacks) == 0
    assert len(mailoutbox) == 1
    assert PartnershipAlert.objects.count() == 1


def test_a_session_not_low_ends_the_streak_and_three_more_low_make_a_new_alert(
    pair, spring_run, riverside, programmes, django_capture_on_commit_callbacks, mailoutbox
):
    lay, clinical = pair
    autumn = run_of(riverside, programmes["patient"], "Autumn group")
    spring = weekly(spring_run, lay, clinical, 4, last_weeks_ago=4)
    autumn_sessions = weekly(autumn, lay, clinical, 4)
    for session in spring[:3]:
        rate(session, lay=LOW, clinical=LOW)
    assert send_due(django_capture_on_commit_callbacks) == 1
    rate(spring[3], lay=HALF, clinical=HALF)
    rate(autumn_sessions[0], lay=LOW, clinical=LOW)
    rate(autumn_sessions[1], lay=LOW)
    assert send_due(django_capture_on_commit_callbacks) == 0

    rate(autumn_sessions[2], clinical=LOW)
    mailoutbox.clear()

    assert send_due(django_capture_on_commit_callbacks) == 1
    body = " ".join(mailoutbox[0].body.split())
    assert "Course: Autumn group" in body
    assert "Spring group" not in body
    newest = PartnershipAlert.objects.order_by("pk").last()
    assert (newest.first_session, newest.last_session) == (autumn_sessions[0], autumn_sessions[2])
    assert PartnershipAlert.objects.count() == 2


def test_a_streak_runs_across_runs_and_a_session_without_a_share_is_passed_over(
    pair, spring_run, riverside, programmes, django_capture_on_commit_callbacks, mailoutbox
):
    lay, clinical = pair
    autumn = run_of(riverside, programmes["patient"], "Autumn group")
    spring = weekly(spring_run, lay, clinical, 2, last_weeks_ago=2)
    autumn_sessions = weekly(autumn, lay, clinical, 2)
    rate(spring[0], lay=LOW, clinical=LOW)
    # spring[1]: neither tutor sent a debrief, so it neither breaks nor extends the streak.
    rate(autumn_sessions[0], lay=LOW, clinical=LOW)
    assert send_due(django_capture_on_commit_callbacks) == 0

    rate(autumn_sessions[1], lay=LOW, clinical=LOW)

    assert send_due(django_capture_on_commit_callbacks) == 1
    body = " ".join(mailoutbox[0].body.split())
    assert "Courses: Spring group, Autumn group" in body
    assert "Spring group, session 2 of 2" not in body
    alert = PartnershipAlert.objects.get()
    assert (alert.first_session, alert.last_session) == (spring[0], autumn_sessions[1])


def test_cancelled_runs_are_left_out(
    pair, spring_run, riverside, programmes, django_capture_on_commit_callbacks, mailoutbox
):
    lay, clinical = pair
    cancelled = run_of(riverside, programmes["patient"], "Cancelled group")
    # In time order: spring low, cancelled good, spring low, cancelled low twice, spring low.
    spring_first = taught(spring_run, lay, clinical, 5)
    cancelled_good = taught(cancelled, lay, clinical, 4)
    spring_second = taught(spring_run, lay, clinical, 3)
    cancelled_low = [taught(cancelled, lay, clinical, weeks) for weeks in (2, 1)]
    spring_last = taught(spring_run, lay, clinical, 0)
    rate(cancelled_good, lay=GOOD, clinical=GOOD)
    for session in [spring_first, spring_second, *cancelled_low]:
        rate(session, lay=LOW, clinical=LOW)
    CourseRun.objects.filter(pk=cancelled.pk).update(status=CourseRun.Status.CANCELLED)

    # The cancelled run's low sessions do not make three in a row...
    assert send_due(django_capture_on_commit_callbacks) == 0

    rate(spring_last, lay=LOW, clinical=LOW)

    # ... and its good session does not break the streak.
    assert send_due(django_capture_on_commit_callbacks) == 1
    alert = PartnershipAlert.objects.get()
    assert (alert.first_session, alert.last_session) == (spring_first, spring_last)
    assert "Cancelled group" not in mailoutbox[0].body


def test_two_workers_cannot_both_record_the_same_streak(pair, spring_run, riverside):
    lay, clinical = pair
    first, second, third = weekly(spring_run, lay, clinical, 3)
    PartnershipAlert.objects.create(
        lay_tutor=lay, first_session=first, last_session=third, sent_at=timezone.now()
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        PartnershipAlert.objects.create(
            lay_tutor=lay, first_session=first, last_session=second, sent_at=timezone.now()
        )


def test_the_scheduler_job_after_sessions_sends_the_alerts(
    pair, spring_run, riverside, people, django_capture_on_commit_callbacks, mailoutbox
):
    from courses.tasks import send_session_feedback

    lay, clinical = pair
    for session in weekly(spring_run, lay, clinical, 3):
        rate(session, lay=LOW, clinical=LOW)

    with django_capture_on_commit_callbacks(execute=True):
        send_session_feedback.call()

    assert PartnershipAlert.objects.count() == 1
    assert people["lead"].email in {email.to[0] for email in mailoutbox}


def test_the_scheduler_step_takes_the_same_queries_as_tutors_and_sessions_grow(
    pair, spring_run, riverside, programmes, django_capture_on_commit_callbacks
):
    lay, clinical = pair
    for session in weekly(spring_run, lay, clinical, 3):
        rate(session, lay=LOW, clinical=LOW)
    with CaptureQueriesContext(connection) as one:
        assert send_due(django_capture_on_commit_callbacks) == 1
    with CaptureQueriesContext(connection) as none_due:
        assert send_due(django_capture_on_commit_callbacks) == 0
    for number in range(3):
        run = run_of(riverside, programmes["patient"], f"Group {number}")
        more_lay = TutorFactory(site=riverside, kind="lay", accredited_for=[])
        more_clinical = TutorFactory(site=riverside, kind="clinical", accredited_for=[])
        for session in weekly(run, more_lay, more_clinical, 4):
            rate(session, lay=LOW, clinical=LOW)

    with CaptureQueriesContext(connection) as three:
        assert send_due(django_capture_on_commit_callbacks) == 3
    with CaptureQueriesContext(connection) as none_due_again:
        assert send_due(django_capture_on_commit_callbacks) == 0

    assert len(three) == len(one)
    assert len(none_due_again) == len(none_due)


# --- what the leads see -------------------------------------------------------------------------


@pytest.fixture
def alerted(pair, spring_run, riverside, django_capture_on_commit_callbacks):
    """Spring group: sessions 1 to 3 (7 to 9 weeks ago) rated low, so an alert was sent, and
    session 4 (yesterday) with no debrief yet."""
    lay, clinical = pair
    sessions = weekly(spring_run, lay, clinical, 3, last_weeks_ago=7)
    for session in sessions:
        rate(session, lay=LOW, clinical=LOW)
    later = taught(spring_run, lay, clinical, 0)
    assert send_due(django_capture_on_commit_callbacks) == 1
    return PartnershipAlert.objects.get(), sessions, later


def test_a_lead_sees_the_open_alerts_of_their_sites_only(alerted, people):
    alert, sessions, _later = alerted

    (shown,) = partnership.partnership_alerts_for(people["lead"])

    assert shown.alert_id == alert.pk
    assert [rated.session for rated in shown.sessions] == sessions
    assert shown.low_count == shown.count == 3
    assert [rated.share for rated in shown.sessions] == ["Less than half"] * 3
    for person in ("other_lead", "lay_tutor", "clinical_tutor", "site_admin", "trainee"):
        assert partnership.partnership_alerts_for(people[person]) == []


def test_the_feedback_page_shows_the_alert_to_leads_on_the_sessions_concerned(
    alerted, people, client
):
    _alert, sessions, later = alerted
    lay = sessions[0].lay_tutor
    client.force_login(people["lead"])

    page = " ".join(
        client.get(f"/teach/sessions/{sessions[1].pk}/feedback/").content.decode().split()
    )

    assert "nhsuk-warning-callout" in page
    assert f"{lay.name} is doing less than half of the leading" in page
    assert "in 3 of the 3 sessions they taught" in page
    assert "Spring group, session 1 of 4" in page
    for session in sessions:
        assert f'href="/teach/sessions/{session.pk}/feedback/"' in page
    assert "Mark as dealt with" in page
    assert "The system does not tell" in page
    assert (
        "nhsuk-warning-callout"
        not in client.get(f"/teach/sessions/{later.pk}/feedback/").content.decode()
    )
    for tutor in ("lay_tutor", "clinical_tutor"):
        client.force_login(people[tutor])
        shown = client.get(f"/teach/sessions/{sessions[1].pk}/feedback/")
        assert shown.status_code == 200
        assert "nhsuk-warning-callout" not in shown.content.decode()


def dealt_with_url(alert, slug="riverside"):
    return reverse("courses:partnership_alert_dealt_with", args=[slug, alert.pk])


def test_a_lead_marks_an_alert_dealt_with_and_it_leaves_the_list(alerted, people, client):
    alert, sessions, _later = alerted
    client.force_login(people["lead"])
    back_to = f"/teach/sessions/{sessions[1].pk}/feedback/"

    response = client.post(dealt_with_url(alert), {"next": back_to}, follow=True)

    assert response.redirect_chain == [(back_to, 302)]
    page = " ".join(response.content.decode().split())
    assert (
        errors.PARTNERSHIP_DEALT_WITH.format(tutor=alert.lay_tutor.name).replace("'", "&#x27;")
        in page
    )
    alert.refresh_from_db()
    assert alert.dealt_with_at == timezone.now()
    assert alert.dealt_with_by == people["lead"]
    assert partnership.partnership_alerts_for(people["lead"]) == []
    assert "nhsuk-warning-callout" not in page


def test_marking_it_twice_says_who_did_and_changes_nothing(alerted, people, client):
    alert, _sessions, _later = alerted
    second_lead = UserFactory(email="second.lead@example.com", roles=[Role.PROGRAMME_LEAD.value])
    SiteMembershipFactory(site=alert.last_session.run.site, user=second_lead)
    client.force_login(people["lead"])
    client.post(dealt_with_url(alert))
    client.force_login(second_lead)

    response = client.post(
        dealt_with_url(alert), {"next": "https://elsewhere.example/"}, follow=True
    )

    assert response.redirect_chain == [
        (reverse("courses:session_feedback", args=[alert.last_session_id]), 302)
    ]
    expected = errors.PARTNERSHIP_ALREADY_DEALT_WITH.format(
        person=people["lead"].get_full_name(), tutor=alert.lay_tutor.name
    )
    assert expected.replace("'", "&#x27;") in " ".join(response.content.decode().split())
    alert.refresh_from_db()
    assert alert.dealt_with_by == people["lead"]


@pytest.mark.parametrize(
    ("person", "slug", "status"),
    [
        ("lay_tutor", "riverside", 403),
        ("clinical_tutor", "riverside", 403),
        ("site_admin", "riverside", 403),
        ("trainee", "riverside", 403),
        ("other_lead", "hillside", 404),
        ("other_lead", "riverside", 404),
        ("lead", "hillside", 404),
    ],
)
def test_only_a_lead_of_the_alerts_site_may_mark_it(alerted, people, client, person, slug, status):
    alert, _sessions, _later = alerted
    client.force_login(people[person])

    assert client.post(dealt_with_url(alert, slug)).status_code == status
    alert.refresh_from_db()
    assert alert.dealt_with_at is None


def test_marking_it_is_a_post_and_needs_signing_in(alerted, people, client):
    alert, _sessions, _later = alerted
    assert client.post(dealt_with_url(alert)).status_code == 302  # to the login page
    client.force_login(people["lead"])
    assert client.get(dealt_with_url(alert)).status_code == 405
    missing = reverse("courses:partnership_alert_dealt_with", args=["riverside", alert.pk + 100])
    assert client.post(missing).status_code == 404
    alert.refresh_from_db()
    assert alert.dealt_with_at is None


def test_the_selector_takes_the_same_queries_as_alerts_and_sessions_grow(
    alerted,
    people,
    riverside,
    programmes,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    partnership.partnership_alerts_for(people["lead"])  # the lead's roles, read once
    with django_assert_num_queries(2):
        assert len(partnership.partnership_alerts_for(people["lead"])) == 1
    for number in range(3):
        run = run_of(riverside, programmes["patient"], f"Group {number}")
        more_lay = TutorFactory(site=riverside, kind="lay", accredited_for=[])
        more_clinical = TutorFactory(site=riverside, kind="clinical", accredited_for=[])
        for session in weekly(run, more_lay, more_clinical, 5):
            rate(session, lay=LOW, clinical=LOW)
    send_due(django_capture_on_commit_callbacks)

    with django_assert_num_queries(2):
        assert len(partnership.partnership_alerts_for(people["lead"])) == 4


def test_the_feedback_page_takes_the_same_queries_with_more_alerts(
    alerted, people, client, riverside, programmes, django_capture_on_commit_callbacks
):
    _alert, sessions, _later = alerted
    client.force_login(people["lead"])
    url = f"/teach/sessions/{sessions[1].pk}/feedback/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    lay, clinical = sessions[0].lay_tutor, sessions[0].clinical_tutor
    # A second streak of the same lay tutor, after a good session, in another run.
    autumn = run_of(riverside, programmes["patient"], "Autumn group")
    good, *low = weekly(autumn, lay, clinical, 4, last_weeks_ago=1)
    rate(good, lay=GOOD, clinical=GOOD)
    for session in low:
        rate(session, lay=LOW, clinical=LOW)
    send_due(django_capture_on_commit_callbacks)

    with CaptureQueriesContext(connection) as after:
        client.get(url)

    assert len(after) == len(before)
