"""Whatever anyone types or forges, no form answers with a 500 or saves half of something."""

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import KnowledgeCheckAttempt
from courses.models import Enrolment, InvitationCode
from tests.courses.workshops.run_form_builders import run_form
from tests.factories import AGREED
from tests.strategies import typed_text

pytestmark = pytest.mark.django_db

text = typed_text(max_size=300)
values = st.one_of(text, st.lists(text, max_size=4))
form_data = st.dictionaries(typed_text(min_size=1, max_size=40), values, max_size=8)
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@given(
    data=form_data,
    known=st.fixed_dictionaries(
        {name: text for name in ["first_name", "last_name", "email", "password1", "password2"]}
    ),
)
@HYPOTHESIS
def test_sign_up_never_fails_and_makes_nobody_from_nonsense(client, home_page, data, known):
    users_before = get_user_model().objects.count()

    response = client.post("/accounts/signup/", {**data, **known})

    assert response.status_code < 500
    if response.status_code == 200:  # the form came back with errors
        assert get_user_model().objects.count() == users_before


@given(data=form_data, question=values)
@HYPOTHESIS
def test_knowledge_check_never_fails_and_saves_only_whole_attempts(
    client, elearning, people, data, question
):
    module, lesson = elearning
    check = lesson.knowledge_check
    client.force_login(people["trainee"])
    attempts_before = KnowledgeCheckAttempt.objects.count()

    response = client.post(
        f"/learn/modules/{module.pk}/lessons/{lesson.pk}/check/",
        {**data, check.questions[0].id: question},
    )

    assert response.status_code in {302, 400}
    saved = KnowledgeCheckAttempt.objects.count() - attempts_before
    assert saved == (1 if response.status_code == 302 else 0)


@given(code=values, data=form_data)
@HYPOTHESIS
def test_joining_with_any_code_never_fails(client, elearning, people, code, data):
    client.force_login(people["lay_tutor"])
    enrolments_before = Enrolment.objects.count()

    response = client.post("/learn/join/", {**data, "code": code})

    assert response.status_code in {302, 400}
    if response.status_code == 400:
        assert Enrolment.objects.count() == enrolments_before


@given(
    data=form_data,
    site=values,
    module=values,
    valid_from=values,
    valid_until=values,
    max_uses=values,
)
@HYPOTHESIS
def test_making_invitation_codes_never_fails(
    client, elearning, people, data, site, module, valid_from, valid_until, max_uses
):
    client.force_login(people["lead"])
    codes_before = InvitationCode.objects.count()

    response = client.post(
        "/learn/invitations/",
        {
            **data,
            "site": site,
            "module": module,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "max_uses": max_uses,
        },
    )

    assert response.status_code in {302, 400}
    assert InvitationCode.objects.count() == codes_before + (
        1 if response.status_code == 302 else 0
    )


@given(query=text, page=text)
@HYPOTHESIS
def test_search_never_fails(client, elearning, query, page):
    assert client.get("/curricula/search/", {"q": query, "page": page}).status_code == 200


@given(code=text)
@HYPOTHESIS
def test_checking_any_certificate_code_never_fails(client, db, code):
    assert client.get("/certificates/", {"code": code}).status_code in {200, 302, 404}


# --- workshops: tutors (session plan, register) --------------------------------------------------


