"""The account page: a person's name, email, password, who they are and how we contact them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Phase, Response
from cms.account.views import AUDIENCE_CHANGED, NAME_CHANGED
from cms.curricula.files import parse_curricula
from cms.curricula.loading import curricula_load
from cms.models import Audience, LessonPage, ModulePage
from cms.roles import Role
from cms.validation import (
    AUDIENCE_REQUIRED,
    CONTROL_CHARACTERS,
    FIRST_NAME_REQUIRED,
    LAST_NAME_REQUIRED,
)
from courses.elearning import services as elearning
from tests.assessments.curricula_builders import MODULE_FOLDER, elearning_curriculum
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(home_page):
    return UserFactory(
        email="jean.murray@example.com",
        first_name="Jean",
        last_name="Murray",
        audience=Audience.CONDITION,
        roles=[Role.TRAINEE.value],
    )


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_the_account_page_shows_name_email_and_who_you_are(client, person):
    client.force_login(person)

    response = client.get("/account/")

    assert response.status_code == 200
    html = response.text
    assert "<h1" in html and "Your account" in html
    assert "Jean Murray" in html
    assert html.count("jean.murray@example.com") == 2  # the address, and how we contact you
    assert "By email at jean.murray@example.com" in html
    assert "I live with a long-term condition" in html
    assert "others for people who work in health or care" in html
    assert 'href="/account/name/"' in html
    assert 'href="/accounts/email/"' in html
    assert 'href="/accounts/password/change/"' in html
    assert 'href="/account/who-you-are/"' in html
    # Nothing about reflections for someone who has never answered one.
    assert "/reflections/download/" not in html


def test_someone_who_has_not_said_who_they_are_is_asked_to(client, person):
    person.audience = ""
    person.save()
    client.force_login(person)

    html = client.get("/account/").text

    assert "You have not told us yet." in html
    assert "Tell us<span" in html
    assert "Tell us who you are" in client.get("/account/who-you-are/").text


def test_the_header_links_to_the_account_page(client, person):
    client.force_login(person)

    html = client.get("/account/").text

    assert '<a class="nhsuk-header__navigation-link" href="/account/"' in html or (
        'href="/account/">Your account' in html
    )


def test_someone_not_signed_in_is_sent_to_sign_in(client, home_page):
    for url in ["/account/", "/account/name/", "/account/who-you-are/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_changing_the_name_is_saved_and_said(client, person):
    client.force_login(person)

    response = client.post(
        "/account/name/", {"first_name": "  Jeanie ", "last_name": "Murray-Reid"}, follow=True
    )

    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("Jeanie", "Murray-Reid")
    assert response.redirect_chain == [("/account/", 302)]
    assert messages_of(response) == [NAME_CHANGED]
    assert "Jeanie Murray-Reid" in response.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"first_name": "", "last_name": "Murray"}, "first_name", FIRST_NAME_REQUIRED),
        ({"first_name": "Jean", "last_name": "   "}, "last_name", LAST_NAME_REQUIRED),
        ({"first_name": "Jean\nX", "last_name": "Murray"}, "first_name", CONTROL_CHARACTERS),
        ({"first_name": "J" * 151, "last_name": "Murray"}, "first_name", "at most 150"),
    ],
)
def test_a_bad_name_is_refused_with_a_message_and_changes_nothing(
    client, person, data, field, message
):
    client.force_login(person)

    response = client.post("/account/name/", data)

    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert f'href="#id_{field}"' in response.text
    assert message in response.text
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("Jean", "Murray")


def test_the_name_form_starts_with_the_current_name(client, person):
    client.force_login(person)

    html = client.get("/account/name/").text

    assert 'value="Jean"' in html and 'value="Murray"' in html
    assert 'autocomplete="given-name"' in html


def test_a_new_name_goes_on_certificates_issued_from_then_on(client, person, tmp_path, authors):
    root = elearning_curriculum(tmp_path / "curricula", lessons=1, check="")
    assert (root / MODULE_FOLDER).exists()
    curricula_load(programmes=parse_curricula(root))
    module = ModulePage.objects.get(slug="preparing")
    lesson = LessonPage.objects.child_of(module).get()
    client.force_login(person)
    client.post("/account/name/", {"first_name": "Jeanie", "last_name": "Reid"})

    person.refresh_from_db()
    enrolment = elearning.enrolment_create(trainee=person, module_id=module.pk)
    elearning.lesson_complete(enrolment=enrolment, lesson_id=lesson.pk)

    enrolment.refresh_from_db()
    assert enrolment.certificate.holder_name == "Jeanie Reid"


def test_changing_who_you_are(client, person):
    client.force_login(person)

    page = client.get("/account/who-you-are/").text
    assert 'value="condition" id="id_audience" checked' in page
    assert "Both: I live with a long-term condition and work in health or care" in page

    response = client.post("/account/who-you-are/", {"audience": "both"}, follow=True)

    person.refresh_from_db()
    assert person.audience == Audience.BOTH
    assert messages_of(response) == [AUDIENCE_CHANGED]
    assert person.is_in_group_of("professional")


@pytest.mark.parametrize("audience", ["", "nobody", "Professional"])
def test_a_missing_or_forged_choice_of_who_you_are_changes_nothing(client, person, audience):
    client.force_login(person)

    response = client.post("/account/who-you-are/", {"audience": audience})

    assert response.status_code == 400
    assert 'href="#id_audience"' in response.text
    if not audience:
        assert AUDIENCE_REQUIRED in response.text
    person.refresh_from_db()
    assert person.audience == Audience.CONDITION


def test_the_reflections_links_show_only_for_people_who_have_answered(client, person):
    client.force_login(person)
    assert "/reflections/download/" not in client.get("/account/").text

    before = administration(version_with_items(), Phase.BEFORE, UserFactory())
    Response.objects.create(administration=before, respondent=person)  # a draft is enough
    html = client.get("/account/").text

    assert "Your reflections" in html
    assert 'href="/reflections/download/"' in html
    assert 'href="/reflections/erase/"' in html


def test_the_account_page_costs_the_same_number_of_queries_as_data_grows(client, person):
    client.force_login(person)
    client.get("/account/")  # the session and the person's groups are read once warm

    with CaptureQueriesContext(connection) as few:
        client.get("/account/")
    for number in range(5):
        UserFactory(email=f"other{number}@example.com")

    with CaptureQueriesContext(connection) as more:
        client.get("/account/")

    assert len(more) == len(few)
    assert len(few) <= 6
