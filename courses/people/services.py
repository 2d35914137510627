"""Writes about people who are not online: a lead or site administrator adds a person with a
name and one way to reach them. The person is an ordinary account without a password, with a
`PersonRecord` saying which site added them, who, and what they need to take part."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from cms.models import Audience, ContactChannel
from cms.validation import normalise_mobile
from courses import errors
from courses.errors import CoursesError
from courses.models import AccessNeed, PersonRecord


class PersonError(CoursesError):
    """A refused change to a person's record. Nothing was changed. `existing`: the person who
    already has the email address or mobile number typed, when that was the reason."""

    def __init__(self, message, *, existing=None):
        super().__init__(message)
        self.existing = existing


@dataclass(frozen=True)
class PersonDetails:
    """What staff type about a person. Only a name, their group and one way to reach them are
    needed."""

    first_name: str
    last_name: str
    audience: str
    email: str = ""
    mobile: str = ""
    postal_address: str = ""
    contact_by: str = ContactChannel.EMAIL
    access_needs: Iterable[str] = field(default=())
    adjustments: str = ""


CHANNEL_NEEDS = {
    ContactChannel.EMAIL: ("email", errors.PERSON_CHANNEL_NEEDS_EMAIL),
    ContactChannel.TEXT: ("mobile", errors.PERSON_CHANNEL_NEEDS_MOBILE),
    ContactChannel.LETTER: ("postal_address", errors.PERSON_CHANNEL_NEEDS_ADDRESS),
}


def clean_details(details: PersonDetails, *, person=None, check_taken: bool = True) -> dict:
    """The details as they are saved (trimmed; the mobile as +447700900123), or PersonError
    naming the first thing wrong. `person`: the one being changed, whose own email and mobile
    are not duplicates of themselves. `check_taken=False`: no query for an email or mobile
    someone has (a referral import matches them to that person instead, in bulk)."""
    values = {
        "first_name": (details.first_name or "").strip(),
        "last_name": (details.last_name or "").strip(),
        "email": (details.email or "").strip().lower(),
        "postal_address": (details.postal_address or "").strip(),
        "audience": details.audience or "",
        "contact_by": details.contact_by or ContactChannel.EMAIL,
    }
    if not values["first_name"]:
        raise PersonError(errors.PERSON_FIRST_NAME_REQUIRED)
    if not values["last_name"]:
        raise PersonError(errors.PERSON_LAST_NAME_REQUIRED)
    if values["audience"] not in Audience.values:
        raise PersonError(errors.PERSON_GROUP_REQUIRED)
    try:
        values["mobile"] = normalise_mobile(details.mobile)
    except ValidationError as error:
        raise PersonError(" ".join(error.messages)) from error
    if not (values["email"] or values["mobile"] or values["postal_address"]):
        raise PersonError(errors.PERSON_NO_WAY_TO_REACH)
    if values["contact_by"] not in ContactChannel.values:
        values["contact_by"] = ContactChannel.EMAIL
    needed, message = CHANNEL_NEEDS[values["contact_by"]]
    if not values[needed]:
        raise PersonError(message)
    if not check_taken:
        return values
    others = get_user_model().objects.exclude(pk=getattr(person, "pk", None))
    if values["email"]:
        taken = others.filter(email__iexact=values["email"]).first()
        if taken is not None:
            raise PersonError(
                errors.PERSON_EMAIL_TAKEN.format(name=_name(taken), email=values["email"]),
                existing=taken,
            )
    if values["mobile"]:
        taken = others.filter(mobile=values["mobile"]).first()
        if taken is not None:
            raise PersonError(
                errors.PERSON_MOBILE_TAKEN.format(name=_name(taken), mobile=details.mobile.strip()),
                existing=taken,
            )
    return values


def clean_needs(details: PersonDetails) -> tuple[list[str], str]:
    needs = list(dict.fromkeys(details.access_needs or ()))
    if any(need not in AccessNeed.values for need in needs):
        raise PersonError(errors.ACCESS_NEED_UNKNOWN)
    adjustments = (details.adjustments or "").strip()
    try:
        for check in PersonRecord._meta.get_field("adjustments").validators:
            check(adjustments)
    except ValidationError as error:
        raise PersonError(" ".join(error.messages)) from error
    return needs, adjustments


@transaction.atomic
def person_add(*, site, details: PersonDetails, added_by):
    """Add a person who is not online to `site`: an account with no password (they cannot
    sign in until they claim it), and the staff record. Refused, naming why: no name, no group,
    no way to reach them, a channel without its address, an email address or mobile number
    someone already has."""
    values = clean_details(details)
    needs, adjustments = clean_needs(details)
    person = get_user_model()(**{**values, "email": values["email"] or None})
    person.set_unusable_password()
    try:
        person.full_clean(exclude=["password"])
    except ValidationError as error:
        raise PersonError(" ".join(error.messages)) from error
    person.save()
    PersonRecord.objects.create(
        person=person,
        site=site,
        added_by=added_by,
        access_needs=needs,
        adjustments=adjustments,
    )
    return person


@transaction.atomic
def person_update(*, person, details: PersonDetails, changed_by):
    """Change the details of a person staff added: name, group, ways to reach them, how they
    want to be contacted and what they need. The same refusals as `person_add`. Someone who
    signs in keeps their own details (refused with PERSON_EDIT_ONLINE): staff may not change
    the email address another person signs in with."""
    person = get_user_model().objects.select_for_update().get(pk=person.pk)
    record = PersonRecord.objects.filter(person=person).first()
    if record is None or person.has_usable_password():
        raise PersonError(errors.PERSON_EDIT_ONLINE)
    values = clean_details(details, person=person)
    needs, adjustments = clean_needs(details)
    for name, value in {**values, "email": values["email"] or None}.items():
        setattr(person, name, value)
    try:
        person.full_clean(exclude=["password"])
    except ValidationError as error:
        raise PersonError(" ".join(error.messages)) from error
    person.save(update_fields=[*values])
    record.access_needs, record.adjustments = needs, adjustments
    record.save(update_fields=["access_needs", "adjustments"])
    return person


def _name(person) -> str:
    return person.get_full_name() or person.email or "Someone"
