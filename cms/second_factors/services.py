"""A system administrator's reset of a person's second factors, recorded and told to them."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from cms.models import SecondFactorReset

ONLY_SYSTEM_ADMINISTRATORS = "Only system administrators can reset someone's two-step sign-in."
NOTHING_TO_RESET = "This person has not set up two-step sign-in: there is nothing to reset."
NOT_YOUR_OWN = (
    "You cannot reset your own two-step sign-in here. Use your recovery codes, or ask another "
    "system administrator."
)

FACTOR_WORDS = {
    Authenticator.Type.TOTP: "authenticator app",
    Authenticator.Type.WEBAUTHN: "security key",
    Authenticator.Type.RECOVERY_CODES: "recovery codes",
}


def second_factors_described(*, person) -> str:
    """What the person has, in words: "authenticator app, 2 security keys, recovery codes"."""
    counts = {}
    for kind in Authenticator.objects.filter(user=person).values_list("type", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    words = []
    for kind, label in FACTOR_WORDS.items():
        count = counts.get(kind, 0)
        if count == 1 or (count and kind != Authenticator.Type.WEBAUTHN):
            words.append(label)
        elif count:
            words.append(f"{count} {label}s")
    return ", ".join(words)


def second_factor_reset(*, person, reset_by, reason: str) -> SecondFactorReset:
    """Remove every second factor of `person` (app, keys, recovery codes), write who did it and
    why, and email the person. They must set up again at their next page if their role needs it
    (cms.roles.must_set_up_second_factor)."""
    if not (reset_by.is_active and reset_by.is_superuser):
        raise PermissionDenied(ONLY_SYSTEM_ADMINISTRATORS)
    if person.pk == reset_by.pk:
        raise ValidationError(NOT_YOUR_OWN, code="own")
    with transaction.atomic():
        removed = second_factors_described(person=person)
        if not removed:
            raise ValidationError(NOTHING_TO_RESET, code="nothing")
        record = SecondFactorReset(
            person=person,
            person_email=person.email,
            reset_by=reset_by,
            reset_by_email=reset_by.email,
            reason=reason,
            removed=removed,
        )
        record.full_clean()
        record.save()
        Authenticator.objects.filter(user=person).delete()
        second_factor_reset_email(record=record)
    return record


def second_factor_reset_email(*, record: SecondFactorReset) -> None:
    """Saved to the outbox with the reset (cms/outbox.py sends it after commit)."""
    EmailMessage(
        subject=f"[{settings.SERVICE_NAME}] Your two-step sign-in was reset",
        body=render_to_string(
            "cms/second_factors/email/reset.txt",
            {
                "record": record,
                "service_name": settings.SERVICE_NAME,
                "base_url": settings.WAGTAILADMIN_BASE_URL,
            },
        ),
        to=[record.person_email],
    ).send()


def authenticator_app_ensure(*, user, secret: str) -> bool:
    """Give `user` an authenticator app with this secret (and recovery codes), as allauth's set-up
    does, unless they have one already. For the demo's accounts, whose secret is public. Returns
    whether one was added."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    with transaction.atomic():
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return False
        TOTP.activate(user, secret)
        if not Authenticator.objects.filter(
            user=user, type=Authenticator.Type.RECOVERY_CODES
        ).exists():
            RecoveryCodes.activate(user)
    return True
