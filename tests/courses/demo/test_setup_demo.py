from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from assessments.models import Answer, GoalRating, Phase, Response
from assessments.reflections.analysis import matched_change
from cms.models import HomePage, InformationPage
from courses.demo.workshops import demo_run
from courses.models import (
    CourseRun,
    Enrolment,
    Nation,
    PartnershipAlert,
    Session,
    Site,
    SiteMembership,
)
from courses.reflections.administrations import responses_in_scope
from courses.reflections.partnership import partnership_alerts_for

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "lead@example.com",
    "other.lead@example.com",
    "siteadmin@example.com",
    "lay.tutor@example.com",
    "clinician@example.com",
    "nurse.tutor@example.com",
    "patient@example.com",
    "professional@example.com",
}


def run_setup_demo(*args):
    out = StringIO()
    call_command("setup_demo", "--skip-migrate", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return (
        get_user_model().objects.count(),
        Site.objects.count(),
        SiteMembership.objects.count(),
        Page.objects.count(),
        Revision.objects.count(),
        EmailAddress.objects.count(),
        Enrolment.objects.count(),
        Response.objects.count(),
        Authenticator.objects.count(),
    )


def test_setup_demo_creates_a_verified_account_per_role(settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"

    output = run_setup_demo()

    users = get_user_model().objects.filter(email__in=DEMO_EMAILS)
    assert users.count() == len(DEMO_EMAILS)
    for user in users:
        assert user.check_password("demo-password-for-tests")
        assert EmailAddress.objects.get(user=user).verified
    lead = users.get(email="lead@example.com")
    assert list(lead.groups.values_list("name", flat=True)) == ["programme lead"]
    assert list(lead.site_memberships.values_list("site__slug", flat=True)) == ["riverside"]
    assert HomePage.objects.get().url == "/"
    # Riverside keeps the bank holidays of England and Wales, Hillside those of Scotland.
    assert dict(Site.objects.values_list("slug", "nation")) == {
        "riverside": Nation.ENGLAND_AND_WALES,
        "hillside": Nation.SCOTLAND,
    }
    assert "password: demo-password-for-tests" in output
    assert "lay.tutor@example.com" in output


def test_the_demo_lead_and_site_administrator_have_the_printed_authenticator_app():
    from allauth.mfa.utils import decrypt

    output = run_setup_demo("--skip-curricula")

    secret = "COTRAININGDEMOTWOSTEPSIGNINCODES"
    assert secret in output
    apps = Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    assert {app.user.email for app in apps} == {"lead@example.com", "siteadmin@example.com"}
    assert {decrypt(app.data["secret"]) for app in apps} == {secret}
    # other.lead@ has none: the demo shows a lead being made to set one up.
    assert not Authenticator.objects.filter(user__email="other.lead@example.com").exists()
    assert Authenticator.objects.filter(type=Authenticator.Type.RECOVERY_CODES).count() == 2
    run_setup_demo("--skip-curricula")
    assert Authenticator.objects.count() == 4


def test_setup_demo_twice_changes_nothing_the_second_time():
    output = run_setup_demo()
    assert "Made-up reflections added (58 responses, marked generated)." in output
    assert "Made-up feedback and debriefs after sessions added (143 responses" in output
    assert "Leads told of 1 lay tutor doing less than half of the leading" in output
    # The finished course: those who came to 5 of its 7 sessions completed (of 12, trainee26
    # came to 3 and trainee27 to 4); enough answered before and after for the results to show.
    finished = demo_run("Moving on Together, Riverside Library, Monday mornings")
    assert finished.enrolments.filter(status=Enrolment.Status.COMPLETED).count() == 10
    assert not Response.objects.filter(generated=False).exists()
    # With the course that finished four months ago, 9 more people matched.
    changes = matched_change(responses_in_scope(sites=Site.objects.filter(slug="riverside")))
    assert [change.n for change in changes] == [19, 19, 19, 19]
    assert not any(change.suppressed for change in changes)
    assert not matched_change(responses_in_scope(sites=Site.objects.filter(slug="hillside")))
    before = snapshot()

    output = run_setup_demo()

    assert snapshot() == before
    assert "Demo data already up to date: nothing changed." in output


def test_setup_demo_with_a_broken_file_says_what_is_wrong(tmp_path):
    broken = tmp_path / "demo.toml"
    broken.write_text("[home\ntitle = 'x'", encoding="utf-8")

    with pytest.raises(CommandError, match="is not valid TOML"):
        run_setup_demo("--file", str(broken))
    assert get_user_model().objects.count() == 0


def test_setup_demo_with_an_unknown_role_changes_nothing(tmp_path):
    demo = tmp_path / "demo.toml"
    demo.write_text(
        '[home]\ntitle = "Home"\nintroduction = ""\n'
        '[[accounts]]\nemail = "a@example.com"\nfirst_name = "A"\nlast_name = "B"\n'
        'roles = ["wizard"]\n',
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match="'wizard' is not a valid Role"):
        run_setup_demo("--file", str(demo))
    assert get_user_model().objects.count() == 0
    assert not HomePage.objects.exists()


@pytest.mark.clock
def test_the_demo_keeps_its_promises_at_this_instant():
    """`make test-clock` runs this at each instant of tests/clock.py SWEEP: whatever day the demo
    is loaded, it has runs in every state, a planner gap, a waiting list and reflections due."""
    from django.db.models import Count, Max, Min, Q
    from django.utils import timezone

    from assessments.reflections import windows
    from courses.models import Session

    run_setup_demo()
    now = timezone.now()
    runs = CourseRun.objects.exclude(status=CourseRun.Status.CANCELLED).annotate(
        first=Min("sessions__starts_at"),
        last=Max("sessions__ends_at"),
        booked=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.BOOKED)),
        waiting=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITLISTED)),
        completed=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.COMPLETED)),
    )
    ahead = [run for run in runs if run.first > now]
    states = {
        "open and full": [
            r for r in ahead if r.status == CourseRun.Status.OPEN and r.booked >= r.capacity
        ],
        "open with a waiting list": [
            r for r in ahead if r.status == CourseRun.Status.OPEN and r.waiting
        ],
        "open with places left": [
            r for r in ahead if r.status == CourseRun.Status.OPEN and r.booked < r.capacity
        ],
        "in progress": [r for r in runs if r.first <= now < r.last],
        "finished, with people completed": [r for r in runs if r.last <= now and r.completed],
        "in planning": [r for r in ahead if r.status == CourseRun.Status.PLANNING],
    }
    assert {state: bool(found) for state, found in states.items()} == dict.fromkeys(states, True)

    gaps = Session.objects.filter(
        Q(lay_tutor=None) | Q(clinical_tutor=None),
        run__status=CourseRun.Status.PLANNING,
        starts_at__gt=now,
    )
    assert gaps.exists()

    professional = get_user_model().objects.get(email="professional@example.com")
    due = windows.windows_for(professional, windows.candidate_administrations(professional))
    unanswered = [
        pk
        for pk, window in due.items()
        if window.is_open(now)
        and not Response.objects.filter(
            administration_id=pk, respondent=professional, status=Response.Status.SUBMITTED
        ).exists()
    ]
    assert unanswered, "the professional's before reflection is waiting to be filled in"

    # The finished courses' made-up answers still give results (19 matched people), and the
    # older one's 3-month follow-up has been answered.
    changes = matched_change(responses_in_scope(sites=Site.objects.filter(slug="riverside")))
    assert [change.n for change in changes] == [19, 19, 19, 19]
    assert (
        Response.objects.filter(
            administration__phase=Phase.FOLLOW_UP, administration__months=3, generated=True
        ).count()
        == 8
    )