@pytest.fixture
def taught_session(small_curriculum, people):
    """A session of the small curriculum's patient module (two activities) that started an hour
    ago, taught by the Riverside lay and clinical tutors; two trainees booked on its run."""
    from datetime import timedelta

    from django.utils import timezone

    from cms.models import ModulePage
    from courses.models import CourseRun, TutorKind
    from courses.workshops.teaching import module_activities
    from tests.factories import CourseRunFactory, SessionFactory, TutorFactory, UserFactory

    module = ModulePage.objects.get(slug="getting-started")
    site = people["lead"].site_memberships.get().site
    run = CourseRunFactory(
        site=site, programme=module.get_parent().specific, status=CourseRun.Status.OPEN
    )
    started = timezone.now() - timedelta(hours=1)
    session = SessionFactory(
        run=run,
        number=1,
        module=module,
        starts_at=started,
        ends_at=started + timedelta(hours=3),
        lay_tutor=TutorFactory(user=people["lay_tutor"], site=site, kind=TutorKind.LAY),
        clinical_tutor=TutorFactory(
            user=people["clinical_tutor"], site=site, kind=TutorKind.CLINICAL
        ),
    )
    enrolments = [
        Enrolment.objects.create(trainee=trainee, run=run, site=site)
        for trainee in (people["trainee"], UserFactory())
    ]
    return {
        "session": session,
        "activity_ids": [activity.id for activity in module_activities(module)],
        "enrolment_ids": [enrolment.pk for enrolment in enrolments],
    }


choice_or_nonsense = st.one_of(
    st.sampled_from(["lay", "clinical", "shared", "present", "absent", "apologies", "", "late"]),
    values,
)


@given(data=form_data, chosen=st.lists(choice_or_nonsense, min_size=2, max_size=2))
@HYPOTHESIS
def test_the_session_plan_form_never_fails_and_saves_only_whole_plans(
    client, taught_session, people, data, chosen
):
    from courses.models import ActivityLead

    session = taught_session["session"]
    client.force_login(people["lay_tutor"])
    before = set(ActivityLead.objects.values_list("activity_id", "lead"))
    fields = {
        f"lead-{activity_id}": value
        for activity_id, value in zip(taught_session["activity_ids"], chosen, strict=True)
    }

    response = client.post(f"/teach/sessions/{session.pk}/plan/", {**data, **fields})

    assert response.status_code in {302, 400}
    after = set(ActivityLead.objects.values_list("activity_id", "lead"))
    if response.status_code == 400:
        assert after == before
    else:
        assert {lead for _, lead in after} <= {"lay", "clinical", "shared"}
        assert {activity_id for activity_id, _ in after} <= set(taught_session["activity_ids"])


@given(data=form_data, chosen=st.lists(choice_or_nonsense, min_size=2, max_size=2))
@HYPOTHESIS
def test_the_register_form_never_fails_and_saves_only_whole_registers(
    client, taught_session, people, data, chosen
):
    from courses.models import Attendance

    session = taught_session["session"]
    client.force_login(people["clinical_tutor"])
    before = set(Attendance.objects.values_list("enrolment_id", "status"))
    fields = {
        f"mark-{enrolment_id}": value
        for enrolment_id, value in zip(taught_session["enrolment_ids"], chosen, strict=True)
    }

    response = client.post(f"/teach/sessions/{session.pk}/register/", {**data, **fields})

    assert response.status_code in {302, 400}
    after = set(Attendance.objects.values_list("enrolment_id", "status"))
    if response.status_code == 400:
        assert after == before
    else:
        assert {status for _, status in after} <= {"present", "absent", "apologies"}
        # A field sent twice counts with its last value, as Django reads it.
        sent = {
            enrolment_id: (value[-1] if value else None) if isinstance(value, list) else value
            for enrolment_id, value in zip(taught_session["enrolment_ids"], chosen, strict=True)
        }
        assert {enrolment_id for enrolment_id, _ in after} == {
            enrolment_id
            for enrolment_id, value in sent.items()
            if value in {"present", "absent", "apologies"}
        } | {enrolment_id for enrolment_id, _ in before}


# --- workshops: trainees booking ----------------------------------------------------------------


@pytest.fixture
def bookable_run(workshop):
    """The workshop's run, open for booking with two places."""
    from courses.models import CourseRun

    run = workshop["run"]
    run.status, run.capacity, run.minimum_group = CourseRun.Status.OPEN, 2, 1
    run.save()
    return run


def run_places(run):
    return dict(Enrolment.objects.filter(run=run).values_list("trainee_id", "status").order_by())


