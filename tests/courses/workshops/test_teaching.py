"""The tutors' side of a workshop: the session plan, the register, the completion rule, the
attrition curve, My teaching, withdrawing, and who may see each page."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import ModulePage
from cms.navigation import navigation_for
from cms.roles import Role
from courses import errors
from courses.models import (
    ActivityLead,
    ActivityLeadChange,
    Attendance,
    Certificate,
    CourseRun,
    Enrolment,
    Session,
    TutorKind,
    TutorWithdrawal,
)
from courses.workshops.teaching import (
    PlanChanged,
    RegisterIncomplete,
    TeachingError,
    attendance_by_session,
    attendance_mark,
    module_activities,
    register_for,
    session_plan_for,
    session_plan_set,
    teaching_for,
)
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    SiteMembershipFactory,
    TutorFactory,
    UserFactory,
    VenueFactory,
)

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

PRESENT, ABSENT, APOLOGIES = (
    Attendance.Status.PRESENT,
    Attendance.Status.ABSENT,
    Attendance.Status.APOLOGIES,
)


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


@pytest.fixture
def course(small_curriculum, people, riverside):
    """An open Riverside run of the small curriculum's patient module (two activities: Welcome,
    20 minutes, suggested for the lay tutor; Break, 10 minutes, either tutor), taught by the
    Riverside lay and clinical tutors: session 1 fifteen days ago, session 2 eight days ago,
    session 3 started an hour ago, session 4 next week. Completing needs 2 sessions; three
    trainees are booked."""
    module = ModulePage.objects.get(slug="getting-started")
    programme = module.get_parent().specific
    lay = TutorFactory(
        user=people["lay_tutor"], site=riverside, kind=TutorKind.LAY, accredited_for=[programme]
    )
    clinical = TutorFactory(
        user=people["clinical_tutor"],
        site=riverside,
        kind=TutorKind.CLINICAL,
        accredited_for=[programme],
    )
    run = CourseRunFactory(
        site=riverside,
        venue=VenueFactory(site=riverside, name="Riverside Library"),
        programme=programme,
        title="Spring group",
        status=CourseRun.Status.OPEN,
        completion_sessions=2,
    )
    starts = [ago(days=15), ago(days=8), ago(hours=1), timezone.now() + timedelta(days=7)]
    sessions = [
        SessionFactory(
            run=run,
            number=number,
            module=module,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            lay_tutor=lay,
            clinical_tutor=clinical,
        )
        for number, start in enumerate(starts, start=1)
    ]
    trainees = [people["trainee"]] + [
        UserFactory(roles=[Role.TRAINEE.value], last_name=f"Trainee {n}") for n in (2, 3)
    ]
    enrolments = [
        Enrolment.objects.create(trainee=trainee, run=run, site=riverside) for trainee in trainees
    ]
    return {
        "module": module,
        "run": run,
        "sessions": sessions,
        "lay": lay,
        "clinical": clinical,
        "enrolments": enrolments,
        "activities": module_activities(module),
    }


def set_plan(**kwargs):
    """session_plan_set as a tutor who has just loaded the plan, so has seen its newest change."""
    seen = session_plan_for(kwargs["session"])["version"]
    return session_plan_set(**kwargs, seen_version=seen)


def mark(**kwargs):
    """attendance_mark, knowingly leaving anyone not named not marked."""
    return attendance_mark(**kwargs, unmarked_confirmed=True)


def activity_ids(course):
    return [activity.id for activity in course["activities"]]


def plan_url(session):
    return f"/teach/sessions/{session.pk}/plan/"


def register_url(session):
    return f"/teach/sessions/{session.pk}/register/"


def withdraw_url(session):
    return f"/teach/sessions/{session.pk}/withdraw/"


# --- the activities of a session ---------------------------------------------------------------


def test_a_sessions_activities_are_the_activity_blocks_of_its_lessons_in_order(course):
    activities = course["activities"]

    assert [(a.title, a.minutes, a.suggested_lead) for a in activities] == [
        ("Welcome", 20, "Lay tutor"),
        ("Break", 10, "Either tutor"),
    ]
    assert activities[0].tutor_notes.strip() == "Say who you both are."
    assert all(activity.id for activity in activities)


# --- the session plan -------------------------------------------------------------------------


def test_the_tutors_set_who_leads_each_activity(course, people):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)

    set_plan(session=session, leads={welcome: "lay", tea: "shared"}, updated_by=people["lay_tutor"])

    assert dict(
        ActivityLead.objects.filter(session=session).values_list("activity_id", "lead")
    ) == {welcome: "lay", tea: "shared"}
    assert ActivityLead.objects.filter(updated_by=people["lay_tutor"]).count() == 2


def test_changing_one_lead_keeps_the_others(course, people):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)
    set_plan(session=session, leads={welcome: "lay", tea: "shared"}, updated_by=people["lay_tutor"])

    set_plan(session=session, leads={welcome: "clinical"}, updated_by=people["clinical_tutor"])

    assert dict(
        ActivityLead.objects.filter(session=session).values_list("activity_id", "lead")
    ) == {welcome: "clinical", tea: "shared"}


@pytest.mark.parametrize(
    ("leads", "message"),
    [
        ({"forged-block-id": "lay"}, errors.PLAN_UNKNOWN_ACTIVITY),
        ({"WELCOME": "lay", "forged-block-id": "clinical"}, errors.PLAN_UNKNOWN_ACTIVITY),
        ({"WELCOME": "the patient"}, errors.PLAN_BAD_LEAD),
        ({"WELCOME": "lay", "BREAK": ""}, errors.PLAN_BAD_LEAD),
        ({}, errors.PLAN_NOTHING_CHOSEN),
    ],
    ids=["forged id", "forged id beside a real one", "bad lead", "empty lead", "nothing"],
)
def test_a_forged_activity_or_lead_is_refused_and_nothing_is_saved(course, people, leads, message):
    welcome, tea = activity_ids(course)
    real = {{"WELCOME": welcome, "BREAK": tea}.get(key, key): value for key, value in leads.items()}

    with pytest.raises(TeachingError) as refused:
        set_plan(session=course["sessions"][3], leads=real, updated_by=people["lay_tutor"])

    assert refused.value.message == message
    assert not ActivityLead.objects.exists()


def test_an_activity_of_another_module_is_refused(course, people):
    other = ModulePage.objects.get(slug="partnership-basics")
    (demonstration,) = module_activities(other)

    with pytest.raises(TeachingError) as refused:
        set_plan(
            session=course["sessions"][3],
            leads={demonstration.id: "clinical"},
            updated_by=people["clinical_tutor"],
        )

    assert refused.value.message == errors.PLAN_UNKNOWN_ACTIVITY
    assert not ActivityLead.objects.exists()


def test_a_session_without_a_module_has_nothing_to_plan(course, people):
    session = course["sessions"][3]
    Session.objects.filter(pk=session.pk).update(module=None)

    with pytest.raises(TeachingError) as refused:
        set_plan(
            session=session, leads={activity_ids(course)[0]: "lay"}, updated_by=people["lay_tutor"]
        )

    assert refused.value.message == errors.PLAN_NO_MODULE
    assert not ActivityLead.objects.exists()


def test_the_plan_of_a_cancelled_run_cannot_change(course, people):
    CourseRun.objects.filter(pk=course["run"].pk).update(status=CourseRun.Status.CANCELLED)

    with pytest.raises(TeachingError) as refused:
        set_plan(
            session=course["sessions"][3],
            leads={activity_ids(course)[0]: "lay"},
            updated_by=people["lay_tutor"],
        )

    assert refused.value.message == errors.RUN_CANCELLED


def test_minutes_per_tutor_count_shared_activities_for_both(course, people):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)

    before = session_plan_for(session)
    set_plan(session=session, leads={welcome: "clinical"}, updated_by=people["lay_tutor"])
    half = session_plan_for(session)
    set_plan(session=session, leads={tea: "shared"}, updated_by=people["clinical_tutor"])
    agreed = session_plan_for(session)

    def minutes(plan):
        keys = ["lay_minutes", "clinical_minutes", "shared_minutes", "unassigned_minutes"]
        return [plan[key] for key in keys] + [plan["total_minutes"], plan["agreed"]]

    assert minutes(before) == [0, 0, 0, 30, 30, False]
    assert minutes(half) == [0, 20, 0, 10, 30, False]
    assert minutes(agreed) == [10, 30, 10, 0, 30, True]
    assert [row.lead_label for row in agreed["activities"]] == [
        f"{course['clinical'].name} (clinical tutor)",
        "Both together",
    ]


def test_a_lead_for_an_activity_no_longer_in_the_lessons_is_not_counted(course, people):
    session = course["sessions"][3]
    ActivityLead.objects.create(session=session, activity_id="removed-from-lesson", lead="lay")

    plan = session_plan_for(session)

    assert plan["lay_minutes"] == 0
    assert plan["unassigned_minutes"] == 30


# --- the register and the completion rule -------------------------------------------------------


def marks_for(course, *statuses):
    return {
        enrolment.pk: status
        for enrolment, status in zip(course["enrolments"], statuses, strict=False)
    }


def test_a_tutor_marks_the_register(course, people):
    session = course["sessions"][2]

    saved = mark(
        session=session,
        marks=marks_for(course, PRESENT, ABSENT, APOLOGIES),
        marked_by=people["lay_tutor"],
    )

    assert (saved.lines_saved, saved.marked, saved.booked) == (3, 3, 3)
    assert sorted(Attendance.objects.filter(session=session).values_list("status", flat=True)) == [
        ABSENT,
        APOLOGIES,
        PRESENT,
    ]
    assert set(Attendance.objects.values_list("marked_by", flat=True)) == {people["lay_tutor"].pk}


def test_marking_again_corrects_the_line_instead_of_adding_one(course, people):
    session = course["sessions"][2]
    mark(session=session, marks=marks_for(course, ABSENT), marked_by=people["lay_tutor"])

    mark(session=session, marks=marks_for(course, PRESENT), marked_by=people["clinical_tutor"])

    line = Attendance.objects.get()
    assert (line.status, line.marked_by) == (PRESENT, people["clinical_tutor"])


def test_the_register_cannot_be_marked_before_the_session_starts(course, people):
    with pytest.raises(TeachingError) as refused:
        mark(
            session=course["sessions"][3],
            marks=marks_for(course, PRESENT, PRESENT),
            marked_by=people["lay_tutor"],
        )

    assert refused.value.message == "You can mark the register once the session has started."
    assert refused.value.message == errors.REGISTER_TOO_EARLY
    assert not Attendance.objects.exists()


@pytest.fixture
def strangers(course, riverside, programmes):
    """Enrolments that are not on the course's register: someone on the waiting list, someone
    who withdrew, and someone booked on another run."""
    run = course["run"]
    other_run = CourseRunFactory(site=riverside, programme=course["run"].programme)
    return {
        "waitlisted": Enrolment.objects.create(
            trainee=UserFactory(), run=run, status=Enrolment.Status.WAITLISTED
        ),
        "withdrawn": Enrolment.objects.create(
            trainee=UserFactory(), run=run, status=Enrolment.Status.WITHDRAWN
        ),
        "other run": Enrolment.objects.create(trainee=UserFactory(), run=other_run),
    }


@pytest.mark.parametrize("who", ["waitlisted", "withdrawn", "other run", "no such enrolment"])
def test_someone_not_booked_on_the_run_is_refused_and_nothing_is_saved(
    course, people, strangers, who
):
    stranger = strangers[who].pk if who in strangers else 999_999
    marks = {**marks_for(course, PRESENT, PRESENT), stranger: PRESENT}

    with pytest.raises(TeachingError) as refused:
        mark(session=course["sessions"][2], marks=marks, marked_by=people["lay_tutor"])

    assert refused.value.message == errors.REGISTER_UNKNOWN_TRAINEE
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("bad", ["late", "", "PRESENT", None])
def test_a_mark_that_is_not_one_of_the_three_is_refused_and_nothing_is_saved(course, people, bad):
    with pytest.raises(TeachingError) as refused:
        mark(
            session=course["sessions"][2],
            marks=marks_for(course, PRESENT, bad),
            marked_by=people["lay_tutor"],
        )

    assert refused.value.message == errors.REGISTER_BAD_MARK
    assert not Attendance.objects.exists()


def test_a_forged_enrolment_key_is_refused(course, people):
    with pytest.raises(TeachingError) as refused:
        mark(
            session=course["sessions"][2],
            marks={str(course["enrolments"][0].pk): PRESENT},
            marked_by=people["lay_tutor"],
        )

    assert refused.value.message == errors.REGISTER_UNKNOWN_TRAINEE


def test_the_register_of_a_cancelled_run_cannot_be_marked(course, people):
    CourseRun.objects.filter(pk=course["run"].pk).update(status=CourseRun.Status.CANCELLED)

    with pytest.raises(TeachingError) as refused:
        mark(
            session=course["sessions"][2],
            marks=marks_for(course, PRESENT),
            marked_by=people["lay_tutor"],
        )

    assert refused.value.message == errors.RUN_CANCELLED
    assert not Attendance.objects.exists()


def status_of(enrolment):
    enrolment.refresh_from_db()
    return enrolment.status, enrolment.completed_at is not None


def test_attending_enough_sessions_completes_the_course(course, people):
    first, second, third, _ = course["sessions"]
    alice, bob, carol = course["enrolments"]
    tutor = people["lay_tutor"]

    mark(session=first, marks={alice.pk: PRESENT, bob.pk: PRESENT}, marked_by=tutor)
    after_one = [status_of(e) for e in (alice, bob, carol)]
    mark(session=second, marks={alice.pk: PRESENT, bob.pk: APOLOGIES}, marked_by=tutor)
    mark(session=third, marks={bob.pk: ABSENT, carol.pk: PRESENT}, marked_by=tutor)

    assert after_one == [("booked", False)] * 3
    assert [status_of(e) for e in (alice, bob, carol)] == [
        ("completed", True),
        ("booked", False),
        ("booked", False),
    ]


def test_a_corrected_register_takes_someone_back_below_the_rule(course, people):
    first, second, *_ = course["sessions"]
    alice = course["enrolments"][0]
    tutor = people["clinical_tutor"]
    mark(session=first, marks={alice.pk: PRESENT}, marked_by=tutor)
    mark(session=second, marks={alice.pk: PRESENT}, marked_by=tutor)
    completed = status_of(alice)

    mark(session=second, marks={alice.pk: ABSENT}, marked_by=tutor)

    assert completed == ("completed", True)
    assert status_of(alice) == ("booked", False)


def test_the_rule_issues_a_certificate_and_a_correction_withdraws_it(course, people):
    first, second, *_ = course["sessions"]
    alice = course["enrolments"][0]
    tutor = people["clinical_tutor"]
    mark(session=first, marks={alice.pk: PRESENT}, marked_by=tutor)
    before = Certificate.objects.filter(enrolment=alice).exists()
    mark(session=second, marks={alice.pk: PRESENT}, marked_by=tutor)
    issued = Certificate.objects.get(enrolment=alice)

    mark(session=second, marks={alice.pk: ABSENT}, marked_by=tutor)

    assert before is False
    assert (issued.kind, issued.sessions_attended, issued.learning_minutes) == (
        "attendance",
        2,
        360,
    )
    withdrawn = Certificate.objects.get(enrolment=alice)
    assert (withdrawn.is_valid, withdrawn.revoke_reason) == (False, "Attendance corrected")


def test_someone_who_completed_stays_on_the_register(course, people):
    first, second, third, _ = course["sessions"]
    alice = course["enrolments"][0]
    for session in (first, second):
        mark(session=session, marks={alice.pk: PRESENT}, marked_by=people["lead"])

    mark(session=third, marks={alice.pk: PRESENT}, marked_by=people["lead"])

    assert status_of(alice) == ("completed", True)
    assert [e.attended for e in register_for(third) if e.pk == alice.pk] == [3]


# --- attrition ------------------------------------------------------------------------------


def test_attendance_by_session_is_the_attrition_curve(course, people, strangers):
    """Four booked (three plus one added), one who came once then withdrew, and a waiting list
    that is never counted."""
    first, second, third, fourth = course["sessions"]
    alice, bob, carol = course["enrolments"]
    dan = Enrolment.objects.create(trainee=UserFactory(), run=course["run"])
    gone = strangers["withdrawn"]
    Attendance.objects.bulk_create(
        [
            Attendance(session=first, enrolment=alice, status=PRESENT),
            Attendance(session=first, enrolment=bob, status=PRESENT),
            Attendance(session=first, enrolment=carol, status=PRESENT),
            Attendance(session=first, enrolment=dan, status=PRESENT),
            Attendance(session=first, enrolment=gone, status=PRESENT),
            Attendance(session=second, enrolment=alice, status=PRESENT),
            Attendance(session=second, enrolment=bob, status=APOLOGIES),
            Attendance(session=second, enrolment=carol, status=ABSENT),
            Attendance(session=third, enrolment=alice, status=PRESENT),
        ]
    )

    curve = [
        (row.number, row.booked, row.present, row.absent, row.apologies, row.unmarked)
        for row in attendance_by_session(course["run"])
    ]

    assert curve == [
        (1, 4, 5, 0, 0, 0),
        (2, 4, 1, 1, 1, 1),
        (3, 4, 1, 0, 0, 3),
        (4, 4, 0, 0, 0, 4),
    ]
    assert fourth.number == 4


def test_attendance_by_session_takes_one_query_however_big_the_run(
    course, django_assert_num_queries
):
    run = course["run"]
    with django_assert_num_queries(1):
        small = attendance_by_session(run)
    for number in range(5, 12):
        SessionFactory(run=run, number=number)
    for _ in range(10):
        enrolment = Enrolment.objects.create(trainee=UserFactory(), run=run)
        Attendance.objects.create(
            session=course["sessions"][0], enrolment=enrolment, status=PRESENT
        )

    with django_assert_num_queries(1):
        big = attendance_by_session(run)

    assert (len(small), len(big)) == (4, 11)
    assert big[0].present == 10


# --- My teaching ----------------------------------------------------------------------------------


def test_my_teaching_lists_upcoming_and_recent_sessions_with_their_state(course, people):
    first, second, third, fourth = course["sessions"]
    welcome, tea = activity_ids(course)
    set_plan(
        session=fourth, leads={welcome: "lay", tea: "clinical"}, updated_by=people["lay_tutor"]
    )
    set_plan(session=third, leads={welcome: "lay"}, updated_by=people["lay_tutor"])
    mark(
        session=second,
        marks=marks_for(course, PRESENT, PRESENT, ABSENT),
        marked_by=people["lay_tutor"],
    )
    mark(session=third, marks=marks_for(course, PRESENT), marked_by=people["lay_tutor"])

    teaching = teaching_for(people["clinical_tutor"])

    def row(r):
        return (
            r.session.number,
            r.kind,
            r.co_tutor.user.email,
            r.plan_agreed,
            r.planned_count,
            r.register_marked,
            r.marked,
            r.booked,
            r.started,
        )

    # Session 3 is under way, so it is still coming up; sessions 1 and 2 are taught, newest
    # first, with their register but no plan state.
    assert [row(r) for r in teaching["upcoming"]] == [
        (3, "clinical", "lay.tutor@example.com", False, 1, False, 1, 3, True),
        (4, "clinical", "lay.tutor@example.com", True, 2, False, 0, 3, False),
    ]
    assert [row(r) for r in teaching["taught"].rows] == [
        (2, "clinical", "lay.tutor@example.com", False, 0, True, 3, 3, True),
        (1, "clinical", "lay.tutor@example.com", False, 0, False, 0, 3, True),
    ]
    assert [r.register_text for r in teaching["taught"].rows] == [
        "Register: 3 of 3 marked.",
        "Register not marked: 3 booked.",
    ]
    assert [r.register_text for r in teaching["upcoming"]] == [
        "Register: 1 of 3 marked, 2 not marked.",
        "3 people booked.",
    ]


def test_sessions_of_a_cancelled_run_and_of_other_tutors_are_not_listed(course, people, riverside):
    other_run = CourseRunFactory(
        site=riverside, programme=course["run"].programme, status=CourseRun.Status.CANCELLED
    )
    SessionFactory(run=other_run, number=1, lay_tutor=course["lay"])
    SessionFactory(run=course["run"], number=9)  # nobody assigned

    teaching = teaching_for(people["lay_tutor"])

    assert [r.session.number for r in teaching["upcoming"]] == [3, 4]


def test_the_my_teaching_page(client, course, people):
    client.force_login(people["lay_tutor"])

    response = client.get("/teach/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "My teaching" in page
    assert "Spring group, session 4" in page
    assert "Riverside Library" in page
    assert course["clinical"].name in page
    assert plan_url(course["sessions"][3]) in page
    assert register_url(course["sessions"][1]) in page
    assert withdraw_url(course["sessions"][3]) in page
    assert withdraw_url(course["sessions"][2]) not in page  # already started
    assert f'href="/teach/runs/{course["run"].pk}/reflections/"' in page
    feed = people["lay_tutor"].calendar_feed
    assert f"/calendar/{feed.token}.ics" in page
    assert 'href="/calendar/"' in page


def test_a_tutor_not_in_any_pool_is_told_to_ask_their_lead(client, people):
    client.force_login(people["lay_tutor"])

    response = client.get("/teach/")

    assert response.status_code == 200
    assert "Ask your programme lead" in response.content.decode()


def test_a_tutor_with_no_sessions_sees_an_empty_state(client, people, riverside):
    TutorFactory(user=people["clinical_tutor"], site=riverside, kind=TutorKind.CLINICAL)
    client.force_login(people["clinical_tutor"])

    response = client.get("/teach/")

    assert "You have no sessions coming up" in response.content.decode()


@pytest.mark.parametrize("role", ["trainee", "lead", "site_admin", "other_lead"])
def test_my_teaching_is_for_tutors_only(client, people, role):
    client.force_login(people[role])

    assert client.get("/teach/").status_code == 403


def test_tutors_see_my_teaching_in_the_header_and_others_do_not(people, course):
    def labels(user):
        return {label for label, _ in navigation_for(user)}

    assert "My teaching" in labels(people["lay_tutor"])
    assert "My teaching" in labels(people["clinical_tutor"])
    assert "My teaching" not in labels(people["lead"])
    assert "My teaching" not in labels(people["trainee"])


def test_my_teaching_takes_the_same_queries_however_many_sessions(
    client, course, people, riverside, django_assert_num_queries
):
    client.force_login(people["lay_tutor"])
    client.get("/teach/")  # makes the calendar feed, once
    with CaptureQueriesContext(connection) as small:
        client.get("/teach/")
    other_module = ModulePage.objects.get(slug="partnership-basics")
    for number in range(5, 12):
        run = CourseRunFactory(site=riverside, programme=course["run"].programme)
        session = SessionFactory(
            run=run,
            number=number,
            module=other_module if number % 2 else course["module"],
            lay_tutor=course["lay"],
            clinical_tutor=TutorFactory(site=riverside, kind=TutorKind.CLINICAL),
        )
        ActivityLead.objects.create(session=session, activity_id="x", lead="lay")
        Enrolment.objects.create(trainee=UserFactory(), run=run)

    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/teach/")

    assert response.content.decode().count("app-teach-row__when") == 2 + 7 + 2


# --- the session plan page --------------------------------------------------------------------


def test_the_plan_page_shows_each_activity_with_its_minutes_and_suggested_lead(
    client, course, people
):
    client.force_login(people["clinical_tutor"])

    response = client.get(plan_url(course["sessions"][3]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<legend" in page and "Welcome" in page and "Break" in page
    start = timezone.localtime(course["sessions"][3].starts_at)
    welcome_ends = start + timedelta(minutes=20)
    assert (
        f"20 minutes, {start:%H:%M} to {welcome_ends:%H:%M}. The curriculum suggests: lay tutor."
    ) in page
    assert "Say who you both are." in page  # the tutor notes
    assert "courses/css/teaching" in page  # the print stylesheet
    assert "style=" not in page and "<script>" not in page


def test_saving_the_plan_on_the_page(client, course, people):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)
    client.force_login(people["lay_tutor"])

    response = client.post(plan_url(session), {f"lead-{welcome}": "lay", f"lead-{tea}": "shared"})
    shown = client.get(response["Location"])

    assert response.status_code == 302
    assert ActivityLead.objects.filter(session=session).count() == 2
    page = shown.content.decode()
    assert "The session plan is saved: 2 activities have a new lead." in page
    assert "30 minutes" in page and "10 minutes, counted for both tutors" in page
    assert "the plan is agreed" in page


@pytest.mark.parametrize(
    "data",
    [{"lead-WELCOME": "the patient"}, {}, {"lead-forged": "lay"}],
    ids=["bad value", "nothing chosen", "forged activity"],
)
def test_a_bad_plan_on_the_page_is_shown_and_nothing_is_saved(client, course, people, data):
    welcome = activity_ids(course)[0]
    data = {key.replace("WELCOME", welcome): value for key, value in data.items()}
    client.force_login(people["lay_tutor"])

    response = client.post(plan_url(course["sessions"][3]), data)

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not ActivityLead.objects.exists()


def test_a_plan_page_for_a_session_without_a_module_says_so(client, course, people):
    session = course["sessions"][3]
    Session.objects.filter(pk=session.pk).update(module=None)
    client.force_login(people["lay_tutor"])

    response = client.get(plan_url(session))

    assert response.status_code == 200
    assert "no curriculum module yet" in response.content.decode()


def test_the_plan_page_takes_the_same_queries_however_many_leads(
    client, course, people, django_assert_num_queries
):
    session = course["sessions"][3]
    client.force_login(people["lay_tutor"])
    with CaptureQueriesContext(connection) as small:
        client.get(plan_url(session))
    set_plan(
        session=session,
        leads=dict.fromkeys(activity_ids(course), "shared"),
        updated_by=people["lay_tutor"],
    )

    with django_assert_num_queries(len(small.captured_queries)):
        client.get(plan_url(session))


# --- the register page ------------------------------------------------------------------------


def test_marking_the_register_on_the_page(client, course, people):
    session = course["sessions"][2]
    alice, bob, carol = course["enrolments"]
    client.force_login(people["clinical_tutor"])

    response = client.post(
        register_url(session),
        {f"mark-{alice.pk}": PRESENT, f"mark-{bob.pk}": ABSENT, f"mark-{carol.pk}": APOLOGIES},
    )
    shown = client.get(response["Location"])

    assert response.status_code == 302
    assert Attendance.objects.filter(session=session).count() == 3
    page = shown.content.decode()
    assert "The register for session 3 is saved: 3 of 3 people marked." in page
    assert "at least 2 of its 4 sessions" in page
    assert "Present at 1 session of this course so far." in page


def test_the_register_before_the_session_lists_people_without_a_form(client, course, people):
    client.force_login(people["lay_tutor"])

    response = client.get(register_url(course["sessions"][3]))

    page = response.content.decode()
    assert response.status_code == 200
    assert errors.REGISTER_TOO_EARLY in page
    assert 'type="radio"' not in page


def test_posting_the_register_before_the_session_is_refused_on_the_page(client, course, people):
    alice = course["enrolments"][0]
    client.force_login(people["lay_tutor"])

    response = client.post(register_url(course["sessions"][3]), {f"mark-{alice.pk}": PRESENT})

    assert response.status_code == 400
    assert errors.REGISTER_TOO_EARLY in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_bad_mark_on_the_page_is_shown_and_nothing_is_saved(client, course, people):
    alice, bob, _ = course["enrolments"]
    client.force_login(people["lay_tutor"])

    response = client.post(
        register_url(course["sessions"][2]),
        {f"mark-{alice.pk}": PRESENT, f"mark-{bob.pk}": "late"},
    )

    assert response.status_code == 400
    assert errors.REGISTER_BAD_MARK in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_register_page_takes_the_same_queries_however_many_trainees(
    client, course, people, django_assert_num_queries
):
    session = course["sessions"][2]
    client.force_login(people["lay_tutor"])
    with CaptureQueriesContext(connection) as small:
        client.get(register_url(session))
    for _ in range(12):
        enrolment = Enrolment.objects.create(trainee=UserFactory(), run=course["run"])
        Attendance.objects.create(session=session, enrolment=enrolment, status=PRESENT)

    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(register_url(session))

    assert response.content.decode().count("<fieldset") == 15


# --- who may see a session's plan and register ------------------------------------------------


@pytest.mark.parametrize("page", [plan_url, register_url])
def test_only_the_sessions_tutors_and_the_sites_leads_see_its_plan_and_register(
    client, course, people, riverside, page
):
    session = course["sessions"][2]
    another_tutor = TutorFactory(site=riverside, kind=TutorKind.LAY).user
    another_lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value])
    SiteMembershipFactory(site=course["run"].site, user=another_lead)
    seen = {}
    for name, user in [
        ("lay tutor", people["lay_tutor"]),
        ("clinical tutor", people["clinical_tutor"]),
        ("lead", people["lead"]),
        ("another lead of the site", another_lead),
        ("a tutor of other sessions", another_tutor),
        ("lead of another site", people["other_lead"]),
        ("site administrator", people["site_admin"]),
        ("trainee", people["trainee"]),
    ]:
        client.force_login(user)
        seen[name] = client.get(page(session)).status_code

    assert seen == {
        "lay tutor": 200,
        "clinical tutor": 200,
        "lead": 200,
        "another lead of the site": 200,
        "a tutor of other sessions": 404,
        "lead of another site": 404,
        "site administrator": 403,
        "trainee": 403,
    }


def test_a_tutor_of_other_sessions_cannot_change_this_plan_or_register(
    client, course, people, riverside
):
    session = course["sessions"][2]
    client.force_login(TutorFactory(site=riverside, kind=TutorKind.CLINICAL).user)

    plan = client.post(plan_url(session), {f"lead-{activity_ids(course)[0]}": "lay"})
    register = client.post(register_url(session), {f"mark-{course['enrolments'][0].pk}": PRESENT})

    assert (plan.status_code, register.status_code) == (404, 404)
    assert not ActivityLead.objects.exists() and not Attendance.objects.exists()


# --- withdrawing from a session ----------------------------------------------------------------


def test_a_tutor_withdraws_from_a_session(
    client, course, people, django_capture_on_commit_callbacks
):
    session = course["sessions"][3]
    client.force_login(people["lay_tutor"])
    assert client.get(withdraw_url(session)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw_url(session), {"reason": "Hospital appointment"})
    shown = client.get(response["Location"])

    assert response["Location"] == "/teach/"
    session.refresh_from_db()
    assert session.lay_tutor is None
    withdrawal = TutorWithdrawal.objects.get()
    assert (withdrawal.tutor, withdrawal.reason) == (course["lay"], "Hospital appointment")
    page = shown.content.decode()
    assert "You have withdrawn from Spring group, session 4" in page
    assert "Your co-tutor and programme lead have been told." in page
    told = {address for message in mail.outbox for address in message.to}
    assert {"clinician@example.com", "lead@example.com", "lay.tutor@example.com"} <= told


def test_withdrawing_from_a_session_that_is_over_is_refused_on_the_page(client, course, people):
    session = course["sessions"][1]
    client.force_login(people["clinical_tutor"])

    response = client.post(withdraw_url(session), {"reason": ""})

    assert response.status_code == 400
    assert errors.SESSION_PAST in response.content.decode()
    session.refresh_from_db()
    assert session.clinical_tutor == course["clinical"]


def test_only_the_sessions_own_tutors_can_withdraw_from_it(client, course, people, riverside):
    session = course["sessions"][3]
    seen = {}
    for name, user in [
        ("another tutor", TutorFactory(site=riverside, kind=TutorKind.LAY).user),
        ("lead", people["lead"]),
        ("trainee", people["trainee"]),
    ]:
        client.force_login(user)
        seen[name] = client.post(withdraw_url(session), {"reason": "x"}).status_code

    assert seen == {"another tutor": 404, "lead": 403, "trainee": 403}
    assert not TutorWithdrawal.objects.exists()


# --- the plan's history, and a co-tutor's change never overwritten ----------------------------


def name_of(user):
    return user.get_full_name() or user.email


def test_each_change_to_the_plan_is_kept_with_who_made_it_and_when(course, people):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)

    set_plan(session=session, leads={welcome: "lay", tea: "shared"}, updated_by=people["lay_tutor"])
    set_plan(session=session, leads={welcome: "clinical"}, updated_by=people["clinical_tutor"])

    history = [
        (change.activity_id, change.old_lead, change.new_lead, change.changed_by, change.changed_at)
        for change in ActivityLeadChange.objects.order_by("pk")
    ]
    assert history == [
        (welcome, "", "lay", people["lay_tutor"], timezone.now()),
        (tea, "", "shared", people["lay_tutor"], timezone.now()),
        (welcome, "lay", "clinical", people["clinical_tutor"], timezone.now()),
    ]


def test_saving_the_same_choices_again_adds_no_history(course, people):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)
    set_plan(session=session, leads={welcome: "lay"}, updated_by=people["lay_tutor"])

    changed = set_plan(
        session=session, leads={welcome: "lay", tea: "clinical"}, updated_by=people["lay_tutor"]
    )

    assert changed == 1
    assert ActivityLeadChange.objects.count() == 2


def test_a_change_to_a_plan_the_co_tutor_changed_meanwhile_is_refused_and_says_what_they_chose(
    course, people
):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)
    loaded = session_plan_for(session)["version"]  # Alan opens the plan...
    set_plan(session=session, leads={welcome: "clinical"}, updated_by=people["clinical_tutor"])

    with pytest.raises(PlanChanged) as refused:  # ...and saves after Grace changed it.
        session_plan_set(
            session=session,
            leads={welcome: "lay", tea: "lay"},
            updated_by=people["lay_tutor"],
            seen_version=loaded,
        )

    chose = errors.PLAN_CHANGE.format(
        name=name_of(people["clinical_tutor"]),
        lead=f"{course['clinical'].name} (clinical tutor)",
        activity="Welcome",
    )
    assert refused.value.message == errors.PLAN_CHANGED_MEANWHILE.format(changes=chose)
    assert "nothing was saved" in refused.value.message
    assert dict(ActivityLead.objects.values_list("activity_id", "lead")) == {welcome: "clinical"}
    assert ActivityLeadChange.objects.count() == 1


def test_after_seeing_the_co_tutors_change_a_tutor_can_change_it(course, people):
    session = course["sessions"][3]
    welcome = activity_ids(course)[0]
    set_plan(session=session, leads={welcome: "clinical"}, updated_by=people["clinical_tutor"])

    set_plan(session=session, leads={welcome: "shared"}, updated_by=people["lay_tutor"])

    assert ActivityLead.objects.get().lead == "shared"


@pytest.mark.parametrize("who", ["lead", "another tutor"])
def test_only_the_sessions_two_tutors_change_its_plan(course, people, riverside, who):
    user = people["lead"] if who == "lead" else TutorFactory(site=riverside, kind="lay").user

    with pytest.raises(TeachingError) as refused:
        set_plan(
            session=course["sessions"][3],
            leads={activity_ids(course)[0]: "lay"},
            updated_by=user,
        )

    assert refused.value.message == errors.PLAN_TUTORS_ONLY
    assert not ActivityLead.objects.exists() and not ActivityLeadChange.objects.exists()


def test_the_plan_gives_clock_times_names_and_who_chose_each_lead(course, people):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)
    set_plan(session=session, leads={welcome: "lay"}, updated_by=people["clinical_tutor"])

    plan = session_plan_for(session)

    start = timezone.localtime(session.starts_at)
    assert [(row.starts, row.ends) for row in plan["activities"]] == [
        (start, start + timedelta(minutes=20)),
        (start + timedelta(minutes=20), start + timedelta(minutes=30)),
    ]
    assert [row.lead_label for row in plan["activities"]] == [
        f"{course['lay'].name} (lay tutor)",
        "Not decided yet",
    ]
    assert plan["lead_choices"] == [
        ("lay", f"{course['lay'].name} (lay tutor)"),
        ("clinical", f"{course['clinical'].name} (clinical tutor)"),
        ("shared", "Both together"),
    ]
    chosen = plan["activities"][0].last_change
    assert (chosen.by, chosen.activity_title) == (name_of(people["clinical_tutor"]), "Welcome")
    assert plan["activities"][1].last_change is None
    assert plan["version"] == ActivityLeadChange.objects.get().pk


def test_a_tutor_not_assigned_yet_is_named_by_their_place(course, people):
    session = course["sessions"][3]
    Session.objects.filter(pk=session.pk).update(clinical_tutor=None)
    session.refresh_from_db()

    plan = session_plan_for(session)

    assert plan["lead_choices"][1] == ("clinical", "The clinical tutor (not assigned yet)")


def test_the_plan_lists_the_lessons_materials(course):
    lesson = course["module"].get_children().live().first().specific
    lesson.body.insert(
        0,
        (
            "markdown",
            "Welcome.\n\n## What you need\n\n- name badges\n- a flip chart\n\n## After\n\nGo home.",
        ),
    )
    lesson.save()

    plan = session_plan_for(course["sessions"][3])

    assert plan["materials"] == ["- name badges\n- a flip chart"]


# --- the register: not marked is a state of its own --------------------------------------------


def test_saving_a_register_with_people_not_marked_asks_first_and_saves_nothing(course, people):
    alice = course["enrolments"][0]

    with pytest.raises(RegisterIncomplete) as asked:
        attendance_mark(
            session=course["sessions"][2], marks={alice.pk: PRESENT}, marked_by=people["lay_tutor"]
        )

    assert asked.value.message == "2 of 3 people are not marked. Save anyway?"
    assert (asked.value.unmarked, asked.value.booked) == (2, 3)
    assert not Attendance.objects.exists()


def test_one_person_not_marked_is_said_in_the_singular(course, people):
    alice, bob, _ = course["enrolments"]

    with pytest.raises(RegisterIncomplete) as asked:
        attendance_mark(
            session=course["sessions"][2],
            marks={alice.pk: PRESENT, bob.pk: ABSENT},
            marked_by=people["lay_tutor"],
        )

    assert asked.value.message == "1 of 3 people is not marked. Save anyway?"


def test_once_confirmed_the_register_saves_and_the_others_stay_not_marked(course, people):
    session = course["sessions"][2]
    alice = course["enrolments"][0]

    saved = attendance_mark(
        session=session,
        marks={alice.pk: PRESENT},
        marked_by=people["lay_tutor"],
        unmarked_confirmed=True,
    )

    assert (saved.marked, saved.booked, saved.unmarked) == (1, 3, 2)
    assert list(Attendance.objects.values_list("enrolment_id", "status")) == [(alice.pk, PRESENT)]
    assert [row.unmarked for row in attendance_by_session(course["run"])][2] == 2


def test_people_marked_earlier_count_as_marked(course, people):
    session = course["sessions"][2]
    alice, bob, carol = course["enrolments"]
    mark(session=session, marks={alice.pk: PRESENT}, marked_by=people["lay_tutor"])

    saved = attendance_mark(
        session=session, marks={bob.pk: PRESENT, carol.pk: ABSENT}, marked_by=people["lay_tutor"]
    )

    assert (saved.marked, saved.booked) == (3, 3)


# --- the plan page -------------------------------------------------------------------------


def test_the_plan_page_shows_names_times_notes_and_history(client, course, people):
    session = course["sessions"][3]
    welcome = activity_ids(course)[0]
    set_plan(session=session, leads={welcome: "shared"}, updated_by=people["clinical_tutor"])
    client.force_login(people["lay_tutor"])

    page = client.get(plan_url(session)).content.decode()

    start = timezone.localtime(session.starts_at)
    assert f"{course['lay'].name} (lay tutor)</label>" in page
    assert f"{course['clinical'].name} (clinical tutor)</label>" in page
    assert f"{start:%H:%M} to {start + timedelta(minutes=20):%H:%M}" in page
    assert "Put the kettle on." in page and "Have a cup of tea." in page
    assert f"Chosen by {name_of(people['clinical_tutor'])}" in page
    assert "Changes to this plan (1)" in page
    assert f"{name_of(people['clinical_tutor'])} chose Both together for Welcome." in page
    assert f'name="version" value="{session_plan_for(session)["version"]}"' in page


def test_a_stale_change_on_the_page_is_refused_showing_the_co_tutors_choice(client, course, people):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)
    client.force_login(people["lay_tutor"])
    client.get(plan_url(session))  # Alan's page shows version 0
    set_plan(session=session, leads={welcome: "clinical"}, updated_by=people["clinical_tutor"])

    response = client.post(
        plan_url(session), {"version": "0", f"lead-{welcome}": "lay", f"lead-{tea}": "lay"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "The plan changed after you opened this page, so nothing was saved." in page
    assert (
        f"{name_of(people['clinical_tutor'])} chose {course['clinical'].name} (clinical tutor) "
        "for &quot;Welcome&quot;."
    ) in page
    assert dict(ActivityLead.objects.values_list("activity_id", "lead")) == {welcome: "clinical"}
    # The form now shows the plan as it is, at its new version, to choose again.
    version = ActivityLeadChange.objects.get().pk
    assert f'name="version" value="{version}"' in page
    assert f'value="clinical" id="id_lead-{welcome}_1" checked' in page


def test_a_lead_sees_the_plan_but_cannot_change_it(client, course, people):
    session = course["sessions"][3]
    client.force_login(people["lead"])

    shown = client.get(plan_url(session))
    posted = client.post(plan_url(session), {f"lead-{activity_ids(course)[0]}": "lay"})

    assert shown.status_code == 200
    assert 'type="radio"' not in shown.content.decode()
    assert "Only the two tutors of this session can change its plan." in shown.content.decode()
    assert posted.status_code == 403
    assert not ActivityLead.objects.exists()


def test_the_plan_page_takes_the_same_queries_however_long_its_history(
    client, course, people, django_assert_num_queries
):
    session = course["sessions"][3]
    welcome, tea = activity_ids(course)
    client.force_login(people["lay_tutor"])
    set_plan(session=session, leads={welcome: "lay"}, updated_by=people["lay_tutor"])
    with CaptureQueriesContext(connection) as small:
        client.get(plan_url(session))
    for lead in ["clinical", "shared", "lay", "clinical", "shared"]:
        set_plan(session=session, leads={welcome: lead, tea: lead}, updated_by=people["lay_tutor"])

    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(plan_url(session))

    assert "Changes to this plan (11)" in response.content.decode()


# --- the register page -------------------------------------------------------------------------


def test_mark_everyone_present_starts_everyone_not_marked_as_present(client, course, people):
    session = course["sessions"][2]
    alice, bob, carol = course["enrolments"]
    mark(session=session, marks={alice.pk: APOLOGIES}, marked_by=people["lay_tutor"])
    client.force_login(people["lay_tutor"])

    before = client.get(register_url(session)).content.decode()
    response = client.get(register_url(session) + "?everyone=present")

    page = response.content.decode()
    assert 'href="?everyone=present#register-state">Mark everyone present</a>' in before
    assert "Register: 1 of 3 marked, 2 not marked." in before
    assert response.status_code == 200
    assert "Everyone not marked yet is shown as present." in page
    assert f'value="apologies" id="id_mark-{alice.pk}_2" checked' in page
    assert f'value="present" id="id_mark-{bob.pk}_0" checked' in page
    assert f'value="present" id="id_mark-{carol.pk}_0" checked' in page
    assert Attendance.objects.count() == 1  # nothing saved by it


def test_a_register_with_people_not_marked_asks_before_saving(client, course, people):
    session = course["sessions"][2]
    alice, bob, carol = course["enrolments"]
    client.force_login(people["clinical_tutor"])

    asked = client.post(register_url(session), {f"mark-{alice.pk}": PRESENT})
    confirmed = client.post(
        register_url(session), {f"mark-{alice.pk}": PRESENT, "unmarked_confirmed": "yes"}
    )
    shown = client.get(confirmed["Location"])

    page = asked.content.decode()
    assert asked.status_code == 400
    assert "2 of 3 people are not marked. Save anyway?" in page
    assert f'href="#id_mark-{bob.pk}_0"' in page and f'href="#id_mark-{carol.pk}_0"' in page
    assert 'name="unmarked_confirmed" value="yes">Save anyway, with 2 not marked' in page
    assert f'value="present" id="id_mark-{alice.pk}_0" checked' in page  # the choice is kept
    assert confirmed.status_code == 302
    assert list(Attendance.objects.values_list("enrolment_id", flat=True)) == [alice.pk]
    shown_page = shown.content.decode()
    assert "The register for session 3 is saved: 1 of 3 people marked, 2 not marked." in shown_page
    assert "Not marked for this session yet." in shown_page


def test_everyone_present_with_one_exception_saves_without_asking(client, course, people):
    session = course["sessions"][2]
    alice, bob, carol = course["enrolments"]
    client.force_login(people["lay_tutor"])

    response = client.post(
        register_url(session),
        {f"mark-{alice.pk}": PRESENT, f"mark-{bob.pk}": APOLOGIES, f"mark-{carol.pk}": PRESENT},
    )

    assert response.status_code == 302
    assert Attendance.objects.filter(status=PRESENT).count() == 2


# --- My teaching: coming up, and taught in pages ------------------------------------------------


def taught_sessions(course, count):
    """`count` more sessions of the course's tutors that ended, a day apart, before session 1."""
    run = course["run"]
    first = course["sessions"][0].starts_at
    return [
        SessionFactory(
            run=run,
            number=100 + n,
            module=course["module"],
            starts_at=first - timedelta(days=n + 1),
            ends_at=first - timedelta(days=n + 1) + timedelta(hours=3),
            lay_tutor=course["lay"],
            clinical_tutor=course["clinical"],
        )
        for n in range(count)
    ]


