"""Erasure of a whole person (cms/privacy/erasure.py): every field that points at a person is
handled, rows are counted before and after, the dashboard's figures and the matched analysis
are the same before and after, and the refusals say what to do first."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.models import Answer, Response, ScaleScore
from assessments.reflections.analysis import matched_change
from cms.models import OutgoingEmail, PersonErasure
from cms.privacy.erasure import (
    ALREADY_ERASED,
    ERASED_NAME,
    REASON_NEEDED,
    SYSTEM_ADMINISTRATOR,
    ErasureRefused,
    fields_handled,
    person_erase,
)
from courses.dashboard.figures import figures_refresh
from courses.models import (
    Attendance,
    CalendarFeed,
    Certificate,
    ChangeFigures,
    CohortFigures,
    Enrolment,
    LastingFigures,
    LessonProgress,
    OrganiserMessage,
    SessionFigures,
    SiteMembership,
)
from tests.assessments.matched_builders import SEVEN
from tests.assessments.reflection_builders import version_with_items
from tests.courses.dashboard import dashboard_builders
from tests.factories import UserFactory

THREE_APPS = ("cms", "assessments", "courses")


def test_every_field_pointing_at_a_person_is_handled():
    """A new ForeignKey to the user model in cms, assessments or courses must say what erasure
    does with it (deleted, anonymised, kept without identity, or not personal)."""
    user_model = get_user_model()
    pointing = {
        f"{model._meta.app_label}.{model.__name__}.{field.name}"
        for app in THREE_APPS
        for model in apps.get_app_config(app).get_models()
        for field in [*model._meta.local_fields, *model._meta.local_many_to_many]
        if field.is_relation and field.related_model is user_model
    }
    assert pointing, "the check found no fields at all"
    assert pointing - set(fields_handled()) == set()


def figures():
    """Every precomputed figure, without ids or times of working out."""
    return {
        model.__name__: sorted(
            (
                tuple(sorted((k, v) for k, v in row.items() if k not in {"id", "figurerow_ptr_id"}))
                for row in model.objects.values()
            ),
            key=repr,
        )
        for model in (CohortFigures, SessionFigures, ChangeFigures, LastingFigures)
    }


def row_counts():
    return {
        model.__name__: model.objects.count()
        for app in THREE_APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.proxy
    }


@pytest.fixture
def built(riverside, hillside, programmes):
    return dashboard_builders.build_and_work_out(riverside, hillside, programmes)


def by_email(key):
    return get_user_model().objects.get(email=f"{key}@example.com")


def test_the_dashboard_figures_are_the_same_after_erasing_people(built):
    p1, p3 = by_email("p1"), by_email("p3")
    p1_enrolment = Enrolment.objects.get(trainee=p1, run=built["runs"]["a"])
    Certificate.objects.create(
        enrolment=p1_enrolment,
        kind=Certificate.Kind.ATTENDANCE,
        code="ATT-P1",
        holder_name="P1 Spring",
        title="Riverside spring",
        issued_at=timezone.now() - timedelta(weeks=7),
    )
    p1_enrolment.adjustments = "I need a quiet room."
    p1_enrolment.save()
    e1 = by_email("e1")
    figures_refresh()
    before, counts_before = figures(), row_counts()

    for person in (p1, p3, e1):
        person_erase(person=person, erased_by=None, reason="Written request 1.")
    figures_refresh()

    assert figures() == before
    counts_after = row_counts()
    # The organisation's record is all still there, and counted.
    for kept in ("Enrolment", "Attendance", "Certificate", "Response", "Answer", "ScaleScore"):
        assert counts_after[kept] == counts_before[kept], kept
    assert counts_after["LessonProgress"] == counts_before["LessonProgress"]
    assert counts_after["User"] == counts_before["User"]
    assert counts_after["PersonErasure"] == counts_before["PersonErasure"] + 3
    certificate = Certificate.objects.get(code="ATT-P1")
    assert certificate.holder_name == "" and certificate.is_valid
    assert Enrolment.objects.get(pk=p1_enrolment.pk).adjustments == ""
    assert LessonProgress.objects.exists()


def test_the_matched_analysis_is_the_same_after_erasing_someone(riverside, programmes):
    version = version_with_items(programme=programmes["patient"])
    dashboard_builders.matched_group(riverside, programmes["patient"], SEVEN, version)
    before = matched_change(Response.objects.all())
    someone = Response.objects.filter(answers__text="I speak first.").get().respondent

    person_erase(person=someone, erased_by=None, reason="Written request 2.")

    assert matched_change(Response.objects.all()) == before
    assert ScaleScore.objects.filter(response__respondent=someone).exists()
    # The words they wrote are gone; their ratings stay.
    assert not Answer.objects.filter(text="I speak first.").exists()
    assert Answer.objects.filter(response__respondent=someone, number__isnull=False).exists()


def test_the_account_is_anonymous_afterwards(riverside, people):
    person = people["lead"]
    messages_before = OrganiserMessage.objects.count()
    OutgoingEmail.objects.create(
        from_email="a@example.com",
        recipients=[person.email],
        to=person.email,
        subject="Hello",
        message=b"x",
        next_attempt_at=timezone.now(),
    )
    CalendarFeed.objects.create(user=person, token="t" * 40)
    email = person.email

    record = person_erase(person=person, erased_by=people["site_admin"], reason=" Written  3. ")

    person.refresh_from_db()
    assert person.first_name == ERASED_NAME and person.last_name == ""
    assert person.email.endswith("@erased.invalid") and email not in person.email
    assert not person.is_active and not person.has_usable_password()
    assert not person.groups.exists()
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not EmailAddress.objects.filter(email=email).exists()
    assert not SiteMembership.objects.filter(user=person).exists()
    assert not CalendarFeed.objects.filter(user=person).exists()
    assert not OutgoingEmail.objects.filter(to=email).exists()
    assert OrganiserMessage.objects.count() == messages_before
    assert record.reason == "Written 3."
    assert record.erased_by == people["site_admin"]
    assert record.counts["accounts anonymised"] == 1
    assert record.counts["roles"] == 1
    # Nothing in the record says who was erased.
    assert email not in str(record.counts) and email not in record.reason


def test_erasing_ends_their_sessions(client, people):
    person = people["trainee"]
    client.force_login(person)
    assert client.get("/account/").status_code == 200
    person_erase(person=person, erased_by=None, reason="Written request 4.")
    assert client.get("/account/").status_code == 302


def test_refusals_say_what_to_do(people, db):
    admin = UserFactory(is_superuser=True, is_staff=True)
    with pytest.raises(ErasureRefused) as refused:
        person_erase(person=admin, erased_by=None, reason="x")
    assert refused.value.reasons == [SYSTEM_ADMINISTRATOR]
    with pytest.raises(ErasureRefused) as refused:
        person_erase(person=people["trainee"], erased_by=None, reason="  ")
    assert refused.value.reasons == [REASON_NEEDED]
    person_erase(person=people["trainee"], erased_by=None, reason="Written request 5.")
    people["trainee"].refresh_from_db()
    with pytest.raises(ErasureRefused) as refused:
        person_erase(person=people["trainee"], erased_by=None, reason="Again.")
    assert refused.value.reasons == [ALREADY_ERASED]
    assert PersonErasure.objects.count() == 1


def test_attendance_stays_counted(built):
    p1 = by_email("p1")
    present = Attendance.objects.filter(status=Attendance.Status.PRESENT).count()
    person_erase(person=p1, erased_by=None, reason="Written request 6.")
    assert Attendance.objects.filter(status=Attendance.Status.PRESENT).count() == present
    assert Attendance.objects.filter(enrolment__trainee=p1).exists()
