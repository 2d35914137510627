"""Leads, site administrators and system administrators without a second factor are sent to set
one up from every page but their account, the set-up pages and the public ones
(cms.middleware.SecondFactorRequiredMiddleware, the rule in cms.roles)."""

from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages

from cms.middleware import SECOND_FACTOR_NEEDED
from cms.roles import Role, has_second_factor, must_set_up_second_factor, roles_of
from tests.factories import PASSWORD, UserFactory, totp_give

pytestmark = pytest.mark.django_db

SETUP = "/accounts/2fa/"

STOPPED_AT = [
    "/sites/",
    "/sites/riverside/",
    "/sites/riverside/reflections/",
    "/programme/",
    "/programme/export/attendance.csv",
    "/learn/progress/",
    "/admin/",
    "/admin/pages/",
    "/teach/",
    "/learn/",
]
OPEN_TO_THEM = [
    "/",
    "/courses/",
    "/certificates/",
    "/account/",
    "/account/name/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/add/",
    "/accounts/logout/",
    "/accounts/email/",
    "/healthz",
]


def without_factor(role, riverside):
    from tests.factories import SiteMembershipFactory

    person = UserFactory(roles=[role.value], second_factor=False)
    SiteMembershipFactory(site=riverside, user=person)
    return person


@pytest.mark.parametrize("role", [Role.PROGRAMME_LEAD, Role.SITE_ADMINISTRATOR])
@pytest.mark.parametrize("url", STOPPED_AT)
def test_leads_and_administrators_without_a_factor_are_sent_to_set_one_up(
    client, home_page, riverside, role, url
):
    client.force_login(without_factor(role, riverside))

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == SETUP
    assert [str(m) for m in get_messages(response.wsgi_request)] == [SECOND_FACTOR_NEEDED]


@pytest.mark.parametrize("url", ["/programme/", "/admin/", "/admin/users/", "/sites/"])
def test_system_administrators_without_a_factor_are_sent_to_set_one_up(client, home_page, url):
    client.force_login(UserFactory(is_superuser=True, is_staff=True, second_factor=False))

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == SETUP


def test_a_form_posted_without_a_factor_changes_nothing_and_is_sent_to_set_up(
    client, home_page, riverside
):
    lead = without_factor(Role.PROGRAMME_LEAD, riverside)
    client.force_login(lead)

    response = client.post("/sites/riverside/contact/", {"phone": "0000", "email": "x@y.org"})

    assert response["Location"] == SETUP
    riverside.refresh_from_db()
    assert riverside.contact_email != "x@y.org"


@pytest.mark.parametrize("url", OPEN_TO_THEM)
def test_their_account_set_up_and_public_pages_stay_open(client, home_page, riverside, url):
    lead = without_factor(Role.PROGRAMME_LEAD, riverside)
    # Signed in with their password just now, so the set-up pages do not ask for it again.
    client.post("/accounts/login/", {"login": lead.email, "password": PASSWORD})

    response = client.get(url)

    # Adding a factor asks for the password once more (allauth's reauthentication), even just
    # after signing in; that page is allauth's and open to them too.
    if url in {"/accounts/2fa/totp/activate/", "/accounts/2fa/webauthn/add/"}:
        assert response["Location"] == f"/accounts/reauthenticate/?next={quote(url, safe='')}"
        response = client.get(response["Location"])
    assert response.status_code == 200, response.get("Location")


def test_the_set_up_page_says_why_in_plain_words(client, home_page, riverside):
    client.force_login(without_factor(Role.PROGRAMME_LEAD, riverside))

    page = client.get("/programme/", follow=True)

    assert page.redirect_chain == [(SETUP, 302)]
    assert SECOND_FACTOR_NEEDED in page.text
    assert "Set up an authenticator app" in page.text
    assert "Add a security key" in page.text


def test_with_a_factor_they_go_on_as_before(client, home_page, people):
    client.force_login(people["lead"])

    assert client.get("/sites/").status_code == 200
    assert client.get("/programme/").status_code == 200


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.LAY_TUTOR, Role.CLINICAL_TUTOR])
def test_tutors_and_trainees_may_set_one_up_but_need_not(client, home_page, riverside, role):
    person = without_factor(role, riverside)
    client.force_login(person)

    assert not must_set_up_second_factor(person)
    landing = "/learn/" if role == Role.TRAINEE else "/teach/"
    assert client.get(landing).status_code == 200
    assert client.get(SETUP).status_code == 200


def test_recovery_codes_alone_are_not_a_second_factor(riverside):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    lead = without_factor(Role.PROGRAMME_LEAD, riverside)
    RecoveryCodes.activate(lead)

    assert must_set_up_second_factor(lead)


def test_the_roles_and_the_factor_are_read_in_one_query(django_assert_num_queries, riverside):
    lead = without_factor(Role.PROGRAMME_LEAD, riverside)
    totp_give(lead)
    fresh = type(lead).objects.get(pk=lead.pk)

    with django_assert_num_queries(1):
        assert roles_of(fresh) == {Role.PROGRAMME_LEAD}
        assert has_second_factor(fresh)
        assert not must_set_up_second_factor(fresh)


def test_someone_with_no_role_has_no_roles_and_no_factor(db):
    person = UserFactory(second_factor=False)

    assert roles_of(person) == frozenset()
    assert not has_second_factor(person)
    assert not must_set_up_second_factor(person)


def test_the_factories_give_leads_administrators_and_superusers_a_factor(people):
    boss = UserFactory(is_superuser=True)

    assert has_second_factor(people["lead"])
    assert has_second_factor(people["site_admin"])
    assert has_second_factor(boss)
    assert not has_second_factor(people["trainee"])