def test_taught_sessions_are_paged_and_say_taught_with_their_register(client, course, people):
    taught_sessions(course, 25)  # 27 taught in all, with sessions 1 and 2
    client.force_login(people["lay_tutor"])

    first = client.get("/teach/").content.decode()
    last = client.get("/teach/?page=3").content.decode()

    taught = first.split('id="taught"')[1]
    assert "27 in all, page 1 of 3" in taught
    assert taught.count("app-teach-row__when") == 10
    assert taught.count(">Taught</strong>") == 10
    assert "Register not marked: 3 booked." in taught
    assert "to agree" not in taught.lower()
    assert 'href="?page=2"' in first
    assert last.split('id="taught"')[1].count("app-teach-row__when") == 7


def test_my_teaching_takes_the_same_queries_with_3_or_30_sessions(
    client, course, people, django_assert_num_queries
):
    client.force_login(people["lay_tutor"])
    client.get("/teach/")  # makes the calendar feed, once
    with CaptureQueriesContext(connection) as three:
        client.get("/teach/")
    for session in taught_sessions(course, 26):
        ActivityLead.objects.create(session=session, activity_id="x", lead="lay")
        Attendance.objects.create(
            session=session, enrolment=course["enrolments"][0], status=PRESENT
        )

    with django_assert_num_queries(len(three.captured_queries)):
        response = client.get("/teach/")

    assert response.content.decode().count("app-teach-row__when") == 2 + 10


def test_my_learning_says_when_a_register_is_not_marked(client, course, people):
    first, second, third, _ = course["sessions"]
    alice = course["enrolments"][0]  # the Riverside trainee
    mark(session=first, marks={alice.pk: PRESENT}, marked_by=people["lay_tutor"])
    mark(session=second, marks={alice.pk: ABSENT}, marked_by=people["lay_tutor"])
    client.force_login(people["trainee"])

    page = client.get("/learn/").content.decode()

    # Session 3 has started and has no line for them: not marked, not missed.
    assert "You have come to 1 of 4 sessions so far." in page
    assert "The register is not marked yet for 1 session: it is not counted as missed." in page
