"""Claiming an account staff made: a person booked by phone or referred by their GP gives the
email address or mobile number staff hold, proves it with a 6-digit code sent to it, chooses a
password and is signed in. It is the same account (the same `User` row), so every booking,
register line and reflection stays theirs.

Who may claim: an active account with no usable password and no sign-in through an
organisation (cms knows nothing of `courses.people`: an account staff made is one nobody has
ever chosen a password for). The pages never tell whether we hold an address: whoever types
one goes through the same steps, and a code typed for an address we do not hold is "not right"
like any other wrong code.

A code is kept only as a keyed hash (HMAC with the secret key and a salt of its own), works for
CODE_LIFETIME, takes at most MOST_TRIES tries, and once a new one is sent the old one stops
working. Asking for codes is rate-limited per address and per IP address in the views
(allauth's limits, `claim_send` and `claim_check` in ACCOUNT_RATE_LIMITS).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from cms import texts
from cms.models import AccountClaim
from cms.roles import Role
from cms.validation import normalise_mobile

CODE_LIFETIME = timedelta(minutes=15)
# After the code is right, the time to choose a password (and an email address) in.
CHOOSE_PASSWORD_WITHIN = timedelta(hours=1)
MOST_TRIES = 5
CODE_DIGITS = 6

ADDRESS_REQUIRED = "Enter the email address or mobile number the organisers have for you."
ADDRESS_INVALID = (
    "Enter an email address, like name@example.com, or a mobile number, like 07700 900123."
)
CODE_REQUIRED = "Enter the 6-digit code we sent you."
CODE_FORMAT = "Enter the code as 6 numbers, like 123456."
CODE_WRONG = (
    "That code is not right. Check the code in the latest message we sent you: you can try "
    "{left} more time{s}."
)
CODE_TOO_MANY_TRIES = (
    "That code has been tried too many times, so it no longer works. Ask for a new code."
)
CODE_EXPIRED = "That code has expired (codes work for 15 minutes). Ask for a new code."
CLAIM_START_AGAIN = "Your time to set up your account has run out. Start again to get a new code."
ALREADY_CLAIMED = (
    "This account has already been set up. Sign in with your email address and password, or "
    "reset your password if you have forgotten it."
)
EMAIL_REQUIRED = "Enter your email address: you will sign in with it."
EMAIL_INVALID = "Enter an email address in the correct format, like name@example.com."
EMAIL_TAKEN = (
    "Another account already uses {email}. Enter a different email address, or ask the "
    "organisers of your course to merge the two records."
)
TEXTS_OFF = (
    "We cannot send codes by text message at the moment. Enter your email address instead, or "
    "contact the organisers of your course: their phone number is on your course's page and in "
    "every message they have sent you."
)
TOO_MANY_REQUESTS = (
    "You have asked for too many codes. Wait 15 minutes, then try again. If you still cannot "
    "set up your account, contact the organisers of your course."
)


class ClaimError(Exception):
    """A refused step of claiming an account. Nothing was changed (but a try was counted).
    `field`: the field of the form the message is about, when it is about one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Address:
    """What a person typed, as we compare it: an email address in lower case or a mobile number
    as +447700900123."""

    channel: str
    value: str


def address_parse(text: str) -> Address:
    """The email address or mobile number typed, or ClaimError saying what to type (a mobile
    number while text messages are off: no code could reach it)."""
    text = (text or "").strip()
    if not text:
        raise ClaimError(ADDRESS_REQUIRED)
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError as error:
            raise ClaimError(ADDRESS_INVALID) from error
        return Address(AccountClaim.Channel.EMAIL, text.lower())
    try:
        mobile = normalise_mobile(text)
    except ValidationError as error:
        raise ClaimError(ADDRESS_INVALID) from error
    if not texts.texts_enabled():
        # Said to everyone who types a mobile, so it tells nothing about whether we hold it.
        raise ClaimError(TEXTS_OFF)
    return Address(AccountClaim.Channel.TEXT, mobile)


def email_address(email: str) -> Address:
    """An email address as claims compare it."""
    return Address(AccountClaim.Channel.EMAIL, (email or "").strip().lower())


def is_claimable(person) -> bool:
    """An account staff made, not yet claimed: active, never given a password, not signed in to
    through an organisation's account."""
    from allauth.socialaccount.models import SocialAccount

    return (
        person.is_active
        and not person.has_usable_password()
        and not SocialAccount.objects.filter(user=person).exists()
    )


def claimable_person(address: Address):
    """The one account that may be claimed with this address, or None (none, or more than one
    with that mobile number: then we cannot tell whose it is)."""
    people = get_user_model().objects.filter(is_active=True)
    if address.channel == AccountClaim.Channel.EMAIL:
        people = people.filter(email__iexact=address.value)
    else:
        people = people.filter(mobile=address.value)
    found = [person for person in people[:2] if is_claimable(person)]
    return found[0] if len(found) == 1 else None


def _hash(claim: AccountClaim, code: str) -> str:
    return salted_hmac("cms.account.claim", f"{claim.salt}:{code}", algorithm="sha256").hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


