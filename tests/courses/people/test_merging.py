"""Merging two records of one person: each refusal with its message, what moves, how clashes
are settled, the record kept of the merge, who may do it, and the page's cost."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from assessments.models import Phase, Response
from cms.models import ContactChannel
from courses import errors
from courses.models import (
    Attendance,
    CourseRun,
    Enrolment,
    GroupException,
    Letter,
    OrganiserMessage,
    PersonRecord,
    PlaceOffer,
)
from courses.people.merging import merge_candidates, merge_preview, people_merge
from courses.people.selectors import merges_for
from courses.people.services import PersonDetails, PersonError, person_add
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import CourseRunFactory, SessionFactory, UserFactory, next_weekday

pytestmark = pytest.mark.django_db
User = get_user_model()


def phoned(site, lead, **changes):
    values = {
        "first_name": "Margaret",
        "last_name": "Hughes",
        "audience": "condition",
        "mobile": "07700 900123",
        "contact_by": ContactChannel.TEXT,
    }
    return person_add(site=site, details=PersonDetails(**{**values, **changes}), added_by=lead)


@pytest.fixture
def two(workshop, people):
    """Two records of Margaret at Riverside: added by phone (no account) and again with an
    email address and a postal address."""
    site, lead = workshop["site"], people["lead"]
    first = phoned(site, lead, access_needs=["hearing_loop"])
    second = phoned(
        site,
        lead,
        first_name="Maggie",
        mobile="",
        email="maggie@example.com",
        postal_address="1 High Street",
        contact_by=ContactChannel.EMAIL,
        adjustments="Large print",
    )
    return {"keep": first, "merge": second, "site": site, "lead": lead, **workshop}


def book(person, run, status=Enrolment.Status.BOOKED):
    return Enrolment.objects.create(trainee=person, run=run, site=run.site, status=status)


def merge(two):
    return people_merge(
        site=two["site"], keep=two["keep"], merge=two["merge"], merged_by=two["lead"]
    )


# --- refusals -------------------------------------------------------------------------------


def test_a_record_cannot_be_merged_into_itself(two):
    with pytest.raises(PersonError, match=errors.MERGE_SAME_PERSON):
        people_merge(site=two["site"], keep=two["keep"], merge=two["keep"], merged_by=None)


def test_a_record_of_another_site_is_refused(two, hillside, people):
    elsewhere = phoned(hillside, people["other_lead"], mobile="07700 900999")
    with pytest.raises(PersonError, match=errors.MERGE_CHOOSE_PERSON):
        people_merge(site=two["site"], keep=two["keep"], merge=elsewhere, merged_by=None)
    assert User.objects.filter(pk=elsewhere.pk).exists()


def test_the_record_with_an_account_is_the_one_kept(two):
    two["merge"].set_password("chosen-by-maggie-42")
    two["merge"].save()
    message = errors.MERGE_KEEP_THE_ACCOUNT.format(merged="Maggie Hughes", kept="Margaret Hughes")

    with pytest.raises(PersonError) as refused:
        merge(two)
    assert refused.value.message == message
    # The other way round is fine.
    people_merge(site=two["site"], keep=two["merge"], merge=two["keep"], merged_by=None)
    assert not User.objects.filter(pk=two["keep"].pk).exists()


def test_a_member_of_staff_is_never_merged(two, people):
    tutor = people["lay_tutor"]
    book(tutor, two["run"])
    with pytest.raises(PersonError) as refused:
        people_merge(site=two["site"], keep=two["keep"], merge=tutor, merged_by=None)
    assert refused.value.message == errors.MERGE_STAFF.format(name=tutor.get_full_name())


def test_places_on_runs_whose_dates_cross_are_refused(two):
    run = two["run"]
    other = CourseRunFactory(
        site=run.site, venue=run.venue, programme=run.programme, title="Evening group"
    )
    SessionFactory(run=other, number=1, starts_at=two["sessions"][1].starts_at + timedelta(hours=4))
    book(two["keep"], run)
    book(two["merge"], other)

    with pytest.raises(PersonError) as refused:
        merge(two)
    assert refused.value.message.startswith(
        "Margaret Hughes has a place on Spring group and Maggie Hughes has a place on Evening"
    )
    assert Enrolment.objects.filter(trainee=two["merge"]).count() == 1


# --- what moves -----------------------------------------------------------------------------


def test_everything_on_the_merged_record_moves_and_the_record_says_so(two, people):
    keep, other, run = two["keep"], two["merge"], two["run"]
    enrolment = book(other, run)
    Attendance.objects.create(session=two["sessions"][0], enrolment=enrolment, status="present")
    Letter.objects.create(person=other, site=two["site"], subject="Your place", body="Hello")
    GroupException.objects.create(run=run, trainee=other, reason="Carer", decided_by=people["lead"])
    OrganiserMessage.objects.create(
        site=two["site"],
        run=run,
        sender=other,
        topic=OrganiserMessage.Topic.choices[0][0],
        body="Late",
    )
    reflection = Response.objects.create(
        administration=administration(version_with_items(), Phase.BEFORE, run), respondent=other
    )

    record = merge(two)

    assert not User.objects.filter(pk=other.pk).exists()
    enrolment.refresh_from_db()
    assert enrolment.trainee == keep
    assert Attendance.objects.get().enrolment == enrolment
    assert Letter.objects.get().person == keep
    assert GroupException.objects.get().trainee == keep
    assert OrganiserMessage.objects.get().sender == keep
    reflection.refresh_from_db()
    assert reflection.respondent == keep
    assert (record.kept, record.site, record.merged_by) == (keep, two["site"], people["lead"])
    assert record.merged_name == "Maggie Hughes"
    assert "maggie@example.com" in record.merged_contacts
    assert "1 High Street" in record.merged_contacts
    assert record.moved["bookings and places"] == 1
    assert record.moved["register lines"] == 1
    assert record.moved["reflections"] == 1
    assert record.moved["letters"] == 1
    assert merges_for(keep) == [record]


def test_blank_details_are_filled_from_the_merged_record_and_the_kept_ones_stay(two):
    keep = two["keep"]
    merge(two)

    keep.refresh_from_db()
    assert (keep.first_name, keep.mobile, keep.contact_by) == (
        "Margaret",
        "+447700900123",
        ContactChannel.TEXT,
    )
    assert (keep.email, keep.postal_address) == ("maggie@example.com", "1 High Street")
    staff_record = PersonRecord.objects.get()
    assert staff_record.person == keep
    assert (staff_record.access_needs, staff_record.adjustments) == (
        ["hearing_loop"],
        "Large print",
    )


# --- clashes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kept_status", "merged_status", "stays"),
    [
        ("booked", "completed", "completed"),
        ("completed", "booked", "completed"),
        ("waitlisted", "booked", "booked"),
        ("withdrawn", "waitlisted", "waitlisted"),
        ("booked", "booked", "booked"),
    ],
)
def test_both_on_the_same_run_keep_the_better_place(two, kept_status, merged_status, stays):
    run = two["run"]
    ours, theirs = book(two["keep"], run, kept_status), book(two["merge"], run, merged_status)
    Attendance.objects.create(session=two["sessions"][0], enrolment=ours, status="absent")
    Attendance.objects.create(session=two["sessions"][0], enrolment=theirs, status="present")
    Attendance.objects.create(session=two["sessions"][1], enrolment=theirs, status="present")

    preview = merge_preview(site=two["site"], keep=two["keep"], merge=two["merge"])
    assert len(preview.clashes) == 1
    assert f"place stays ({Enrolment.Status(stays).label.lower()})" in preview.clashes[0]
    merge(two)

    enrolment = Enrolment.objects.get()
    assert (enrolment.trainee, enrolment.status) == (two["keep"], stays)
    lines = dict(Attendance.objects.values_list("session__number", "status"))
    # The place kept keeps its own register lines; the other's fill the sessions it lacks.
    assert lines[2] == "present"
    assert lines[1] == ("absent" if enrolment.pk == ours.pk else "present")


def test_a_place_freed_by_the_merge_is_offered_to_the_first_person_waiting(
    two, django_capture_on_commit_callbacks
):
    run = two["run"]
    CourseRun.objects.filter(pk=run.pk).update(status=CourseRun.Status.OPEN, capacity=3)
    for session in two["sessions"]:  # the workshop's sessions have tutors to open with
        session.starts_at = next_weekday(1, weeks_ahead=2 + session.number)
        session.ends_at = session.starts_at + timedelta(hours=3)
        session.save()
    book(two["keep"], run), book(two["merge"], run), book(UserFactory(), run)
    waiting = book(UserFactory(), run, Enrolment.Status.WAITLISTED)

    preview = merge_preview(site=two["site"], keep=two["keep"], merge=two["merge"])
    assert preview.frees_places == [run.title]
    with django_capture_on_commit_callbacks(execute=True):
        merge(two)

    offer = PlaceOffer.objects.get()
    assert (offer.enrolment, offer.status) == (waiting, PlaceOffer.Status.OPEN)
    assert any(waiting.trainee.email in message.to for message in mail.outbox)


def test_both_answered_the_same_reflection_keeps_the_kept_records_answers(two):
    before = administration(version_with_items(), Phase.BEFORE, two["run"])
    ours = Response.objects.create(administration=before, respondent=two["keep"])
    Response.objects.create(administration=before, respondent=two["merge"])

    preview = merge_preview(site=two["site"], keep=two["keep"], merge=two["merge"])
    assert preview.clashes == [
        errors.MERGE_CLASH_REFLECTION.format(
            reflection=before, kept="Margaret Hughes", merged="Maggie Hughes"
        )
    ]
    record = merge(two)

    assert list(Response.objects.all()) == [ours]
    assert record.moved["reflections answered by both (the kept record's stay)"] == 1


# --- search ---------------------------------------------------------------------------------


def test_the_other_record_is_found_by_name_email_or_mobile_among_the_sites_people(
    two, hillside, people
):
    phoned(hillside, people["other_lead"], mobile="07700 900555", email="other@example.com")
    for query in ("maggie", "Maggie Hughes", "MAGGIE@example", "hughes"):
        found, total = merge_candidates(site=two["site"], keep=two["keep"], query=query)
        assert (found, total) == ([two["merge"]], 1)
    found, _ = merge_candidates(site=two["site"], keep=two["merge"], query="07700 900123")
    assert found == [two["keep"]]
    assert merge_candidates(site=two["site"], keep=two["keep"], query="other") == ([], 0)


# --- the page -------------------------------------------------------------------------------


def url(two, person=None):
    return f"/sites/riverside/people/{(person or two['keep']).pk}/merge/"


def test_a_lead_previews_then_merges(client, two):
    client.force_login(two["lead"])
    book(two["merge"], two["run"])

    page = client.get(url(two), {"q": "maggie"}).content.decode()
    assert f"?merge={two['merge'].pk}" in page
    preview = client.get(url(two), {"merge": two["merge"].pk}).content.decode()
    assert "What moves to Margaret Hughes" in preview
    assert "Merge Maggie Hughes into Margaret Hughes" in preview

    response = client.post(url(two), {"merge": two["merge"].pk})
    assert response.status_code == 302
    assert not User.objects.filter(pk=two["merge"].pk).exists()
    after = client.get(response["Location"]).content.decode()
    assert escape(errors.MERGE_DONE.format(merged="Maggie Hughes")) in after
    assert "maggie@example.com" in after  # the merged record's contacts, in the merges table


@pytest.mark.parametrize("forged", ["", "abc", "99999999999999999999999", "0"])
def test_a_forged_choice_changes_nothing(client, two, forged):
    client.force_login(two["lead"])
    response = client.post(url(two), {"merge": forged})
    assert response.status_code == 400
    assert escape(errors.MERGE_CHOOSE_PERSON) in response.content.decode()
    assert User.objects.filter(pk=two["merge"].pk).exists()


def test_a_refusal_is_shown_on_the_preview(client, two):
    client.force_login(two["lead"])
    page = client.get(url(two), {"merge": two["keep"].pk}).content.decode()
    assert escape(errors.MERGE_SAME_PERSON) in page
    assert "Merge Margaret" not in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("trainee", 403),
        ("lay_tutor", 403),
        ("other_lead", 404),
        ("lead", 200),
        ("site_admin", 200),
    ],
)
def test_who_may_merge(client, two, people, role, status):
    if role != "anonymous":
        client.force_login(people[role])
    response = client.get(url(two))
    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_someone_not_of_the_site_is_not_found(client, two, hillside, people):
    client.force_login(two["lead"])
    elsewhere = phoned(hillside, people["other_lead"], mobile="07700 900999")
    assert client.get(url(two, elsewhere)).status_code == 404


def test_the_preview_reads_a_fixed_number_of_queries(client, two):
    client.force_login(two["lead"])
    run = two["run"]

    def counted():
        client.get(url(two), {"merge": two["merge"].pk})
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(two), {"merge": two["merge"].pk}).status_code == 200
        return len(queries)

    book(two["merge"], run)
    one = counted()
    for number in range(2, 6):
        other = CourseRunFactory(
            site=run.site, venue=run.venue, programme=run.programme, title=f"Group {number}"
        )
        SessionFactory(run=other, number=1, starts_at=next_weekday(2, weeks_ahead=10 + number))
        book(two["merge"], other, Enrolment.Status.WITHDRAWN)
        book(two["keep"], other, Enrolment.Status.WITHDRAWN)
        Letter.objects.create(person=two["merge"], site=run.site, subject="Hello", body="Hello")
    assert counted() == one


def test_the_search_reads_a_fixed_number_of_queries(client, two):
    client.force_login(two["lead"])

    def counted():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(two), {"q": "hughes"}).status_code == 200
        return len(queries)

    client.get(url(two), {"q": "hughes"})
    one = counted()
    for number in range(5):
        phoned(two["site"], two["lead"], mobile=f"07700 90100{number}")
    assert counted() == one
