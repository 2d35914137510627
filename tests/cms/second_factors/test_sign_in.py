"""Signing in with a second factor: the code is asked at every sign-in of someone who has one
(allauth's login stage, which every way of signing in passes through, single sign-on included),
and wrong codes are limited."""

import pytest
from allauth.account.utils import perform_login
from allauth.core import context
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from cms.roles import Role
from cms.second_factors.forms import TOO_MANY_CODES, WRONG_CODE
from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CODE = "/accounts/2fa/authenticate/"


def password_step(client, person):
    return client.post(LOGIN, {"login": person.email, "password": PASSWORD})


def test_the_code_is_asked_after_the_password_and_signs_in(client, home_page, riverside):
    lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value])

    first = password_step(client, lead)

    assert first["Location"] == CODE
    assert "_auth_user_id" not in client.session
    page = client.get(CODE)
    assert "Enter your code" in page.text
    assert "recovery codes" in page.text
    second = client.post(CODE, {"code": totp_code()})
    assert second["Location"] == "/sites/"
    assert client.session["_auth_user_id"] == str(lead.pk)


def test_a_wrong_code_is_refused_plainly(client, home_page):
    lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value])
    password_step(client, lead)

    response = client.post(CODE, {"code": totp_code(offset=5)})

    assert response.status_code == 200
    assert WRONG_CODE in response.text
    assert "_auth_user_id" not in client.session


def test_a_code_works_once(client, home_page):
    lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value])
    password_step(client, lead)
    client.post(CODE, {"code": totp_code()})
    client.logout()

    password_step(client, lead)
    again = client.post(CODE, {"code": totp_code()})

    assert WRONG_CODE in again.text
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(client, home_page):
    lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value])
    recovery = Authenticator.objects.get(user=lead, type=Authenticator.Type.RECOVERY_CODES)
    code = recovery.wrap().get_unused_codes()[0]
    password_step(client, lead)

    signed_in = client.post(CODE, {"code": code})
    client.logout()
    password_step(client, lead)
    reused = client.post(CODE, {"code": code})

    assert signed_in["Location"] == "/sites/"
    assert WRONG_CODE in reused.text


def test_the_sixth_wrong_code_is_refused_even_when_right(client, home_page):
    lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value])
    password_step(client, lead)
    for _ in range(5):
        wrong = client.post(CODE, {"code": "000000" if totp_code() != "000000" else "111111"})
        assert WRONG_CODE in wrong.text

    sixth = client.post(CODE, {"code": totp_code()})

    assert sixth.status_code == 200
    assert TOO_MANY_CODES in sixth.text
    assert "_auth_user_id" not in client.session


def test_trainees_with_an_app_are_asked_too(client, home_page):
    trainee = UserFactory(roles=[Role.TRAINEE.value], second_factor=True)

    assert password_step(client, trainee)["Location"] == CODE
    assert client.post(CODE, {"code": totp_code()})["Location"] == "/learn/"


def test_without_a_factor_the_password_alone_signs_in(client, home_page):
    trainee = UserFactory(roles=[Role.TRAINEE.value])

    assert password_step(client, trainee)["Location"] == "/learn/"


def test_single_sign_on_passes_the_same_code_step(home_page):
    """allauth.socialaccount (65.21) ends every social sign-in in allauth.account.utils.
    perform_login (socialaccount/internal/flows/login.py, `_login`), which runs the login stages,
    the second-factor one among them. Called as a social sign-in calls it, it stops at the code:
    no change is needed for single sign-on to ask for it."""
    lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value])
    request = RequestFactory().get("/accounts/oidc/example/login/callback/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)

    with context.request_context(request):
        response = perform_login(
            request,
            lead,
            email_verification="none",
            redirect_url="/sites/",
            signal_kwargs={"sociallogin": None},
        )

    assert response.status_code == 302
    assert response["Location"] == CODE
    assert "_auth_user_id" not in request.session