@transaction.atomic
def claim_start(*, address: Address) -> AccountClaim:
    """Make a code for `address` and send it there, if it is the address of an account that may
    be claimed; make one nobody receives otherwise. Earlier codes for the same account stop
    working. Returns the claim, whose id the browser keeps for the next step."""
    now = timezone.now()
    person = claimable_person(address)
    code = _new_code()
    claim = AccountClaim(
        person=person,
        channel=address.channel,
        salt=secrets.token_hex(16),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    claim.code_hash = _hash(claim, code)
    if person is not None:
        AccountClaim.objects.filter(person=person, used_at__isnull=True).delete()
    # Codes long past their time are of no use to anyone: cleared as new ones are made.
    AccountClaim.objects.filter(expires_at__lt=now - CHOOSE_PASSWORD_WITHIN).delete()
    claim.save()
    if person is not None:
        transaction.on_commit(lambda: claim_code_send(claim=claim, to=address.value, code=code))
    return claim


def claim_code_send(*, claim: AccountClaim, to: str, code: str) -> None:
    context = {
        "code": code,
        "minutes": int(CODE_LIFETIME.total_seconds() // 60),
        "service_name": settings.SERVICE_NAME,
        "claim_url": settings.WAGTAILADMIN_BASE_URL + reverse("claim_account"),
    }
    if claim.channel == AccountClaim.Channel.EMAIL:
        EmailMessage(
            subject=f"[{settings.SERVICE_NAME}] Your code to set up your account",
            body=render_to_string("account/email/claim_code.txt", context),
            to=[to],
        ).send()
    else:
        texts.send_text(
            to=to,
            body=render_to_string("account/email/claim_code_text.txt", context).strip(),
            kind="claim_code",
        )


def claim_check(*, claim_id: int, code: str) -> AccountClaim:
    """Whether `code` is the code of the claim: counts the try, and marks the claim verified
    when it is right. Refused (ClaimError) when wrong, expired or tried too often; a code for an
    address we do not hold is wrong like any other."""
    code = "".join((code or "").split())
    if not code:
        raise ClaimError(CODE_REQUIRED)
    if not (code.isascii() and code.isdigit() and len(code) == CODE_DIGITS):
        raise ClaimError(CODE_FORMAT)
    refusal = None
    with transaction.atomic():
        claim = AccountClaim.objects.select_for_update().filter(pk=claim_id).first()
        now = timezone.now()
        if claim is None or claim.used_at is not None or claim.expires_at <= now:
            refusal = CODE_EXPIRED
        elif claim.verified_at is not None:
            return claim
        elif claim.tries >= MOST_TRIES:
            refusal = CODE_TOO_MANY_TRIES
        else:
            claim.tries += 1
            right = constant_time_compare(_hash(claim, code), claim.code_hash)
            if right and claim.person_id is not None:
                claim.verified_at = now
            else:
                left = MOST_TRIES - claim.tries
                refusal = (
                    CODE_WRONG.format(left=left, s="" if left == 1 else "s")
                    if left
                    else CODE_TOO_MANY_TRIES
                )
            claim.save(update_fields=["tries", "verified_at"])
    # Raised after the transaction, so that the try counted is saved.
    if refusal:
        raise ClaimError(refusal)
    return claim


def claim_verified(claim_id) -> AccountClaim | None:
    """The claim whose code was right, still in time to choose a password, or None."""
    claim = (
        AccountClaim.objects.select_related("person")
        .filter(pk=claim_id, verified_at__isnull=False, used_at__isnull=True)
        .first()
    )
    if claim is None or claim.verified_at + CHOOSE_PASSWORD_WITHIN <= timezone.now():
        return None
    return claim


def needs_email(claim: AccountClaim) -> bool:
    """Whoever claims by text and has no email address gives one: it is what they sign in with."""
    return claim.channel == AccountClaim.Channel.TEXT and not claim.person.email


def email_check(email: str, *, person) -> str:
    """An email address the person may take: well formed, and nobody else's."""
    email = (email or "").strip().lower()
    if not email:
        raise ClaimError(EMAIL_REQUIRED, field="email")
    try:
        validate_email(email)
    except ValidationError as error:
        raise ClaimError(EMAIL_INVALID, field="email") from error
    taken = (
        get_user_model().objects.filter(email__iexact=email).exclude(pk=person.pk).exists()
        or EmailAddress.objects.filter(email__iexact=email).exclude(user=person).exists()
    )
    if taken:
        raise ClaimError(EMAIL_TAKEN.format(email=email), field="email")
    return email


@transaction.atomic
def account_claim(*, claim_id: int, password: str, email: str = ""):
    """Give the claimed account its password (and its email address, for someone who claimed by
    text without one). Their email address is verified when they claimed by email; an address
    given here is verified through allauth's usual email (the view sends it). Refused
    (ClaimError) when the claim has run out or the account was claimed meanwhile, or the email
    address is taken; a password Django's validators refuse raises ValidationError.

    Returns (person, the EmailAddress to send a verification email to, or None)."""
    claim = AccountClaim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None or claim_verified(claim.pk) is None:
        raise ClaimError(CLAIM_START_AGAIN)
    person = get_user_model().objects.select_for_update().get(pk=claim.person_id)
    if not is_claimable(person):
        raise ClaimError(ALREADY_CLAIMED)
    to_verify = None
    if needs_email(claim):
        person.email = email_check(email, person=person)
    password_validation.validate_password(password, person)
    person.set_password(password)
    person.save()
    address, _ = EmailAddress.objects.get_or_create(
        user=person, email=person.email, defaults={"primary": True}
    )
    if claim.channel == AccountClaim.Channel.EMAIL:
        # The code reached this address: it is theirs.
        address.verified = True
        address.primary = True
        address.save(update_fields=["verified", "primary"])
    elif not address.verified:
        to_verify = address
    trainee, _ = Group.objects.get_or_create(name=Role.TRAINEE.value)
    person.groups.add(trainee)
    claim.used_at = timezone.now()
    claim.save(update_fields=["used_at"])
    AccountClaim.objects.filter(person=person).exclude(pk=claim.pk).delete()
    return person, to_verify