@given(data=form_data, run_offset=st.integers(min_value=-3, max_value=2**70))
@HYPOTHESIS
def test_booking_with_any_data_or_address_never_fails_or_overbooks(
    client, bookable_run, people, data, run_offset
):
    client.force_login(people["trainee"])
    run_id = bookable_run.pk if run_offset % 4 == 0 else abs(bookable_run.pk + run_offset)
    before = run_places(bookable_run)

    response = client.post(f"/courses/{run_id}/book/", data)

    assert response.status_code in {302, 400, 404}
    after = run_places(bookable_run)
    if response.status_code == 404:
        assert after == before
    assert set(after) <= {people["trainee"].pk}
    assert set(after.values()) <= {"booked"}


@given(data=form_data, book_first=st.booleans())
@HYPOTHESIS
def test_withdrawing_with_any_data_never_fails_and_withdraws_whole(
    client, bookable_run, people, data, book_first
):
    from courses.workshops.booking import run_book

    trainee = people["trainee"]
    if book_first and run_places(bookable_run).get(trainee.pk, "withdrawn") == "withdrawn":
        run_book(trainee=trainee, run_id=bookable_run.pk, answers=AGREED)
    client.force_login(trainee)
    before = run_places(bookable_run)

    response = client.post(f"/courses/{bookable_run.pk}/withdraw/", data)

    after = run_places(bookable_run)
    if not before:
        assert response.status_code == 404
        assert after == {}
    else:
        assert response.status_code == 302
        assert after == {trainee.pk: "withdrawn"}
        enrolment = Enrolment.objects.get(trainee=trainee, run=bookable_run)
        assert enrolment.withdrawn_at is not None


@given(query=st.dictionaries(st.sampled_from(["site", "programme", "page", "q"]), values))
@HYPOTHESIS
def test_finding_a_course_with_any_filters_never_fails(client, bookable_run, people, query):
    client.force_login(people["trainee"])

    response = client.get("/courses/", query)

    assert response.status_code == 200
    assert "Find a course" in response.text


# --- workshops: the pairing planner ---------------------------------------------------------------

# Ticked sessions: the workshop's three (by position) or anything else; a tutor: the workshop's
# tutor of the right kind, of the other kind, nobody, or anything else. Mostly well formed, so
# that plans are accepted and refused by the rules as well as rejected as forged.
ticked_or_nonsense = st.one_of(
    *[st.lists(st.integers(min_value=0, max_value=2), unique=True, max_size=3)] * 3,
    st.lists(st.one_of(st.integers(min_value=0, max_value=2), text), max_size=4),
)
tutor_or_nonsense = st.one_of(*[st.sampled_from(["right", "right", "other kind", ""])] * 4, values)


def _last(value):
    """What Django reads from a field sent as `value` (a list sends the field several times)."""
    if isinstance(value, list):
        return value[-1] if value else ""
    return value


@given(
    data=form_data,
    ticked=ticked_or_nonsense,
    tutors=st.lists(tutor_or_nonsense, min_size=6, max_size=6),
    dates=st.lists(values, min_size=2, max_size=2),
)
@HYPOTHESIS
def test_accepting_a_plan_never_fails_and_saves_all_or_nothing(
    workshop, people, data, ticked, tutors, dates
):
    from django.contrib.messages import get_messages
    from django.test import Client

    from courses.models import Session

    sessions = Session.objects.filter(run=workshop["run"])
    sessions.update(lay_tutor=None, clinical_tutor=None)  # as it was before earlier examples
    ids = [session.pk for session in workshop["sessions"]]
    tutor_ids = {"lay": str(workshop["lay"].pk), "clinical": str(workshop["clinical"].pk)}
    fields = {
        "session": [str(ids[t]) if isinstance(t, int) else t for t in ticked],
        "first_day": dates[0],
        "last_day": dates[1],
    }
    for position, session_id in enumerate(ids):
        for offset, (kind, other) in enumerate((("lay", "clinical"), ("clinical", "lay"))):
            value = tutors[2 * position + offset]
            if value == "right":
                value = tutor_ids[kind]
            elif value == "other kind":
                value = tutor_ids[other]
            fields[f"{kind}-{session_id}"] = value
    client = Client()  # a new one each time, so each answer has only its own message
    client.force_login(people["lead"])

    response = client.post(f"/sites/{workshop['site'].slug}/planner/accept/", {**data, **fields})

    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    after = {s.pk: (s.lay_tutor_id, s.clinical_tutor_id) for s in sessions}
    changed = {pk: pair for pk, pair in after.items() if pair != (None, None)}
    if not message.startswith("Tutors assigned to"):
        assert changed == {}
    else:
        assert message == (
            f"Tutors assigned to {len(changed)} session{'' if len(changed) == 1 else 's'}."
        )
        for session_id, (lay_id, clinical_id) in changed.items():
            assert str(session_id) in fields["session"]
            assert str(lay_id or "") == _last(fields[f"lay-{session_id}"])
            assert str(clinical_id or "") == _last(fields[f"clinical-{session_id}"])


