import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from cms.roles import Role
from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Jean",
    "last_name": "Murray",
    "audience": "condition",
    "email": "Jean.Murray@Example.com",
    "password1": "rivers-and-hills-42",
    "password2": "rivers-and-hills-42",
}


def link_in(message):
    return re.search(r"http://testserver(/accounts/\S+/)", message.body).group(1)


def test_sign_up_sends_a_verification_email_and_makes_a_trainee(client, home_page):
    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = get_user_model().objects.get(email="jean.murray@example.com")
    assert (user.first_name, user.last_name) == ("Jean", "Murray")
    assert user.audience == "condition"
    assert list(user.groups.values_list("name", flat=True)) == [Role.TRAINEE.value]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jean.murray@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_sign_up_asks_who_the_person_is_and_refuses_without_an_answer(client, home_page):
    response = client.post("/accounts/signup/", {**SIGNUP, "audience": ""})

    assert response.status_code == 200
    assert "Choose which of these describes you." in response.text
    assert not get_user_model().objects.filter(email="jean.murray@example.com").exists()


def test_unverified_person_cannot_sign_in_until_they_verify(client, home_page):
    client.post("/accounts/signup/", SIGNUP)
    client.logout()

    response = client.post(
        "/accounts/login/", {"login": "jean.murray@example.com", "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session

    confirm_url = link_in(mail.outbox[0])
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert response["Location"] == "/learn/"
    assert client.session["_auth_user_id"] == str(
        get_user_model().objects.get(email="jean.murray@example.com").pk
    )


def test_sign_up_with_a_missing_name_says_so_and_creates_nobody(client, home_page):
    response = client.post("/accounts/signup/", {**SIGNUP, "first_name": ""})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'href="#id_first_name"' in response.text
    assert not get_user_model().objects.exists()
    assert mail.outbox == []


def test_sign_up_with_a_taken_email_creates_nobody_and_tells_the_owner(client, home_page):
    # Whether an address has an account is private: the page looks the same as for a new
    # person, and the owner gets an email instead of a second account being made.
    UserFactory(email="jean.murray@example.com")

    response = client.post("/accounts/signup/", SIGNUP)

    assert response["Location"] == "/accounts/confirm-email/"
    assert get_user_model().objects.count() == 1
    assert len(mail.outbox) == 1
    assert "already" in mail.outbox[0].body


def test_password_reset_by_email(client, home_page):
    user = UserFactory(email="reset@example.com")

    response = client.post("/accounts/password/reset/", {"email": "reset@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1

    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 302  # allauth moves the key out of the address bar
    set_password_url = response["Location"]
    response = client.post(
        set_password_url,
        {"password1": "new-password-for-jean", "password2": "new-password-for-jean"},
    )
    assert response.status_code == 302

    user.refresh_from_db()
    assert user.check_password("new-password-for-jean")


def test_login_is_rate_limited_after_repeated_failures(client, home_page):
    UserFactory(email="target@example.com")
    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"login": "target@example.com", "password": "wrong"}
        )
        assert "The email address and/or password you specified are not correct." in response.text

    response = client.post(
        "/accounts/login/", {"login": "target@example.com", "password": PASSWORD}
    )

    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts. Try again later." in response.text


def test_sign_out_needs_a_post(client, home_page):
    user = UserFactory()
    client.force_login(user)

    client.get("/accounts/logout/")
    assert "_auth_user_id" in client.session

    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("roles", "landing"),
    [
        ([Role.PROGRAMME_LEAD], "/sites/"),
        ([Role.SITE_ADMINISTRATOR], "/sites/"),
        ([Role.LAY_TUTOR], "/teach/"),
        ([Role.CLINICAL_TUTOR], "/teach/"),
        ([Role.TRAINEE], "/learn/"),
        ([Role.TRAINEE, Role.LAY_TUTOR], "/teach/"),
        ([], "/"),
    ],
)
def test_each_role_lands_on_its_own_page_after_signing_in(client, home_page, roles, landing):
    UserFactory(email="someone@example.com", roles=[role.value for role in roles])

    response = client.post(
        "/accounts/login/", {"login": "someone@example.com", "password": PASSWORD}
    )
    if response["Location"] == "/accounts/2fa/authenticate/":
        # Leads and administrators have a second factor (tests/factories.py): the code first.
        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})

    assert response.status_code == 302
    assert response["Location"] == landing


def test_a_next_address_wins_over_the_role_landing(client, home_page):
    UserFactory(email="lead2@example.com", roles=[Role.PROGRAMME_LEAD.value])

    response = client.post(
        "/accounts/login/?next=/accounts/email/",
        {"login": "lead2@example.com", "password": PASSWORD, "next": "/accounts/email/"},
    )
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})

    assert response["Location"] == "/accounts/email/"
