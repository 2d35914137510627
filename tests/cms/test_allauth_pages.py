"""allauth's pages in the project's words: sentence case, plain English, one email address shown
plainly. The words come from cms/locale (English "translations" of allauth's) and a few template
overrides in templates/account/."""

import gettext
import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "cms" / "locale" / "en_GB" / "LC_MESSAGES"


def text_of(tag, html):
    return re.sub(
        r"\s+", " ", re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", html, re.S).group(1)
    ).strip()


def h1_of(html):
    return text_of("h1", html)


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accounts/login/", "Sign in"),
        ("/accounts/signup/", "Create an account"),
        ("/accounts/password/reset/", "Reset your password"),
        ("/accounts/password/reset/done/", "Reset your password"),
        ("/accounts/confirm-email/", "Check your email"),
        ("/accounts/confirm-email/not-a-key/", "Confirm your email address"),
        ("/accounts/inactive/", "This account is not active"),
    ],
)
def test_signed_out_pages_have_sentence_case_headings(client, home_page, url, heading):
    response = client.get(url)

    assert response.status_code == 200
    assert h1_of(response.text) == heading
    assert text_of("title", response.text).startswith(f"{heading} - ")


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accounts/logout/", "Sign out"),
        ("/accounts/password/change/", "Change your password"),
        ("/accounts/email/", "Your email address"),
        ("/accounts/reauthenticate/", "Confirm it is you"),
    ],
)
def test_signed_in_pages_have_sentence_case_headings(client, home_page, url, heading):
    client.force_login(UserFactory())

    response = client.get(url)

    assert response.status_code == 200
    assert h1_of(response.text) == heading
    assert 'href="/account/">Your account</a>' in response.text  # the way back


def test_buttons_and_labels_are_in_sentence_case(client, home_page):
    login = client.get("/accounts/login/").text
    assert re.search(r"<button[^>]*>\s*Sign in\s*</button>", login)
    assert "Remember me on this device" in login
    assert 'New here? <a href="/accounts/signup/">Create an account</a>.' in login
    signup = client.get("/accounts/signup/").text
    assert re.search(r"<button[^>]*>\s*Create an account\s*</button>", signup)
    reset = client.get("/accounts/password/reset/").text
    assert re.search(r"<button[^>]*>\s*Reset your password\s*</button>", reset)
    for html in (login, signup, reset):
        for title_case in ("Sign In", "Sign Up", "Reset My Password", "Remember Me"):
            assert title_case not in html


def test_one_verified_address_is_shown_plainly(client, home_page):
    person = UserFactory(email="jean@example.com")
    client.force_login(person)

    html = client.get("/accounts/email/").text

    assert "jean@example.com" in html
    assert "Add a different address" in html
    for control in ("action_primary", "action_remove", "action_send", "Make Primary", "Remove"):
        assert control not in html


def test_one_unverified_address_offers_the_verification_email_again(client, home_page):
    person = UserFactory(email="jean@example.com", verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)
    client.force_login(person)

    html = client.get("/accounts/email/").text

    assert "Not verified yet" in html
    assert 'name="action_send"' in html and "Send the verification email again" in html
    assert 'type="hidden" name="email" value="jean@example.com"' in html
    assert "action_remove" not in html and "action_primary" not in html


def test_a_second_address_brings_the_choice_of_main_address_and_removal(client, home_page):
    person = UserFactory(email="jean@example.com")
    client.force_login(person)

    response = client.post(
        "/accounts/email/", {"action_add": "", "email": "jean.work@example.com"}, follow=True
    )

    html = response.text
    assert "Your email addresses" in html
    assert "jean.work@example.com" in html and "Not verified yet" in html
    assert "Main address" in html
    assert 'name="action_primary"' in html and 'name="action_remove"' in html


def po_entries(path):
    """(context, msgid) -> msgstr from our .po file, which holds one-line entries only."""
    entries, context, msgid = {}, None, None
    for line in path.read_text().splitlines():
        if line.startswith("msgctxt "):
            context = line[len("msgctxt ") :].strip('"')
        elif line.startswith("msgid "):
            msgid = line[len("msgid ") :].strip('"')
        elif line.startswith("msgstr ") and msgid:
            entries[(context, msgid)] = line[len("msgstr ") :].strip('"')
            context, msgid = None, None
    return entries


def test_the_compiled_wording_matches_its_source():
    # The .mo is committed (no gettext tools needed to run the site): it must say what the .po
    # says. Rebuild it with the msgfmt command at the top of the .po.
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    entries = po_entries(LOCALE / "django.po")

    assert len(entries) > 30
    for (context, msgid), msgstr in entries.items():
        if context:
            assert catalog.pgettext(context, msgid) == msgstr
        else:
            assert catalog.gettext(msgid) == msgstr
