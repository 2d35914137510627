"""Erasure of a whole person (domain rule 8): their account and personal data removed or made
anonymous, what the organisation must keep as its record kept without identity, every aggregate
unchanged.

How aggregates survive: the account row is kept as an anonymous shell ("Erased person", an
address at erased.invalid that cannot receive mail, no password, inactive, no roles), and the
rows that make up the figures (enrolments, attendance, certificates, reflection responses and
their scores) stay pointed at that shell. Nothing links the shell to the person any more: the
name, email, addresses, sessions, free text and messages go, and the record of the erasure names
no one. Freezing the figures first was the other choice; it would leave every later recount
(the dashboard's refresh, a new matched analysis) short by the erased person, so the figures
would change the next time they are worked out. Keeping identity-free rows means a recount
gives the same answer for ever.

cms knows nothing of bookings or reflections: each app registers its part in `AppConfig.ready()`
(`erasure_part_register`), as the account page's sections do. A part says
- `refusals(person)`: reasons to refuse now, in words that say what to do first;
- `withdraw(person)`: work that must go through another service's own transaction before the
  erasure (a booking's withdrawal is a durable transaction, so that the waiting list moves under
  the run's lock exactly as for any withdrawal); returns counts;
- `erase(person)`: the rest, inside the erasure's one transaction; returns counts;
- `handles`: for each field pointing at the user model in its app, what happens to it.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cms.models import (
    AccountClaim,
    OutgoingEmail,
    OutgoingText,
    PersonErasure,
    SecondFactorReset,
    SignInRoleGrant,
)

ERASED_NAME = "Erased person"
ERASED_DOMAIN = "erased.invalid"
SELF_REASON = "The person erased their own account."

ALREADY_ERASED = "This account has already been erased."
SYSTEM_ADMINISTRATOR = (
    "This person is a system administrator. Another system administrator must take away their "
    "system administrator rights before the account can be erased."
)
REASON_NEEDED = "Say why the account is being erased, for example the date of the written request."


class ErasureRefused(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class ErasurePart:
    name: str
    erase: Callable[..., dict]
    handles: dict[str, str]
    refusals: Callable[..., list] = lambda person: []
    withdraw: Callable[..., dict] = lambda person: {}
    goes: tuple[str, ...] = ()
    stays: tuple[str, ...] = ()


_parts: dict[str, ErasurePart] = {}


def erasure_part_register(part: ErasurePart) -> None:
    """Add (or replace, by name) an app's part of erasing a person."""
    _parts[part.name] = part


def erasure_parts() -> list[ErasurePart]:
    return [_account_part(), *_parts.values()]


def fields_handled() -> dict[str, str]:
    """ "app_label.Model.field" -> what erasure does with it, for every part."""
    handled = {}
    for part in erasure_parts():
        handled.update(part.handles)
    return handled


def is_erased(person) -> bool:
    return (person.email or "").endswith("@" + ERASED_DOMAIN)


def erasure_refusals(person) -> list[str]:
    if is_erased(person):
        return [ALREADY_ERASED]
    reasons = [SYSTEM_ADMINISTRATOR] if person.is_superuser else []
    for part in erasure_parts():
        reasons.extend(part.refusals(person))
    return reasons


def erasure_explained() -> dict:
    """What goes and what stays, in words, for the page that asks to confirm."""
    parts = erasure_parts()
    return {
        "goes": [line for part in parts for line in part.goes],
        "stays": [line for part in parts for line in part.stays],
    }


