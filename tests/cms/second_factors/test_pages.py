"""allauth's two-step sign-in pages in the project's look and words, under the strict CSP: no
inline script (the security-key pages load allauth's static JavaScript and read JSON data)."""

import re

import pytest

from cms.roles import Role
from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.django_db

JARGON = ["Two-Factor", "two-factor", "Authentication", "MFA", "TOTP", "WebAuthn", "Deactivate"]


def h1_of(html):
    return re.sub(r"\s+", " ", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)).strip()


def inline_scripts(html):
    """Script elements that would run: no src, and not a JSON data block."""
    return [
        tag
        for tag in re.findall(r"<script\b[^>]*>", html)
        if "src=" not in tag and 'type="application/json"' not in tag
    ]


def confirmed(client, person):
    """Signed in and just confirmed with the password, as allauth asks before adding a factor."""
    client.force_login(person)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    return client


@pytest.mark.parametrize(
    ("url", "heading", "who"),
    [
        ("/accounts/2fa/", "Two-step sign-in", "trainee"),
        ("/accounts/2fa/totp/activate/", "Set up an authenticator app", "trainee"),
        ("/accounts/2fa/webauthn/add/", "Add a security key", "trainee"),
        ("/accounts/2fa/webauthn/", "Your security keys", "trainee"),
        ("/accounts/2fa/recovery-codes/", "Your recovery codes", "lead"),
        ("/accounts/2fa/recovery-codes/generate/", "Make new recovery codes", "lead"),
        ("/accounts/2fa/totp/deactivate/", "Stop using the authenticator app", "lead"),
        ("/accounts/2fa/reauthenticate/", "Confirm it is you", "lead"),
    ],
)
def test_the_pages_speak_plainly_in_nhs_markup_without_inline_script(
    client, home_page, url, heading, who
):
    roles = [Role.TRAINEE.value] if who == "trainee" else [Role.PROGRAMME_LEAD.value]
    confirmed(client, UserFactory(roles=roles))

    response = client.get(url)

    assert response.status_code == 200
    assert h1_of(response.text) == heading
    assert re.search(r"<title>\s*" + re.escape(heading), response.text)
    assert "nhsuk-header" in response.text
    body = response.text.split("<main", 1)[1]
    assert [word for word in JARGON if word in body] == []
    assert inline_scripts(response.text) == []
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_code_page_offers_a_security_key_with_static_script_only(client, home_page):
    lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value])
    client.post("/accounts/login/", {"login": lead.email, "password": PASSWORD})

    response = client.get("/accounts/2fa/authenticate/")

    assert h1_of(response.text) == "Enter your code"
    assert "Use a security key" in response.text
    assert '<script src="/static/mfa/js/webauthn.js"' in response.text
    assert 'id="js_data" type="application/json"' in response.text
    assert inline_scripts(response.text) == []


def test_the_set_up_page_shows_the_qr_code_and_the_key(client, home_page):
    confirmed(client, UserFactory(roles=[Role.TRAINEE.value]))

    response = client.get("/accounts/2fa/totp/activate/")

    assert 'src="data:image/svg+xml' in response.text
    assert re.search(r'id="authenticator_secret" value="[A-Z2-7]{32}"', response.text)
    assert 'autocomplete="one-time-code"' in response.text


def test_setting_up_the_app_gives_recovery_codes(client, home_page):
    trainee = UserFactory(roles=[Role.TRAINEE.value])
    confirmed(client, trainee)
    page = client.get("/accounts/2fa/totp/activate/")
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page.text).group(1)

    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})

    assert done["Location"] == "/accounts/2fa/recovery-codes/"
    codes = client.get(done["Location"])
    assert "Keep them safe" in codes.text
    textarea = codes.text.split("<textarea", 1)[1].split(">", 1)[1].split("</textarea>")[0]
    assert len(textarea.split()) == 10
    assert all(re.fullmatch(r"\d{8}", code) for code in textarea.split())


def test_the_account_page_links_to_two_step_sign_in(client, home_page, people):
    client.force_login(people["lead"])

    page = client.get("/account/")

    assert 'href="/accounts/2fa/"' in page.text
    assert "On: you sign in with your password and a code" in page.text


def test_the_account_page_says_a_lead_without_one_must_set_it_up(client, home_page, riverside):
    client.force_login(UserFactory(roles=[Role.PROGRAMME_LEAD.value], second_factor=False))

    page = client.get("/account/")

    assert "You must set it up" in page.text
    assert "programme lead" in page.text