# --- the leads' run forms -------------------------------------------------------------------

RUN_FIELDS = [
    "programme",
    "venue",
    "title",
    "first_date",
    "first_date_day",
    "first_date_month",
    "first_date_year",
    "weekday",
    "start_time",
    "session_minutes",
    "session_count",
    "capacity",
    "minimum_group",
    "completion_sessions",
    "reminder_days",
    "offer_hours",
    "closed_dates",
]


def valid_run_form(workshop):
    return run_form(workshop, title="Robust group", weekday="3", start_time="10:00")


@given(changes=st.dictionaries(st.sampled_from(RUN_FIELDS), values, max_size=4))
@HYPOTHESIS
def test_planning_a_run_with_any_data_never_fails_or_half_saves(client, workshop, people, changes):
    from courses.models import CourseRun, Session

    client.force_login(people["lead"])
    before = (CourseRun.objects.count(), Session.objects.count())

    response = client.post("/sites/riverside/runs/new/", {**valid_run_form(workshop), **changes})

    assert response.status_code in {200, 302}
    runs, sessions = CourseRun.objects.count(), Session.objects.count()
    if response.status_code == 200:
        assert (runs, sessions) == before
    else:
        run = CourseRun.objects.latest("pk")
        assert runs == before[0] + 1
        assert sessions == before[1] + run.sessions.count()
        CourseRun.objects.filter(pk=run.pk).delete()


@given(data=form_data, lay=values, clinical=values, reason=values)
@HYPOTHESIS
def test_assigning_tutors_with_any_data_never_fails_or_half_saves(
    client, workshop, people, data, lay, clinical, reason
):
    from courses.models import Session

    client.force_login(people["lead"])
    session = workshop["sessions"][0]
    Session.objects.filter(pk=session.pk).update(lay_tutor=None, clinical_tutor=None)
    if isinstance(lay, str) and lay == "" and data:
        lay = str(workshop["lay"].pk)  # sometimes a real tutor, so saving happens too

    response = client.post(
        f"/sites/riverside/sessions/{session.pk}/tutors/",
        {**data, "lay_tutor": lay, "clinical_tutor": clinical, "override_reason": reason},
    )

    assert response.status_code in {200, 302}
    session.refresh_from_db()
    if response.status_code == 200:
        assert (session.lay_tutor_id, session.clinical_tutor_id) == (None, None)


@given(data=form_data, reason=values)
@HYPOTHESIS
def test_cancelling_a_run_with_any_data_never_fails(client, workshop, people, data, reason):
    from courses.models import CourseRun

    client.force_login(people["lead"])
    run = workshop["run"]
    CourseRun.objects.filter(pk=run.pk).update(status=CourseRun.Status.PLANNING)

    response = client.post(f"/sites/riverside/runs/{run.pk}/cancel/", {**data, "reason": reason})

    assert response.status_code in {200, 302}
    run.refresh_from_db()
    assert (run.status == CourseRun.Status.CANCELLED) == (response.status_code == 302)