def person_erase(*, person, erased_by, reason: str, by_retention: bool = False) -> PersonErasure:
    """Erase a whole person; returns the record of it. Refuses (ErasureRefused, nothing changed)
    while a part says something must be handed over first.

    Bookings are withdrawn first through the booking service (each its own durable transaction,
    so the waiting list moves as for any withdrawal); everything else then changes in one
    transaction, with the account's row locked so two erasures cannot interleave."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ErasureRefused([REASON_NEEDED])
    refusals = erasure_refusals(person)
    if refusals:
        raise ErasureRefused(refusals)
    counts: dict[str, int] = {}
    for part in erasure_parts():
        counts.update(part.withdraw(person))
    with transaction.atomic():
        person = get_user_model().objects.select_for_update().get(pk=person.pk)
        refusals = erasure_refusals(person)
        if refusals:
            raise ErasureRefused(refusals)
        for part in erasure_parts():
            counts.update(part.erase(person))
        record = PersonErasure(
            erased_at=timezone.now(),
            erased_by=erased_by if erased_by is not None and erased_by.pk != person.pk else None,
            by_themselves=erased_by is not None and erased_by.pk == person.pk,
            by_retention=by_retention,
            reason=reason[:500],
            counts=counts,
        )
        record.full_clean()
        record.save()
    return record


# --- the account's own part (cms) -----------------------------------------------------------


def _erase_account(person) -> dict:
    counts = {}
    email = (person.email or "").lower()
    outbox = (
        []
        if not email
        else [
            pk
            for pk, recipients in OutgoingEmail.objects.filter(to__icontains=email).values_list(
                "pk", "recipients"
            )
            if email in {str(address).lower() for address in recipients or []}
            or email in str(recipients).lower()
        ]
    )
    counts["emails to them"] = OutgoingEmail.objects.filter(pk__in=outbox).delete()[0]
    counts["texts to them"] = (
        OutgoingText.objects.filter(to=person.mobile).delete()[0] if person.mobile else 0
    )
    counts["email addresses"] = _delete_if_installed(
        "allauth.account", "account", "EmailAddress", user=person
    )
    counts["linked sign-in accounts"] = _delete_if_installed(
        "allauth.socialaccount", "socialaccount", "SocialAccount", user=person
    )
    counts["second factors"] = _delete_if_installed(
        "allauth.mfa", "mfa", "Authenticator", user=person
    )
    erased_email = f"erased-{secrets.token_hex(12)}@{ERASED_DOMAIN}"
    # The reset records copy both addresses so that they outlive the accounts: not this one's.
    counts["two-step sign-in resets"] = SecondFactorReset.objects.filter(person=person).update(
        person_email=erased_email
    )
    SecondFactorReset.objects.filter(reset_by=person).update(reset_by_email=erased_email)
    counts["codes to claim the account"] = AccountClaim.objects.filter(person=person).delete()[0]
    counts["roles given at sign-in"] = SignInRoleGrant.objects.filter(user=person).delete()[0]
    counts["roles"] = person.groups.count()
    person.groups.clear()
    person.user_permissions.clear()
    person.first_name = ERASED_NAME
    person.last_name = ""
    person.email = erased_email
    person.mobile = ""
    person.postal_address = ""
    person.audience = ""
    person.is_active = False
    person.is_staff = False
    # An unusable password changes the hash every session carries (HASH_SESSION_KEY), so each
    # session the person still has ends at its next request, on every device and session store.
    person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    counts["accounts anonymised"] = 1
    return counts


def _delete_if_installed(app_name: str, label: str, model: str, **lookup) -> int:
    if not apps.is_installed(app_name):
        return 0
    return apps.get_model(label, model).objects.filter(**lookup).delete()[0]


def _account_part() -> ErasurePart:
    return ErasurePart(
        name="account",
        erase=_erase_account,
        handles=CMS_FIELDS,
        goes=(
            "your name, your email address and who you said you are",
            "your password and your sign-in: you are signed out everywhere and cannot sign in "
            "again",
            "your roles, and any sign-in with your organisation's account or second factor",
            "emails waiting to be sent to you, and copies of emails we sent you",
        ),
    )


# Fields of cms models that point at the user model, and what erasure does with them.
CMS_FIELDS = {
    "cms.ModulePage.lay_author": "kept: authorship of published curricula; the shell shows no name",
    "cms.ModulePage.clinical_author": "kept: authorship of published curricula, no name",
    "cms.CoAuthorSignOffTaskState.lay_approver": "kept: a sign-off decision, no name",
    "cms.CoAuthorSignOffTaskState.clinical_approver": "kept: a sign-off decision, no name",
    "cms.PersonErasure.erased_by": "not personal about the erased: the administrator who acted",
    "cms.PersonalDataExport.person": "kept without identity: that a copy of the data was made",
    "cms.PersonalDataExport.produced_by": "kept without identity: who made a copy",
    "cms.SecondFactorReset.person": "kept without identity: the address copied on it replaced",
    "cms.SecondFactorReset.reset_by": "kept without identity: the address copied on it replaced",
    "cms.SignInRoleGrant.user": "deleted: roles given at sign-in go with the roles",
    "cms.AccountClaim.person": "deleted: codes sent to claim the account",
    "cms.User.groups": "cleared: roles removed",
    "cms.User.user_permissions": "cleared",
}
