"""Finding a course (workshops/finder.py and the public pages /courses/ and /courses/<id>/): only
runs that can be booked and are still to come, searched by site, town or postcode district and by
course; whom each is for, its venue, access and map; bad input answered with a message; open to
anyone, with sign-in and sign-up links that come back to the course; a fixed number of queries."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from cms.roles import Role
from cms.validation import CONTROL_CHARACTERS
from courses.models import CourseRun, Enrolment
from courses.workshops import finder
from courses.workshops.forms.finder import PLACE_TOO_LONG
from tests.factories import (
    PASSWORD,
    CourseRunFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
)

# Dates matter (runs still to come, booking closed once started): make test-clock runs this.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def trainee():
    return UserFactory(roles=[Role.TRAINEE.value])


@pytest.fixture
def run(workshop):
    """The workshop's Riverside run at Riverside Library (1 High Street, Riverside, RV1 1AA):
    three Tuesday sessions from next week, open, 2 places."""
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.opened_at = timezone.now()
    run.capacity = 2
    run.minimum_group = 1
    run.save()
    return run


def open_run(*, site, programme, title, sessions=1, **venue):
    """An open run at a new venue of `site`, its sessions on Tuesdays from next week."""
    venue = VenueFactory(site=site, **venue)
    run = CourseRunFactory(
        site=site, venue=venue, programme=programme, title=title, status="open", capacity=12
    )
    for number in range(1, sessions + 1):
        SessionFactory(run=run, number=number)
    return run


@pytest.fixture
def hillside_run(hillside, programmes):
    """An open run of the professional programme at Hilltown Surgery, Hillside (HL4 2BB)."""
    return open_run(
        site=hillside,
        programme=programmes["professional"],
        title="Hillside workshop",
        name="Hilltown Surgery",
        address="4 Market Square\nHilltown",
        postcode="hl4 2bb",
    )


def titles(html):
    return re.findall(
        r'<h3 class="nhsuk-card__heading nhsuk-heading-m"><a href="[^"]+">([^<]+)</a>', html
    )


# --- which runs are listed ------------------------------------------------------------------------


def test_only_runs_that_can_be_booked_and_are_still_to_come_are_listed(client, run, programmes):
    site, programme = run.site, programmes["patient"]
    CourseRunFactory(site=site, programme=programme, title="Still planning")
    cancelled = open_run(site=site, programme=programme, title="Cancelled group")
    cancelled.status = CourseRun.Status.CANCELLED
    cancelled.save()
    no_dates = CourseRunFactory(site=site, programme=programme, title="No dates", status="open")
    started = open_run(site=site, programme=programme, title="Already started", sessions=0)
    SessionFactory(
        run=started,
        number=1,
        starts_at=days_from_today(-1),
        ends_at=days_from_today(-1) + timedelta(hours=3),
    )
    SessionFactory(run=started, number=2)
    full = open_run(site=site, programme=programme, title="Full group")
    full.capacity = 1
    full.save()
    Enrolment.objects.create(trainee=trainee(), run=full, site=site)

    html = client.get("/courses/").text

    assert sorted(titles(html)) == ["Full group", "Spring group"]
    assert "2 places left out of 2" in html
    assert "Full: join the waiting list" in html
    assert {run.pk for run in finder.open_runs()} == {run.pk, full.pk}
    assert no_dates.pk not in {run.pk for run in finder.open_runs()}


def test_each_run_says_when_where_whom_it_is_for_and_how_to_get_in(client, run, workshop):
    venue = workshop["venue"]
    venue.hearing_loop = True
    venue.save()

    html = client.get("/courses/").text

    first = timezone.localtime(workshop["sessions"][0].starts_at)
    assert f"3 sessions, Tuesdays 10:00 to 13:00, from {date_format(first, 'l j F Y')}" in html
    assert "For people living with a long-term condition" in html
    assert "At Riverside Library<br>1 High Street, Riverside<br>RV1 1AA" in html
    assert "Step-free access" in html and "Hearing loop" in html
    assert (
        '<a class="nhsuk-link" href="https://www.openstreetmap.org/search?query=RV1%201AA">'
        "Map of Riverside Library (OpenStreetMap)</a>"
    ) in html
    assert 'target="_blank"' not in html
    assert f'href="/courses/{run.pk}/"' in html


def test_a_course_for_people_who_work_in_health_or_care_says_so(client, hillside_run):
    html = client.get("/courses/").text

    assert "For people who work in health or care" in html
    assert "For people living with a long-term condition" not in html


def test_a_venue_without_a_postcode_is_mapped_by_its_address(db):
    venue = VenueFactory.build(name="The Hub", address="2 Mill Lane\nRiverside", postcode="")

    assert finder.map_url(venue) == (
        "https://www.openstreetmap.org/search?query=" + quote("2 Mill Lane, Riverside", safe="")
    )


# --- searching by place and course ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "found"),
    [
        ("Riverside", ["Spring group"]),  # the site's name and the town in the address
        ("hillside health board", ["Hillside workshop"]),  # the site's name, any case
        ("Hilltown", ["Hillside workshop"]),  # a town in the venue's address
        ("market square, hilltown", ["Hillside workshop"]),  # address words, with a comma
        ("Hilltown Surgery", ["Hillside workshop"]),  # the venue's name
        ("RV1", ["Spring group"]),  # a postcode district
        ("rv1 1aa", ["Spring group"]),  # a whole postcode, lower case
        ("RV11AA", ["Spring group"]),  # without the space
        ("  HL4   2BB ", ["Hillside workshop"]),  # extra spaces (the venue wrote "hl4 2bb")
        ("HL4 9ZZ", ["Hillside workshop"]),  # another postcode in the same district
        ("RV10", []),  # another district, though it starts with RV1
        ("Riverside Hilltown", []),  # every word must match
    ],
)
def test_a_place_matches_a_site_a_town_an_address_or_a_postcode_district(
    client, run, hillside_run, place, found
):
    response = client.get("/courses/", {"place": place})

    assert response.status_code == 200
    assert sorted(titles(response.text)) == found


def test_rv1_does_not_find_a_venue_in_district_rv10(client, run):
    open_run(
        site=run.site,
        programme=run.programme,
        title="Tenth district",
        name="Far Hall",
        address="Far Road",
        postcode="RV10 3CD",
    )

    assert titles(client.get("/courses/", {"place": "RV1"}).text) == ["Spring group"]
    assert titles(client.get("/courses/", {"place": "rv10"}).text) == ["Tenth district"]


@pytest.mark.parametrize(
    ("text", "district"),
    [("RV1", "RV1"), ("rv1 1aa", "RV1"), ("EH12 9AB", "EH12"), ("W1A 1AA", "W1A"),
     ("M1", "M1"), ("Riverside", None), ("1AA", None), ("RV1 1A", None)],
)  # fmt: skip
def test_postcode_district(text, district):
    assert finder.postcode_district(text) == district


def test_the_course_filter_and_the_place_combine(client, run, hillside_run, programmes):
    patient = str(programmes["patient"].pk)
    professional = str(programmes["professional"].pk)

    assert titles(client.get("/courses/", {"programme": patient}).text) == ["Spring group"]
    assert titles(client.get("/courses/", {"programme": professional}).text) == [
        "Hillside workshop"
    ]
    html = client.get("/courses/", {"programme": professional, "place": "Hilltown"}).text
    assert titles(html) == ["Hillside workshop"]
    assert "1 course you can book near Hilltown for Working in Partnership" in html
    html = client.get("/courses/", {"programme": patient, "place": "Hilltown"}).text
    assert titles(html) == []
    assert "No courses near Hilltown for Moving on Together" in html


def test_no_match_says_so_and_offers_a_wider_search(client, run):
    response = client.get("/courses/", {"place": "Nowhere"})

    assert response.status_code == 200
    assert "No courses near Nowhere" in response.text
    assert "Try a wider area" in response.text
    assert '<a href="/courses/">see all courses</a>' in response.text


def test_the_search_keeps_to_each_page(client, run, programmes):
    for number in range(12):
        open_run(site=run.site, programme=programmes["patient"], title=f"Group {number}")

    first = client.get("/courses/", {"place": "Riverside"}).text
    second = client.get("/courses/", {"place": "Riverside", "page": 2}).text

    assert "13 courses you can book near Riverside" in first
    assert len(titles(first)) == finder.RUNS_PER_PAGE
    assert len(titles(second)) == 13 - finder.RUNS_PER_PAGE
    assert "?place=Riverside&amp;page=2" in first


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"place": "R" * 101}, PLACE_TOO_LONG),
        ({"place": "River\x07side"}, CONTROL_CHARACTERS),
        ({"place": "River\nside"}, CONTROL_CHARACTERS),
        ({"programme": "not-a-number"}, "Select a valid choice."),
        ({"programme": "99999999999999999999"}, "Select a valid choice."),
        ({"place": ["a", "b"], "page": "-3"}, None),
        ({"page": "x"}, None),
        ({"site": "riverside"}, None),  # the old filter, no longer asked: ignored
    ],
)
def test_bad_input_gets_a_message_and_never_fails(client, run, query, message):
    response = client.get("/courses/", query)

    assert response.status_code == 200
    if message:
        assert "There is a problem" in response.text
        assert message.replace("'", "&#x27;") in response.text
        # What was refused is left out: the courses are listed as if it had not been typed.
        assert titles(response.text) == ["Spring group"]


def test_the_place_box_says_what_to_type(client, run):
    html = client.get("/courses/").text

    assert '<label class="nhsuk-label" for="id_place">' in html
    assert "Town, postcode or site" in html
    assert 'maxlength="100"' in html


# --- a course's page -----------------------------------------------------------------------------


def test_anyone_can_find_a_course_and_see_its_page(client, run):
    assert client.get("/courses/").status_code == 200
    html = client.get(f"/courses/{run.pk}/").text

    assert "For people living with a long-term condition" in html
    assert "2 places left out of 2." in html
    assert "Map of Riverside Library (OpenStreetMap)" in html
    assert "Book a place" not in html  # the button, for trainees only
    assert '<form method="post"' not in html


def test_a_visitor_is_asked_to_sign_in_or_create_an_account_and_come_back(client, run):
    html = client.get(f"/courses/{run.pk}/").text
    back = f"/courses/{run.pk}/"

    assert f'href="/accounts/login/?next={back}">Sign in to book</a>' in html
    assert f'href="/accounts/signup/?next={back}">Create an account</a>' in html


def test_signing_in_from_a_course_comes_back_to_it(client, run):
    person = trainee()
    url = f"/courses/{run.pk}/"

    response = client.post(
        f"/accounts/login/?next={quote(url)}",
        {"login": person.email, "password": PASSWORD, "next": url},
    )

    assert response.status_code == 302
    assert response["Location"] == url
    assert f'href="/courses/{run.pk}/book/">Book a place</a>' in client.get(url).text


SIGNUP = {
    "first_name": "Jean",
    "last_name": "Murray",
    "audience": "condition",
    "email": "jean.murray@example.com",
    "password1": "rivers-and-hills-42",
    "password2": "rivers-and-hills-42",
}


def confirmation_link(message):
    return re.search(r"http://testserver(/accounts/\S+)", message.body).group(1)


def test_signing_up_from_a_course_comes_back_to_it_after_the_email_check(client, run):
    url = f"/courses/{run.pk}/"
    form = client.get(f"/accounts/signup/?next={quote(url)}").text
    assert f'<input type="hidden" name="next" value="{url}">' in form

    client.post(f"/accounts/signup/?next={quote(url)}", {**SIGNUP, "next": url})
    link = confirmation_link(mail.outbox[0])
    response = client.post(link, {"next": url})

    assert response.status_code == 302
    assert response["Location"] == url
    assert "Book a place" in client.get(url).text


def test_the_email_check_opened_elsewhere_still_comes_back_to_the_course(client, run):
    url = f"/courses/{run.pk}/"
    client.post(f"/accounts/signup/?next={quote(url)}", {**SIGNUP, "next": url})
    link = confirmation_link(mail.outbox[0])
    assert link.endswith(f"?next={quote(url, safe='')}")

    elsewhere = Client()
    page = elsewhere.get(link).text
    assert f'<input type="hidden" name="next" value="{url}">' in page
    response = elsewhere.post(link, {"next": url})

    assert response["Location"] == url
    assert "Sign in to book" in elsewhere.get(url).text


def test_signing_up_elsewhere_than_a_course_still_lands_on_my_learning(client, home_page):
    client.post("/accounts/signup/", SIGNUP)
    link = confirmation_link(mail.outbox[0])

    assert "next=" not in link
    assert client.post(link)["Location"] == "/learn/"


def test_a_trainee_sees_their_own_place_in_the_list_and_on_the_page(client, run):
    person = trainee()
    Enrolment.objects.create(trainee=person, run=run, site=run.site)
    client.force_login(person)

    assert "You have a place" in client.get("/courses/").text
    assert "You have a place on this course." in client.get(f"/courses/{run.pk}/").text
    assert "You have a place" not in Client().get("/courses/").text


def test_staff_see_the_course_but_are_not_offered_a_booking(client, run, people):
    client.force_login(people["lead"])

    html = client.get(f"/courses/{run.pk}/").text

    assert "2 places left out of 2." in html
    assert "Your account is for teaching or running courses" in html
    assert "Sign in to book" not in html and "Book a place" not in html


def test_booking_still_needs_a_signed_in_trainee(client, run):
    response = client.post(f"/courses/{run.pk}/book/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("status", [CourseRun.Status.PLANNING, CourseRun.Status.CANCELLED])
def test_a_run_not_open_has_no_public_page(client, run, status):
    run.status = status
    run.save()

    assert client.get(f"/courses/{run.pk}/").status_code == 404
    assert client.get("/courses/999999/").status_code == 404


def test_a_full_course_page_offers_the_waiting_list(client, run):
    for _ in range(2):
        Enrolment.objects.create(trainee=trainee(), run=run, site=run.site)

    anonymous = client.get(f"/courses/{run.pk}/").text
    client.force_login(trainee())
    signed_in = client.get(f"/courses/{run.pk}/").text

    assert "This course is full. You can join the waiting list" in anonymous
    assert "To join the waiting list, sign in or create an account." in anonymous
    assert f'href="/courses/{run.pk}/book/">Join the waiting list</a>' in signed_in


# --- from the curriculum pages --------------------------------------------------------------------


def test_programme_and_module_pages_link_to_their_dates(client, programmes):
    from cms.curricula.vocabulary import Theme
    from cms.models import ModulePage

    programme = programmes["patient"]
    module = programme.add_child(
        instance=ModulePage(title="Setting the agenda", theme=Theme.AGENDA_SETTING, summary="A.")
    )
    link = f'href="/courses/?programme={programme.pk}">Find a date for Moving on Together</a>'

    assert link in client.get(programme.url).text
    assert link in client.get(module.url).text


def test_the_home_page_links_to_the_course_finder(client, programmes):
    html = client.get("/").text

    assert '<a class="nhsuk-link" href="/courses/">Find a course near you</a>' in html


# --- queries ---------------------------------------------------------------------------------------


def more_runs(site, programme, count):
    for number in range(count):
        run = open_run(
            site=site, programme=programme, title=f"Group {number}", sessions=2, postcode="RV1 2CD"
        )
        Enrolment.objects.create(trainee=trainee(), run=run, site=site)


@pytest.mark.parametrize("who", ["anonymous", "trainee"])
@pytest.mark.parametrize("query", [{}, {"place": "RV1"}, {"place": "Riverside"}])
def test_the_finder_has_a_fixed_number_of_queries_as_runs_grow(client, run, programmes, who, query):
    if who == "trainee":
        client.force_login(trainee())
    more_runs(run.site, programmes["patient"], 2)
    client.get("/courses/", query)
    with CaptureQueriesContext(connection) as three_runs:
        assert len(titles(client.get("/courses/", query).text)) == 3

    more_runs(run.site, programmes["patient"], 12)
    with CaptureQueriesContext(connection) as fifteen_runs:
        assert len(titles(client.get("/courses/", query).text)) == finder.RUNS_PER_PAGE

    assert len(fifteen_runs) == len(three_runs)


@pytest.mark.parametrize("who", ["anonymous", "trainee"])
def test_a_course_page_has_a_fixed_number_of_queries_for_anyone(client, run, workshop, who):
    if who == "trainee":
        client.force_login(trainee())
    url = f"/courses/{run.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as three_sessions:
        client.get(url)
    for number in range(4, 12):
        SessionFactory(run=run, number=number, venue=VenueFactory(site=run.site))
    with CaptureQueriesContext(connection) as eleven_sessions:
        client.get(url)

    assert len(eleven_sessions) == len(three_sessions)