@given(data=form_data, phone=values, email=values, hours=values)
@HYPOTHESIS
def test_changing_a_sites_contact_details_never_fails_or_half_saves(
    client, people, riverside, data, phone, email, hours
):
    from courses.models import Site

    client.force_login(people["site_admin"])
    fields = {"contact_phone": phone, "contact_email": email, "opening_hours": hours}
    Site.objects.filter(pk=riverside.pk).update(
        contact_phone="", contact_email="", opening_hours=""
    )

    response = client.post("/sites/riverside/contact/", {**data, **fields})

    assert response.status_code in {200, 302}
    stored = Site.objects.filter(pk=riverside.pk).values_list(
        "contact_phone", "contact_email", "opening_hours"
    )[0]
    if response.status_code == 200:
        assert stored == ("", "", "")


@given(data=form_data, topic=values, body=values)
@HYPOTHESIS
def test_writing_to_the_organisers_with_any_data_never_fails(
    client, bookable_run, people, data, topic, body
):
    from courses.models import OrganiserMessage

    Enrolment.objects.get_or_create(
        trainee=people["trainee"], run=bookable_run, site=bookable_run.site
    )
    OrganiserMessage.objects.all().delete()
    client.force_login(people["trainee"])

    response = client.post(
        f"/courses/{bookable_run.pk}/contact/", {**data, "topic": topic, "body": body}
    )

    assert response.status_code in {200, 302}
    assert OrganiserMessage.objects.count() == (1 if response.status_code == 302 else 0)


@pytest.mark.parametrize("forged", ["9223372036854775808", "99999999999999999999999", "-1", "1e3"])
def test_a_forged_id_too_big_for_the_database_is_an_invalid_choice(
    client, workshop, elearning, people, forged
):
    """Found by hypothesis: a number beyond 64 bits reached SQLite and raised OverflowError."""
    from courses.models import CourseRun, InvitationCode

    client.force_login(people["lead"])
    runs, codes = CourseRun.objects.count(), InvitationCode.objects.count()

    made_run = client.post(
        "/sites/riverside/runs/new/", {**valid_run_form(workshop), "programme": forged}
    )
    made_code = client.post("/learn/invitations/", {"site": forged, "module": forged})

    assert (made_run.status_code, made_code.status_code) == (200, 400)
    assert "Programme: choose one of the options" in made_run.content.decode()
    assert "Select a valid choice" in made_code.content.decode()
    assert (CourseRun.objects.count(), InvitationCode.objects.count()) == (runs, codes)


DASHBOARD_FILTERS = ["site", "programme", "track", "since", "until", "stage", "page"]


@given(query=st.dictionaries(st.sampled_from(DASHBOARD_FILTERS), values))
@HYPOTHESIS
def test_the_dashboard_with_any_filters_never_fails(client, people, query):
    client.force_login(people["lead"])

    response = client.get("/programme/", query)

    assert response.status_code in (200, 400)
    assert "How the programme is doing" in response.text


@given(filters=text, data=form_data)
@HYPOTHESIS
def test_asking_for_the_figures_with_any_data_never_fails(client, people, filters, data):
    client.force_login(people["lead"])

    response = client.post("/programme/refresh/", {**data, "filters": filters})

    assert response.status_code == 302
    assert response["Location"].startswith("/programme/")


@given(first_name=text, last_name=text, audience=text)
@HYPOTHESIS
def test_the_account_forms_never_fail_and_keep_the_person_whole(
    client, home_page, people, first_name, last_name, audience
):
    person = people["trainee"]
    client.force_login(person)
    before = (
        get_user_model().objects.values("first_name", "last_name", "audience").get(pk=person.pk)
    )

    named = client.post("/account/name/", {"first_name": first_name, "last_name": last_name})
    said = client.post("/account/who-you-are/", {"audience": audience})

    assert named.status_code < 500 and said.status_code < 500
    after = get_user_model().objects.get(pk=person.pk)
    if named.status_code != 302:  # refused: the name is as it was
        assert (after.first_name, after.last_name) == (before["first_name"], before["last_name"])
    if said.status_code != 302:
        assert after.audience == before["audience"]
