"""The erasure pages (cms/privacy/views.py): a person erases their own account after entering
their password again; a system administrator erases a person for a written request. Refusals
are shown, and nothing changes."""

import pytest

from cms.models import PersonErasure
from cms.privacy import forms
from cms.privacy.erasure import ERASED_NAME, SYSTEM_ADMINISTRATOR
from courses.models import Session
from tests.factories import PASSWORD, UserFactory

ERASE = "/account/erase/"
STAFF = "/privacy/erase-person/"


def sign_in(client, person):
    """Signed in, then the password entered again on allauth's "Confirm it is you" page, as the
    erasure page asks."""
    client.force_login(person)
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD, "next": ERASE})
    assert response.status_code == 302 and response["Location"] == ERASE


def test_erasing_needs_the_password_again(client, people):
    client.force_login(people["trainee"])
    response = client.get(ERASE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_a_person_erases_their_own_account(client, people):
    person = people["trainee"]
    sign_in(client, person)

    page = client.get(ERASE)
    assert page.status_code == 200
    assert "What goes" in page.text and "What stays, without a name" in page.text
    assert "offered to the next person waiting" in page.text
    refused = client.post(ERASE, {})
    assert refused.status_code == 400
    assert "Tick the box to say you understand" in refused.text

    done = client.post(ERASE, {"confirm": "on"})

    assert done.status_code == 302 and done["Location"] == "/account/erased/"
    person.refresh_from_db()
    assert person.first_name == ERASED_NAME and not person.is_active
    record = PersonErasure.objects.get()
    assert record.by_themselves and record.erased_by is None
    assert client.get("/account/").status_code == 302  # signed out
    assert "Your account has been erased" in client.get("/account/erased/").text


def test_a_tutor_with_sessions_to_come_is_told_what_to_hand_over(client, workshop):
    tutor = workshop["lay"]
    Session.objects.filter(pk=workshop["sessions"][0].pk).update(lay_tutor=tutor)
    sign_in(client, tutor.user)

    page = client.get(ERASE)
    assert "Your account cannot be erased yet" in page.text
    assert "give these sessions to another tutor first" in page.text
    assert 'name="confirm"' not in page.text
    assert client.post(ERASE, {"confirm": "on"}).status_code == 400
    tutor.user.refresh_from_db()
    assert tutor.user.is_active
    assert not PersonErasure.objects.exists()


@pytest.fixture
def administrator(db):
    return UserFactory(is_superuser=True, is_staff=True)


def test_only_system_administrators_erase_others(client, people):
    client.force_login(people["site_admin"])
    assert client.get(STAFF).status_code == 403
    assert client.post(STAFF, {"email": people["trainee"].email}).status_code == 403
    people["trainee"].refresh_from_db()
    assert people["trainee"].is_active


def test_a_system_administrator_erases_a_person_for_a_written_request(
    client, people, administrator
):
    client.force_login(administrator)
    assert client.get(STAFF).status_code == 200

    unknown = client.post(
        STAFF, {"email": "nobody@example.com", "reason": "Letter", "confirm": "on"}
    )
    assert unknown.status_code == 400 and forms.NO_SUCH_PERSON in unknown.text
    unconfirmed = client.post(STAFF, {"email": people["trainee"].email, "reason": "Letter"})
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm you checked the request." in unconfirmed.text

    done = client.post(
        STAFF,
        {"email": people["trainee"].email, "reason": "Letter of 1 March", "confirm": "on"},
    )

    assert done.status_code == 302
    record = PersonErasure.objects.get()
    assert record.erased_by == administrator and record.reason == "Letter of 1 March"
    assert not record.by_themselves


def test_a_system_administrator_cannot_be_erased_from_the_page(client, administrator):
    other = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(administrator)
    response = client.post(STAFF, {"email": other.email, "reason": "Letter", "confirm": "on"})
    assert response.status_code == 400
    assert "system administrator rights" in response.text
    assert SYSTEM_ADMINISTRATOR.startswith("This person is a system administrator")
    assert not PersonErasure.objects.exists()


def test_the_account_page_links_to_erasure(client, people):
    client.force_login(people["trainee"])
    assert f'href="{ERASE}"' in client.get("/account/").text


def test_the_admin_logs_are_for_system_administrators(client, people, administrator):
    client.force_login(administrator)
    assert client.get("/admin/people_erased/").status_code == 200
    assert client.get("/admin/retention_runs/").status_code == 200
    assert "Erase a person" in client.get("/admin/").text
