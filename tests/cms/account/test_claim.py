"""Claiming an account staff made: the code, its limits, the password, the sign-in, and that the
pages never tell whether we hold an address."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core import mail

from cms import texts
from cms.account import claim
from cms.account.claim import ClaimError
from cms.models import AccountClaim, OutgoingText
from cms.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "rivers-and-hills-42"


def staff_added(**fields):
    """A person as staff add them: no password, no verified address."""
    person = UserFactory(verified=False, **fields)
    person.set_unusable_password()
    person.save()
    return person


@pytest.fixture
def sent_texts(monkeypatch):
    sent = []
    monkeypatch.setattr(texts, "send_text", lambda **text: sent.append(text))
    return sent


def code_in(text):
    return re.search(r"\b(\d{6})\b", text).group(1)


def same_for_anyone(page, address):
    """A page without what differs between any two visits (the CSRF token, the CSP nonce) and
    the address typed."""
    page = re.sub(r'(value|nonce)="[^"]*"', "", page)
    return page.replace(address, "ADDRESS")


def ask(client, address, capture):
    with capture(execute=True):
        return client.post("/account/claim/", {"address": address})


# --- the service -------------------------------------------------------------------------------


def test_a_code_is_emailed_to_a_person_staff_added_and_kept_hashed(
    django_capture_on_commit_callbacks,
):
    person = staff_added(email="margaret@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        started = claim.claim_start(address=claim.address_parse(" Margaret@Example.com "))

    assert started.person == person
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["margaret@example.com"]
    code = code_in(mail.outbox[0].body)
    assert code not in started.code_hash
    assert claim.claim_check(claim_id=started.pk, code=code).verified_at is not None


def test_a_code_is_texted_to_a_mobile_written_any_usual_way(
    sent_texts, django_capture_on_commit_callbacks
):
    staff_added(email=None, mobile="+447700900123")
    with django_capture_on_commit_callbacks(execute=True):
        started = claim.claim_start(address=claim.address_parse("07700 900123"))

    assert [(text["to"], text["kind"]) for text in sent_texts] == [("+447700900123", "claim_code")]
    assert len(sent_texts[0]["body"]) < 160
    assert claim.claim_check(claim_id=started.pk, code=code_in(sent_texts[0]["body"]))
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", claim.ADDRESS_REQUIRED),
        ("margaret@", claim.ADDRESS_INVALID),
        ("12", claim.ADDRESS_INVALID),
    ],
)
def test_an_address_that_is_neither_email_nor_mobile_is_refused(typed, message):
    with pytest.raises(ClaimError, match=re.escape(message)):
        claim.address_parse(typed)


@pytest.mark.parametrize(
    "who",
    ["nobody", "has a password", "signs in through an organisation", "inactive"],
)
def test_no_code_is_sent_for_an_account_that_cannot_be_claimed(
    who, django_capture_on_commit_callbacks
):
    if who == "has a password":
        UserFactory(email="margaret@example.com")
    elif who == "signs in through an organisation":
        person = staff_added(email="margaret@example.com")
        SocialAccount.objects.create(user=person, provider="openid_connect", uid="1")
    elif who == "inactive":
        staff_added(email="margaret@example.com", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        started = claim.claim_start(address=claim.address_parse("margaret@example.com"))

    assert started.person is None
    assert mail.outbox == []


def test_a_code_for_an_address_we_do_not_hold_is_wrong_like_any_other():
    started = claim.claim_start(address=claim.address_parse("nobody@example.com"))
    for code in ("000000", "123456", "999999"):
        with pytest.raises(ClaimError) as refused:
            claim.claim_check(claim_id=started.pk, code=code)
        assert str(refused.value).startswith("That code is not right.")


def test_a_wrong_code_says_how_many_tries_are_left_and_five_tries_end_it(
    django_capture_on_commit_callbacks,
):
    staff_added(email="margaret@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        started = claim.claim_start(address=claim.address_parse("margaret@example.com"))
    right = code_in(mail.outbox[0].body)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    messages = []
    for _ in range(5):
        with pytest.raises(ClaimError) as refused:
            claim.claim_check(claim_id=started.pk, code=wrong)
        messages.append(str(refused.value))

    assert messages[0] == claim.CODE_WRONG.format(left=4, s="s")
    assert messages[3] == claim.CODE_WRONG.format(left=1, s="")
    assert messages[4] == claim.CODE_TOO_MANY_TRIES
    with pytest.raises(ClaimError, match=re.escape(claim.CODE_TOO_MANY_TRIES)):
        claim.claim_check(claim_id=started.pk, code=right)
    started.refresh_from_db()
    assert (started.tries, started.verified_at) == (5, None)


@pytest.mark.parametrize(
    ("typed", "message"), [("", claim.CODE_REQUIRED), ("12a456", claim.CODE_FORMAT)]
)
def test_a_code_that_is_not_six_numbers_is_refused_without_counting_a_try(typed, message):
    started = claim.claim_start(address=claim.address_parse("nobody@example.com"))
    with pytest.raises(ClaimError, match=re.escape(message)):
        claim.claim_check(claim_id=started.pk, code=typed)
    started.refresh_from_db()
    assert started.tries == 0


def test_a_code_works_for_fifteen_minutes(frozen_clock, django_capture_on_commit_callbacks):
    staff_added(email="margaret@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        started = claim.claim_start(address=claim.address_parse("margaret@example.com"))
    frozen_clock.shift(claim.CODE_LIFETIME)

    with pytest.raises(ClaimError, match=re.escape(claim.CODE_EXPIRED)):
        claim.claim_check(claim_id=started.pk, code=code_in(mail.outbox[0].body))


def test_a_new_code_replaces_the_old_one(django_capture_on_commit_callbacks):
    staff_added(email="margaret@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        first = claim.claim_start(address=claim.address_parse("margaret@example.com"))
        claim.claim_start(address=claim.address_parse("margaret@example.com"))

    with pytest.raises(ClaimError, match=re.escape(claim.CODE_EXPIRED)):
        claim.claim_check(claim_id=first.pk, code=code_in(mail.outbox[0].body))


def verified_claim(person, address, capture, sent_texts=None):
    with capture(execute=True):
        started = claim.claim_start(address=claim.address_parse(address))
    body = sent_texts[-1]["body"] if sent_texts is not None else mail.outbox[-1].body
    return claim.claim_check(claim_id=started.pk, code=code_in(body))


def test_claiming_by_email_sets_the_password_verifies_the_address_and_keeps_the_account(
    django_capture_on_commit_callbacks,
):
    person = staff_added(email="margaret@example.com")
    verified = verified_claim(person, "margaret@example.com", django_capture_on_commit_callbacks)

    claimed, to_verify = claim.account_claim(claim_id=verified.pk, password=PASSWORD)

    assert claimed.pk == person.pk
    claimed.refresh_from_db()
    assert claimed.check_password(PASSWORD)
    assert to_verify is None
    assert EmailAddress.objects.filter(
        user=person, email="margaret@example.com", verified=True, primary=True
    ).exists()
    assert list(claimed.groups.values_list("name", flat=True)) == [Role.TRAINEE.value]
    with pytest.raises(ClaimError, match=re.escape(claim.CLAIM_START_AGAIN)):
        claim.account_claim(claim_id=verified.pk, password=PASSWORD)


def test_claiming_by_text_without_an_email_address_asks_for_one_nobody_else_has(
    sent_texts, django_capture_on_commit_callbacks
):
    person = staff_added(email=None, mobile="+447700900123")
    UserFactory(email="taken@example.com")
    verified = verified_claim(person, "07700900123", django_capture_on_commit_callbacks, sent_texts)
    assert claim.needs_email(verified)

    for email, message in [
        ("", claim.EMAIL_REQUIRED),
        ("not-an-address", claim.EMAIL_INVALID),
        ("Taken@Example.com", claim.EMAIL_TAKEN.format(email="taken@example.com")),
    ]:
        with pytest.raises(ClaimError, match=re.escape(message)):
            claim.account_claim(claim_id=verified.pk, password=PASSWORD, email=email)
    person.refresh_from_db()
    assert (person.email, person.has_usable_password()) == (None, False)

    claimed, to_verify = claim.account_claim(
        claim_id=verified.pk, password=PASSWORD, email="Margaret@Example.com"
    )
    assert claimed.email == "margaret@example.com"
    assert (to_verify.email, to_verify.verified) == ("margaret@example.com", False)


def test_a_password_django_refuses_changes_nothing(django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    person = staff_added(email="margaret@example.com")
    verified = verified_claim(person, "margaret@example.com", django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError):
        claim.account_claim(claim_id=verified.pk, password="12345678")
    person.refresh_from_db()
    assert not person.has_usable_password()
    assert AccountClaim.objects.get(pk=verified.pk).used_at is None


def test_an_account_given_a_password_meanwhile_is_not_claimed_again(
    django_capture_on_commit_callbacks,
):
    person = staff_added(email="margaret@example.com")
    verified = verified_claim(person, "margaret@example.com", django_capture_on_commit_callbacks)
    person.set_password("chosen-elsewhere-77")
    person.save()

    with pytest.raises(ClaimError, match=re.escape(claim.ALREADY_CLAIMED)):
        claim.account_claim(claim_id=verified.pk, password=PASSWORD)


# --- the pages ---------------------------------------------------------------------------------


def test_the_whole_journey_by_text_ends_signed_in_with_an_email_to_verify(
    client, sent_texts, django_capture_on_commit_callbacks
):
    person = staff_added(email=None, mobile="+447700900123")

    response = ask(client, "07700 900123", django_capture_on_commit_callbacks)
    assert response["Location"] == "/account/claim/code/"
    page = client.get("/account/claim/code/").content.decode()
    assert "If we hold 07700 900123, we have sent a code to it by text message" in page

    response = client.post("/account/claim/code/", {"code": code_in(sent_texts[0]["body"])})
    assert response["Location"] == "/account/claim/password/"
    assert 'name="email"' in client.get("/account/claim/password/").content.decode()

    response = client.post(
        "/account/claim/password/",
        {"email": "margaret@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == person.pk
    assert [message.to for message in mail.outbox] == [["margaret@example.com"]]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    # Signed in, the claim pages send them to their account.
    assert client.get("/account/claim/")["Location"] == "/account/"


def test_the_pages_say_the_same_whether_or_not_we_hold_the_address(
    client, django_capture_on_commit_callbacks
):
    staff_added(email="margaret@example.com")
    seen = []
    for address in ("margaret@example.com", "nobody@example.com"):
        client.cookies.clear()
        response = ask(client, address, django_capture_on_commit_callbacks)
        page = client.get(response["Location"]).content.decode()
        wrong = client.post("/account/claim/code/", {"code": "000000"})
        seen.append(
            (
                response.status_code,
                response["Location"],
                same_for_anyone(page, address),
                wrong.status_code,
                same_for_anyone(wrong.content.decode(), address),
            )
        )
    assert seen[0] == seen[1]


def test_asking_for_codes_is_limited_per_address(client, django_capture_on_commit_callbacks):
    staff_added(email="margaret@example.com")
    statuses = [
        ask(client, "margaret@example.com", django_capture_on_commit_callbacks).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    response = ask(client, "margaret@example.com", django_capture_on_commit_callbacks)
    assert claim.TOO_MANY_REQUESTS in response.content.decode()
    assert len(mail.outbox) == 3


def test_a_mobile_number_while_texts_are_off_asks_for_email_and_sends_nothing(client, settings):
    settings.NOTIFY_API_KEY = ""
    settings.TEXTS_WITHOUT_KEY = "off"
    staff_added(email=None, mobile="+447700900123")

    response = client.post("/account/claim/", {"address": "07700 900123"})

    assert response.status_code == 400
    assert "We cannot send codes by text message at the moment" in response.content.decode()
    assert AccountClaim.objects.count() == 0
    assert not OutgoingText.objects.exists()
    # An email address still works.
    assert claim.address_parse("Margaret@Example.com").value == "margaret@example.com"


def test_the_code_and_password_pages_need_the_step_before(client):
    assert client.get("/account/claim/code/")["Location"] == "/account/claim/"
    assert client.get("/account/claim/password/")["Location"] == "/account/claim/"


def test_a_bad_address_is_shown_on_the_form_and_sends_nothing(client):
    response = client.post("/account/claim/", {"address": "margaret@"})
    assert response.status_code == 400
    assert claim.ADDRESS_INVALID in response.content.decode()
    assert AccountClaim.objects.count() == 0


def test_sign_in_and_sign_up_pages_link_to_claiming(client):
    for url in ("/accounts/login/", "/accounts/signup/"):
        page = client.get(url).content.decode()
        assert 'href="/account/claim/"' in page
        assert "Booked by phone or by your GP?" in page


def test_signing_up_with_an_address_staff_hold_points_to_claiming(client, home_page):
    person = staff_added(email="margaret@example.com")
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Margaret",
            "last_name": "Hughes",
            "audience": "condition",
            "email": "margaret@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="margaret@example.com").get() == person
    assert len(mail.outbox) == 1
    assert "http://testserver/account/claim/" in mail.outbox[0].body
    assert mail.outbox[0].subject.endswith("Set up the account we hold for you")


def test_signing_up_with_an_address_of_a_real_account_still_says_it_exists(client, home_page):
    UserFactory(email="margaret@example.com")
    client.post(
        "/accounts/signup/",
        {
            "first_name": "Margaret",
            "last_name": "Hughes",
            "audience": "condition",
            "email": "margaret@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert len(mail.outbox) == 1
    assert "/account/claim/" not in mail.outbox[0].body


@pytest.mark.parametrize("page", ["/account/claim/", "/account/claim/code/"])
def test_the_claim_pages_read_a_fixed_number_of_queries(
    client, page, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    ask(client, "nobody@example.com", django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(4):
        assert client.get(page).status_code == 200
