"""Signing in with the organisation's account, end to end against a real OpenID Connect
provider (tests/oidc_provider) over HTTP: nothing of allauth is mocked."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core import mail

from cms.roles import roles_of
from cms.sso import linking
from cms.validation import AUDIENCE_REQUIRED
from tests.cms.sso.conftest import PROVIDER_ID, PROVIDER_NAME, oidc_app, sso_sign_in
from tests.factories import PASSWORD, UserFactory
from tests.sso_provider import free_port

pytestmark = pytest.mark.django_db

User = get_user_model()


def signed_in_user(client):
    return User.objects.get(pk=client.session["_auth_user_id"])


def finish_sign_up(client, **answers):
    return client.post(
        "/accounts/3rdparty/signup/",
        {
            "email": "clinician@nhs.example",
            "first_name": "Aileen",
            "last_name": "Brodie",
            "audience": "professional",
            **answers,
        },
    )


def code_sent_to(email):
    (message,) = [message for message in mail.outbox if message.to == [email]]
    return re.search(r"^(\d{6})$", message.body, re.MULTILINE).group(1)


def test_first_sign_in_asks_who_they_are_and_makes_a_trainee(client, sso):
    back = sso_sign_in(client, sso, "clinician@nhs.example")

    assert back["Location"] == "/accounts/3rdparty/signup/"
    form = client.get("/accounts/3rdparty/signup/")
    assert form.status_code == 200
    assert "Which of these describes you?" in form.text
    assert 'value="Aileen"' in form.text
    assert "You signed in with NHS Scotland account" in form.text

    done = finish_sign_up(client)

    assert done.status_code == 302
    person = signed_in_user(client)
    assert (person.email, person.first_name, person.audience) == (
        "clinician@nhs.example",
        "Aileen",
        "professional",
    )
    assert {role.value for role in roles_of(person)} == {"trainee"}
    assert not person.is_staff and not person.is_superuser
    assert not person.has_usable_password()
    assert SocialAccount.objects.get(user=person).provider == PROVIDER_ID


def test_the_sign_up_form_refuses_without_who_they_are(client, sso):
    sso_sign_in(client, sso, "clinician@nhs.example")

    refused = finish_sign_up(client, audience="")

    assert refused.status_code == 200
    assert AUDIENCE_REQUIRED in refused.text
    assert not User.objects.filter(email="clinician@nhs.example").exists()


def test_the_next_sign_in_goes_straight_in(client, sso):
    sso_sign_in(client, sso, "clinician@nhs.example")
    finish_sign_up(client)
    client.logout()

    back = sso_sign_in(client, sso, "clinician@nhs.example")

    assert back.status_code == 302
    assert back["Location"] != "/accounts/3rdparty/signup/"
    assert signed_in_user(client).email == "clinician@nhs.example"
    assert User.objects.filter(email="clinician@nhs.example").count() == 1


def test_a_matching_email_is_not_linked_until_the_code_is_typed(client, sso):
    existing = UserFactory(email="existing@nhs.example", roles=["lay tutor"])

    back = sso_sign_in(client, sso, "existing@nhs.example")

    assert back["Location"] == "/accounts/link/"
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()
    code = code_sent_to("existing@nhs.example")
    page = client.get("/accounts/link/")
    assert "You already have an account with existing@nhs.example" in page.text

    wrong = client.post("/accounts/link/", {"code": "000000" if code != "000000" else "111111"})

    assert wrong.status_code == 400
    assert linking.CODE_WRONG in wrong.text
    assert not SocialAccount.objects.exists()

    linked = client.post("/accounts/link/", {"code": code})

    assert linked.status_code == 302
    assert signed_in_user(client) == existing
    assert SocialAccount.objects.get().user == existing
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)  # the address was verified: the password stays
    # Roles are the account's own: the link gives none and takes none away.
    assert {role.value for role in roles_of(existing)} == {"lay tutor"}

    client.logout()
    again = sso_sign_in(client, sso, "existing@nhs.example")

    assert again["Location"] != "/accounts/link/"
    assert signed_in_user(client) == existing


def test_the_providers_verified_claim_does_not_link(client, sso, settings):
    # The provider says existing@ is verified (email_verified: true); allauth would sign in by
    # that claim if told to, and our settings never tell it to.
    assert settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION is False
    UserFactory(email="existing@nhs.example")

    sso_sign_in(client, sso, "existing@nhs.example")

    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()


def test_five_wrong_codes_end_the_attempt(client, sso):
    UserFactory(email="existing@nhs.example")
    sso_sign_in(client, sso, "existing@nhs.example")
    code = code_sent_to("existing@nhs.example")
    wrong = "000000" if code != "000000" else "111111"

    for _ in range(linking.MAX_ATTEMPTS - 1):
        assert client.post("/accounts/link/", {"code": wrong}).status_code == 400
    ended = client.post("/accounts/link/", {"code": wrong}, follow=True)

    assert linking.CODE_EXPIRED in ended.text
    assert client.post("/accounts/link/", {"code": code})["Location"] == "/accounts/login/"
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session


def test_an_unproven_address_loses_its_password_when_linked(client, sso):
    # Someone made an account with this address and never proved it: they may know its
    # password, so once the real owner proves the address, that password stops working.
    squatter = UserFactory(email="unverified@nhs.example", verified=False)
    sso_sign_in(client, sso, "unverified@nhs.example")

    client.post("/accounts/link/", {"code": code_sent_to("unverified@nhs.example")})

    squatter.refresh_from_db()
    assert not squatter.has_usable_password()
    assert squatter.emailaddress_set.get().verified


def test_the_link_page_without_a_sign_in_sends_to_sign_in(client, sso):
    answer = client.get("/accounts/link/", follow=True)

    assert linking.NO_LINK_PENDING in answer.text


def test_the_sign_in_page_shows_only_configured_providers(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    page = client.get("/accounts/login/")
    assert "organisation's account" not in page.text
    assert client.post(f"/accounts/oidc/{PROVIDER_ID}/login/").status_code == 404

    settings.SOCIALACCOUNT_PROVIDERS = oidc_app("http://127.0.0.1:9")
    page = client.get("/accounts/login/")

    assert "Sign in with your organisation's account" in page.text
    assert f'action="/accounts/oidc/{PROVIDER_ID}/login/?process=login"' in page.text
    assert f"Continue with {PROVIDER_NAME}" in page.text
    assert "Continue with Microsoft" not in page.text


def test_the_microsoft_button_shows_when_microsoft_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "microsoft": {"APPS": [{"client_id": "id", "secret": "s", "settings": {"tenant": "t"}}]}
    }

    page = client.get("/accounts/login/")

    assert 'action="/accounts/microsoft/login/?process=login"' in page.text
    start = client.post("/accounts/microsoft/login/")
    assert start["Location"].startswith("https://login.microsoftonline.com/t/oauth2/v2.0/")


def test_a_provider_that_is_down_gets_a_clear_message(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_app(f"http://127.0.0.1:{free_port()}")

    answer = client.post(f"/accounts/oidc/{PROVIDER_ID}/login/")

    assert answer.status_code == 502
    assert "We could not reach" in answer.text
    assert "sign in with your email address and password" in answer.text


def test_opening_a_providers_address_asks_before_leaving(client, settings):
    # A link (GET) never starts a sign-in by itself: the page asks, and its button posts.
    settings.SOCIALACCOUNT_PROVIDERS = oidc_app("http://127.0.0.1:9")

    page = client.get(f"/accounts/oidc/{PROVIDER_ID}/login/")

    assert page.status_code == 200
    assert f"Sign in with {PROVIDER_NAME}" in page.text
    assert '<form method="post"' in page.text
