"""The people pages of a site: the list and its search, adding and editing a person, their page,
booking them onto a run, moving them, taking them off and entering a paper reflection. Scope:
a person not linked to the site is not found."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Item, Response
from assessments.privacy.export import reflection_responses_file
from cms.models import ContactChannel
from courses import errors
from courses.models import CourseRun, Enrolment, PersonRecord
from courses.people.services import PersonDetails, person_add
from courses.reflections.administrations import administrations_ensure_for_run
from courses.workshops.booking import run_book
from tests.assessments.reflection_builders import version_with_items
from tests.factories import AGREED, CourseRunFactory, SessionFactory, UserFactory, next_weekday

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def lead_client(client, people):
    client.force_login(people["lead"])
    return client


@pytest.fixture
def run(workshop):
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.opened_at = timezone.now()
    run.capacity = 2
    run.save()
    return run


def add(site, lead, *, first="Margaret", last="Hughes", mobile="07700 900123", **changes):
    values = {
        "first_name": first,
        "last_name": last,
        "audience": "condition",
        "mobile": mobile,
        "contact_by": ContactChannel.TEXT,
    }
    return person_add(site=site, details=PersonDetails(**{**values, **changes}), added_by=lead)


FORM = {
    "first_name": "Margaret",
    "last_name": "Hughes",
    "audience": "condition",
    "email": "",
    "mobile": "07700 900123",
    "postal_address": "",
    "contact_by": "text",
    "access_needs": ["large_print"],
    "adjustments": "",
}


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_people_added_here_and_booked_here_but_nobody_else(
    lead_client, riverside, hillside, people, run
):
    add(riverside, people["lead"])
    booked = UserFactory(first_name="Bella", last_name="Online")
    run_book(trainee=booked, run_id=run.pk, answers=AGREED)
    add(hillside, people["other_lead"], first="Hilda", last="Elsewhere", mobile="07700 900999")

    page = lead_client.get("/sites/riverside/people/").content.decode()

    assert "Margaret Hughes" in page
    assert "Text message: +447700900123" in page
    assert "Bella Online" in page and "Spring group" in page
    assert "Hilda" not in page
    assert "2 people" in page


def test_the_list_finds_a_person_by_a_mobile_typed_another_way_or_by_name(
    lead_client, riverside, people
):
    add(riverside, people["lead"])
    add(riverside, people["lead"], first="Tom", last="Other", mobile="07700 900456")

    by_mobile = lead_client.get("/sites/riverside/people/", {"q": "+44 7700 900123"})
    by_name = lead_client.get("/sites/riverside/people/", {"q": "margaret hug"})

    for response in (by_mobile, by_name):
        page = response.content.decode()
        assert "Margaret Hughes" in page and "Tom Other" not in page


def test_the_list_says_when_nobody_matches_or_nobody_is_here_yet(lead_client, riverside):
    assert "Nobody is linked to" in lead_client.get("/sites/riverside/people/").content.decode()
    assert "Nobody at Riverside Health Board matches" in (
        lead_client.get("/sites/riverside/people/", {"q": "zz"}).content.decode()
    )


def test_the_list_is_paged_by_25_and_its_queries_do_not_grow(lead_client, riverside, people, run):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert lead_client.get("/sites/riverside/people/").status_code == 200
        return len(captured)

    person = add(riverside, people["lead"])
    run_book(trainee=person, run_id=run.pk, answers=AGREED)
    one = queries()
    for number in range(30):
        other = add(riverside, people["lead"], first=f"P{number}", mobile=f"07700 9{number:05d}")
        if number < 1:
            run_book(trainee=other, run_id=run.pk, answers=AGREED)
    many = queries()

    assert one == many
    page = lead_client.get("/sites/riverside/people/").content.decode()
    assert "page 1 of 2" in page


def test_another_sites_lead_cannot_see_the_list(client, people):
    client.force_login(people["other_lead"])
    assert client.get("/sites/riverside/people/").status_code == 404


# --- adding and editing -----------------------------------------------------------------------


def test_adding_a_person_goes_to_their_page_with_a_confirmation(lead_client, riverside):
    response = lead_client.post("/sites/riverside/people/add/", FORM, follow=True)

    person = PersonRecord.objects.get().person
    assert response.redirect_chain[-1][0] == f"/sites/riverside/people/{person.pk}/"
    page = response.content.decode()
    assert "Margaret Hughes has been added to Riverside Health Board." in page
    assert "Needs handouts in large print" in page
    assert person.mobile == "+447700900123" and person.email is None


def test_a_refused_person_is_not_saved_and_the_message_is_in_the_error_summary(lead_client):
    response = lead_client.post(
        "/sites/riverside/people/add/", {**FORM, "mobile": "", "contact_by": "text"}
    )

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert errors.PERSON_NO_WAY_TO_REACH in response.content.decode()
    assert not PersonRecord.objects.exists()


def test_a_duplicate_mobile_names_the_person_and_links_to_them_when_they_are_here(
    lead_client, riverside, hillside, people
):
    existing = add(riverside, people["lead"])
    response = lead_client.post("/sites/riverside/people/add/", FORM)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Margaret Hughes already has the mobile number 07700 900123" in page
    assert f'href="/sites/riverside/people/{existing.pk}/"' in page

    elsewhere = add(hillside, people["other_lead"], first="Hilda", mobile="07700 900999")
    response = lead_client.post("/sites/riverside/people/add/", {**FORM, "mobile": "07700 900999"})
    assert f"/people/{elsewhere.pk}/" not in response.content.decode()
    assert PersonRecord.objects.count() == 2


def test_editing_changes_the_details_with_the_same_rules(lead_client, riverside, people):
    person = add(riverside, people["lead"])
    url = f"/sites/riverside/people/{person.pk}/edit/"
    assert 'value="+447700900123"' in lead_client.get(url).content.decode()

    refused = lead_client.post(url, {**FORM, "contact_by": "letter"})
    assert errors.PERSON_CHANNEL_NEEDS_ADDRESS in refused.content.decode()
    changed = lead_client.post(
        url, {**FORM, "last_name": "Jones", "postal_address": "1 High St", "contact_by": "letter"}
    )

    person.refresh_from_db()
    assert changed.status_code == 302
    assert (person.last_name, person.contact_by) == ("Jones", "letter")


def test_a_person_who_signs_in_keeps_their_own_details(lead_client, run):
    online = UserFactory()
    run_book(trainee=online, run_id=run.pk, answers=AGREED)

    page = lead_client.get(f"/sites/riverside/people/{online.pk}/").content.decode()
    assert "Edit details" not in page
    response = lead_client.post(f"/sites/riverside/people/{online.pk}/edit/", FORM)
    assert errors.PERSON_EDIT_ONLINE in response.content.decode()


# --- the person page -----------------------------------------------------------------------------


def test_the_person_page_shows_bookings_who_booked_and_the_actions(
    lead_client, riverside, people, run
):
    person = add(riverside, people["lead"])
    run_book(trainee=UserFactory(), run_id=run.pk, answers=AGREED)
    run_book(trainee=UserFactory(), run_id=run.pk, answers=AGREED)
    enrolment = run_book(trainee=person, run_id=run.pk, answers=AGREED, booked_by=people["lead"])

    page = lead_client.get(f"/sites/riverside/people/{person.pk}/").content.decode()

    assert "Number 1 on the waiting list" in page
    assert f"by {people['lead'].get_full_name()}" in page
    assert f"/bookings/{enrolment.pk}/move/" in page
    assert f"/bookings/{enrolment.pk}/take-off/" in page
    assert f"/sites/riverside/people/{person.pk}/book/" in page


def test_the_person_page_queries_do_not_grow_with_bookings(
    lead_client, riverside, people, run, workshop
):
    person = add(riverside, people["lead"])
    run_book(trainee=person, run_id=run.pk, answers=AGREED)
    url = f"/sites/riverside/people/{person.pk}/"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert lead_client.get(url).status_code == 200
        return len(captured)

    one = queries()
    for weeks in (10, 20):
        other = CourseRunFactory(
            site=riverside,
            venue=workshop["venue"],
            programme=workshop["programme"],
            status=CourseRun.Status.OPEN,
        )
        SessionFactory(run=other, number=1, starts_at=next_weekday(1, weeks_ahead=weeks))
        run_book(trainee=person, run_id=other.pk, answers=AGREED, booked_by=people["lead"])
    assert queries() == one


def test_a_person_of_another_site_is_not_found(lead_client, hillside, people):
    elsewhere = add(hillside, people["other_lead"])
    for path in ("", "edit/", "book/"):
        assert lead_client.get(f"/sites/riverside/people/{elsewhere.pk}/{path}").status_code == 404


# --- booking, moving, taking off ---------------------------------------------------------------


def test_booking_page_preselects_the_run_and_offers_their_needs(
    lead_client, riverside, people, run
):
    person = add(riverside, people["lead"], access_needs=["wheelchair"])

    page = lead_client.get(
        f"/sites/riverside/people/{person.pk}/book/", {"run": run.pk}
    ).content.decode()

    assert f'value="{run.pk}" id="id_run_0" checked' in page
    assert 'value="wheelchair" id="id_access_needs" checked' in page
    assert "2 places left out of 2" in page


def test_staff_book_a_person_with_the_terms_read_to_them(
    lead_client, riverside, people, run, monkeypatch
):
    person = add(riverside, people["lead"])
    url = f"/sites/riverside/people/{person.pk}/book/"

    refused = lead_client.post(url, {"run": run.pk})
    assert refused.status_code == 400
    assert errors.PERSON_TERMS_NOT_READ in refused.content.decode()
    assert not Enrolment.objects.exists()

    response = lead_client.post(url, {"run": run.pk, "agreed_to_terms": "on"}, follow=True)
    enrolment = Enrolment.objects.get()
    assert (enrolment.trainee, enrolment.booked_by) == (person, people["lead"])
    assert "Margaret Hughes is booked on Spring group." in response.content.decode()


def test_the_booking_page_refuses_a_run_with_the_services_message(
    lead_client, riverside, people, run
):
    person = add(riverside, people["lead"])
    run_book(trainee=person, run_id=run.pk, answers=AGREED)

    response = lead_client.post(
        f"/sites/riverside/people/{person.pk}/book/",
        {"run": run.pk, "agreed_to_terms": "on"},
    )

    assert response.status_code == 400
    assert errors.ALREADY_BOOKED in response.content.decode()


def test_the_move_and_take_off_pages_confirm_then_act(
    lead_client, riverside, people, run, workshop
):
    person = add(riverside, people["lead"])
    enrolment = run_book(trainee=person, run_id=run.pk, answers=AGREED)
    summer = CourseRunFactory(
        site=riverside,
        venue=workshop["venue"],
        programme=workshop["programme"],
        status=CourseRun.Status.OPEN,
        title="Summer group",
    )
    SessionFactory(run=summer, number=1, starts_at=next_weekday(1, weeks_ahead=12))
    base = f"/sites/riverside/people/{person.pk}/bookings/{enrolment.pk}"

    assert "Summer group" in lead_client.get(f"{base}/move/").content.decode()
    assert lead_client.post(f"{base}/move/", {}).status_code == 400
    moved = lead_client.post(f"{base}/move/", {"run": summer.pk}, follow=True)
    assert "has been moved from Spring group to Summer group" in moved.content.decode()

    new = Enrolment.objects.get(run=summer)
    base = f"/sites/riverside/people/{person.pk}/bookings/{new.pk}"
    assert "Take them off Summer group?" in lead_client.get(f"{base}/take-off/").content.decode()
    lead_client.post(f"{base}/take-off/")
    new.refresh_from_db()
    assert (new.status, new.withdrawn_by) == (Enrolment.Status.WITHDRAWN, people["lead"])


def test_a_booking_of_another_person_is_not_found(lead_client, riverside, people, run):
    person = add(riverside, people["lead"])
    other = run_book(trainee=UserFactory(), run_id=run.pk, answers=AGREED)
    assert (
        lead_client.get(
            f"/sites/riverside/people/{person.pk}/bookings/{other.pk}/take-off/"
        ).status_code
        == 404
    )


# --- paper reflections ------------------------------------------------------------------------


def test_staff_enter_a_paper_reflection_kept_as_the_persons_with_who_entered_it(
    lead_client, riverside, people, run
):
    version_with_items(programme=run.programme)
    before, _ = administrations_ensure_for_run(run=run)
    person = add(riverside, people["lead"])
    run_book(trainee=person, run_id=run.pk, answers=AGREED)
    url = f"/sites/riverside/people/{person.pk}/reflections/{before.pk}/"
    assert url in lead_client.get(f"/sites/riverside/people/{person.pk}/").content.decode()
    items = {item.key: item.pk for item in Item.objects.all()}

    refused = lead_client.post(url, {f"item-{items['a1']}": "4", "action": "send"})
    assert refused.status_code == 400
    assert not Response.objects.filter(status=Response.Status.SUBMITTED).exists()

    answers = {"a1": "4", "a2": "5", "e1": "2", "e2": "4", "heard": "gp"}
    response = lead_client.post(
        url, {**{f"item-{items[key]}": value for key, value in answers.items()}}, follow=True
    )

    saved = Response.objects.get(respondent=person)
    assert (saved.status, saved.entered_by) == (Response.Status.SUBMITTED, people["lead"])
    page = response.content.decode()
    assert "answers from their paper form have been saved" in page
    assert f"Entered from a paper form by {people['lead'].get_full_name()}" in page
    assert lead_client.post(url, {}).status_code == 200  # sent: shown, not changed
    # The person's own download says who typed their answers in.
    (row,) = reflection_responses_file(person).rows
    assert row[-1] == people["lead"].get_full_name()


def test_a_reflection_of_another_sites_run_is_not_found(lead_client, riverside, people, run):
    person = add(riverside, people["lead"])
    assert (
        lead_client.get(f"/sites/riverside/people/{person.pk}/reflections/999999/").status_code
        == 404
    )


def test_the_booking_page_queries_do_not_grow_with_runs(
    lead_client, riverside, people, run, workshop
):
    person = add(riverside, people["lead"])
    url = f"/sites/riverside/people/{person.pk}/book/"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert lead_client.get(url).status_code == 200
        return len(captured)

    one = queries()
    for weeks in (10, 20):
        other = CourseRunFactory(
            site=riverside,
            venue=workshop["venue"],
            programme=workshop["programme"],
            status=CourseRun.Status.OPEN,
        )
        SessionFactory(run=other, number=1, starts_at=next_weekday(1, weeks_ahead=weeks))
    assert queries() == one
    assert lead_client.get(url).content.decode().count('name="run"') == 3