def test_setup_demo_makes_the_footer_pages_and_site_contacts_once():
    run_setup_demo("--skip-curricula")
    riverside = Site.objects.get(slug="riverside")
    riverside.opening_hours = "Mornings only"
    riverside.save()

    run_setup_demo("--skip-curricula")

    assert InformationPage.objects.count() == 4
    assert sorted(InformationPage.objects.values_list("slug", flat=True)) == [
        "accessibility-statement",
        "contact-us",
        "cookies",
        "privacy-notice",
    ]
    riverside.refresh_from_db()
    assert riverside.contact_phone == "01632 960 418"
    assert riverside.opening_hours == "Mornings only"  # an edit is kept
    assert Site.objects.get(slug="hillside").contact_email


def test_the_demo_has_follow_up_answers_session_feedback_and_a_sidelined_lay_tutor():
    run_setup_demo()
    older = demo_run("Moving on Together, Eastgate Health Centre, Tuesday mornings")

    # The 3-month follow-up: 8 of the 9 people who completed, with their scales and goals.
    follow_ups = Response.objects.filter(
        administration__target_id=older.pk,
        administration__phase=Phase.FOLLOW_UP,
        administration__months=3,
        status=Response.Status.SUBMITTED,
    )
    assert follow_ups.count() == 8
    assert set(follow_ups.values_list("generated", flat=True)) == {True}
    assert all(response.scores.exists() for response in follow_ups)
    assert GoalRating.objects.filter(response__in=follow_ups).exists()
    assert (
        not Response.objects.filter(
            administration__target_id=older.pk, administration__phase=Phase.FOLLOW_UP
        )
        .exclude(administration__months=3)
        .exists()
    )  # 6 and 12 months are still to come

    # Feedback and both debriefs after every session of both finished courses.
    finished = demo_run("Moving on Together, Riverside Library, Monday mornings")
    for run in (older, finished):
        for session in run.sessions.all():
            sent = Response.objects.filter(
                administration__target_id=session.pk,
                administration__phase__in=[Phase.SESSION, Phase.DEBRIEF],
                generated=True,
            )
            assert sent.filter(administration__phase=Phase.SESSION).exists()
            assert sent.filter(administration__phase=Phase.DEBRIEF).count() == 2

    # Ruth Baxter, its lay tutor, led less than half of her last three sessions, by her own
    # account and her co-tutor's.
    last_three = Session.objects.filter(
        lay_tutor__user__email="ruth.baxter@example.com",
        ends_at__lte=older.sessions.latest("ends_at").ends_at,
    ).order_by("-ends_at")[:3]
    shares = Answer.objects.filter(
        response__administration__phase=Phase.DEBRIEF,
        response__administration__target_id__in=[session.pk for session in last_three],
    )
    assert sorted(
        shares.filter(
            item__key="own-share", response__respondent__email="ruth.baxter@example.com"
        ).values_list("number", flat=True)
    ) == [2, 2, 2]
    assert sorted(
        shares.filter(
            item__key="co-tutor-share", response__respondent__email="owen.price@example.com"
        ).values_list("number", flat=True)
    ) == [2, 2, 2]
    assert not Answer.objects.filter(
        response__administration__phase=Phase.DEBRIEF,
        response__respondent__email="ruth.baxter@example.com",
        response__administration__target_id__in=Session.objects.filter(
            ends_at__gt=older.sessions.latest("ends_at").ends_at
        ).values("pk"),
    ).exists()  # nothing she taught since
    # So the site's lead is told, as the scheduler would have been the day after it ended.
    (alert,) = PartnershipAlert.objects.all()
    assert alert.lay_tutor.user.email == "ruth.baxter@example.com"
    lead = get_user_model().objects.get(email="lead@example.com")
    assert [shown.lay_tutor.pk for shown in partnership_alerts_for(lead)] == [alert.lay_tutor_id]
