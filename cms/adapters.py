from dataclasses import dataclass
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from cms.navigation import landing_url_for
from cms.roles import Role


@dataclass(frozen=True)
class ServiceSite:
    """What allauth's emails call the "site": the service's name and address, from settings.

    allauth reads these from django.contrib.sites, which this project does not install, and
    otherwise from the request ("Hello from 127.0.0.1:8000!"). Read from settings every time,
    they cannot go stale as a database row could between environments."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up makes a trainee; tutors, leads and administrators are appointed by staff.

    Where someone was going when they signed up (`?next=`, e.g. the course they want to book)
    survives the email check both ways: in the same browser allauth keeps it with the sign-up in
    the session; the confirmation link carries it too, for someone who opens the email elsewhere.
    """

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            trainee, _ = Group.objects.get_or_create(name=Role.TRAINEE.value)
            user.groups.add(trainee)
        return user

    def send_mail(self, template_prefix, email, context):
        # Greet and sign off with the service's name and its address (SITE_URL).
        super().send_mail(
            template_prefix,
            email,
            {
                "current_site": ServiceSite(
                    name=settings.SERVICE_NAME,
                    domain=settings.WAGTAILADMIN_BASE_URL.split("://", 1)[-1],
                ),
                "site_url": f"{settings.WAGTAILADMIN_BASE_URL}/",
                **context,
            },
        )

    def send_account_already_exists_mail(self, email):
        # Signing up with an address staff hold for someone they added (booked by phone,
        # referred): point them to claiming that account, which keeps their bookings. The
        # sign-up page itself says what it says for any address (ACCOUNT_PREVENT_ENUMERATION).
        from cms.account.claim import claimable_person, email_address

        if claimable_person(email_address(email)) is None:
            return super().send_account_already_exists_mail(email)
        self.send_mail(
            "account/email/account_claimable",
            email,
            {"claim_url": settings.WAGTAILADMIN_BASE_URL + reverse("claim_account")},
        )

    def get_login_redirect_url(self, request):
        return landing_url_for(request.user)

    def get_signup_redirect_url(self, request):
        # Signing up makes a trainee, who starts at My learning (after verifying, when required).
        return landing_url_for(request.user)

    def get_email_confirmation_url(self, request, emailconfirmation):
        url = super().get_email_confirmation_url(request, emailconfirmation)
        going_to = get_next_redirect_url(request) if request is not None else None
        return f"{url}?{urlencode({'next': going_to})}" if going_to else url


class MFAAdapter(DefaultMFAAdapter):
    """allauth's two-step sign-in messages in plain words."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "add_email_blocked": (
            "You cannot add an email address while two-step sign-in is on. Ask a system "
            "administrator to change your email address."
        ),
        "cannot_delete_authenticator": "You cannot turn off two-step sign-in.",
        "cannot_generate_recovery_codes": (
            "Set up an authenticator app or a security key first: recovery codes back one up."
        ),
        "incorrect_code": (
            "That code is not right. Enter the 6 numbers your authenticator app shows now, or "
            "one of your recovery codes."
        ),
        "unverified_email": (
            "Confirm your email address first (we sent you a link), then set up two-step sign-in."
        ),
    }
