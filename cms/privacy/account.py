"""What the site shell holds about a person, for their download (cms.privacy.export): the account
itself, the emails and text messages sent to them, and the record of every copy made of their data.

Never a secret: no password (only whether one is set), no token, no key of a second factor, and
sign-in links and codes are taken out of the copies of emails."""

import email
import email.policy
import re

from allauth.account.models import EmailAddress
from django.apps import apps
from django.db.models import Q

from cms.models import (
    OutgoingEmail,
    OutgoingText,
    PersonalDataExport,
    SecondFactorReset,
    SignInRoleGrant,
)
from cms.privacy.export import DataFile
from cms.roles import roles_of

SIGN_IN_LINK = re.compile(r"\S*/accounts/\S+")
LINK_REMOVED = "[a sign-in link, removed from this copy]"
CODE_REMOVED = "(Not copied: this email held a one-time sign-in code.)"
TEXT_CODE_REMOVED = "(Not copied: this text held a one-time code.)"


def account_file(person) -> DataFile:
    """account.json: who the person is to the site. Four queries (addresses, roles given at
    sign-in by a mapping, resets of their second factors, roles), and one for each of the linked
    organisation accounts and second factors when those apps are installed."""
    addresses = list(EmailAddress.objects.filter(user=person).order_by("-primary", "email"))
    sign_in = {"password": person.has_usable_password()}
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount  # only when installed

        sign_in["organisation_accounts"] = [
            {
                "provider": account.provider,
                "linked": account.date_joined,
                "last_used": account.last_login,
            }
            for account in SocialAccount.objects.filter(user=person).order_by("date_joined")
        ]
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.models import Authenticator  # only when installed

        sign_in["second_factors"] = [
            {
                "type": authenticator.get_type_display(),
                "added": authenticator.created_at,
                "last_used": authenticator.last_used_at,
            }
            for authenticator in Authenticator.objects.filter(user=person).order_by("created_at")
        ]
    sign_in["roles_given_by_your_organisation"] = [
        {"role": grant.role, "provider": grant.provider, "given": grant.granted_at}
        for grant in SignInRoleGrant.objects.filter(user=person).order_by("granted_at", "pk")
    ]
    sign_in["two_step_sign_in_resets"] = [
        {"when": reset.reset_at, "why": reset.reason, "removed": reset.removed}
        for reset in SecondFactorReset.objects.filter(person=person).order_by("reset_at", "pk")
    ]
    content = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "name_on_certificates": person.get_full_name(),
        "email": person.email,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in addresses
        ],
        "mobile": person.mobile,
        "postal_address": person.postal_address,
        "contact_by": person.get_contact_by_display(),
        "who_you_are": person.get_audience_display() if person.audience else "",
        "date_joined": person.date_joined,
        "last_sign_in": person.last_login,
        "active": person.is_active,
        "roles": sorted(role.value for role in roles_of(person)),
        "system_administrator": person.is_superuser,
        "sign_in_methods": sign_in,
    }
    return DataFile(
        "account.json",
        "your account: name, email addresses and whether each is verified, who you are, when you "
        "joined and last signed in, your roles and how you sign in (never your password)",
        content=content,
    )


def plain_body(outgoing: OutgoingEmail) -> str:
    """The text of an email as the person read it, without its sign-in links or codes."""
    if "code" in outgoing.subject.lower():
        return CODE_REMOVED
    message = email.message_from_bytes(bytes(outgoing.message), policy=email.policy.default)
    part = message.get_body(preferencelist=("plain", "html"))
    text = part.get_content() if part is not None else ""
    return SIGN_IN_LINK.sub(LINK_REMOVED, text).strip()


def emails_file(person) -> DataFile:
    """messages_to_you.csv: the emails in the outbox addressed to any of the person's addresses.
    Two queries (their addresses, the emails)."""
    addresses = {(person.email or "").lower()} - {""} | {
        address.lower()
        for address in EmailAddress.objects.filter(user=person).values_list("email", flat=True)
    }
    matches = Q()
    for address in sorted(addresses):
        # The envelope is a JSON list of addresses: match a whole quoted address, then check.
        matches |= Q(recipients__icontains=f'"{address}"')
    outgoing = (
        OutgoingEmail.objects.filter(matches) if addresses else OutgoingEmail.objects.none()
    ).order_by("created_at", "pk")
    rows = tuple(
        (
            message.created_at,
            message.subject,
            message.get_status_display(),
            message.sent_at,
            plain_body(message),
        )
        for message in outgoing
        if addresses & {str(recipient).lower() for recipient in message.recipients}
    )
    return DataFile(
        "messages_to_you.csv",
        "the emails we sent you that are still kept (sent emails are deleted a week after): "
        "subject, when, whether sent, and the text, with any sign-in links taken out",
        headings=("Written", "Subject", "Status", "Sent", "Text"),
        rows=rows,
    )


def texts_file(person) -> DataFile:
    """texts_to_you.csv: the text messages in the outbox to the person's mobile. One query
    (none without a mobile); sign-in codes are left out as in emails."""
    outgoing = (
        OutgoingText.objects.filter(to=person.mobile).order_by("created_at", "pk")
        if person.mobile
        else OutgoingText.objects.none()
    )
    rows = tuple(
        (
            text.created_at,
            text.to,
            text.get_status_display(),
            text.sent_at,
            text.get_delivery_status_display() if text.delivery_status else "",
            TEXT_CODE_REMOVED if "code" in text.kind else text.body,
        )
        for text in outgoing
    )
    return DataFile(
        "texts_to_you.csv",
        "the text messages we sent to your mobile that are still kept (sent texts are deleted a "
        "week after): when, to which number, whether sent and delivered, and the words",
        headings=("Written", "To", "Status", "Sent", "Delivered", "Text"),
        rows=rows,
    )


def data_exports_file(person) -> DataFile:
    """data_exports.csv: every copy made of this person's data, by them or for a written
    request, this one included. One query."""
    rows = tuple(
        (
            export.produced_at,
            "For your written request" if export.for_written_request else "You downloaded it",
            export.reference,
            export.request_received_on,
            (export.produced_by.get_full_name() or export.produced_by.email)
            if export.produced_by
            else "",
        )
        for export in PersonalDataExport.objects.filter(person=person)
        .select_related("produced_by")
        .order_by("produced_at", "pk")
    )
    return DataFile(
        "data_exports.csv",
        "each time a copy like this one was made of your data: when, why, the reference of your "
        "written request and who made it",
        headings=("Made", "Why", "Request reference", "Request received on", "Made by"),
        rows=rows,
    )


def site_shell_files(person) -> list[DataFile]:
    return [
        account_file(person),
        emails_file(person),
        texts_file(person),
        data_exports_file(person),
    ]
