"""Linking an organisation's account to an account that already has its email address.

The identity provider's word that an address is verified (`email_verified`) is not trusted for
this: someone who controls a provider, or an account at one, could otherwise take over the
account of anyone whose address they claim. The person is sent a code at the address, through
the outbox, and the link is made only when they type it here in the same browser session."""

import secrets
from datetime import timedelta

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email
from allauth.socialaccount.models import SocialLogin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

SESSION_KEY = "cms_sso_link"
CODE_LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5

CODE_WRONG = "That code is not right. Check the email we sent and type the code again."
CODE_EXPIRED = "That code has expired or was tried too many times. Sign in again to get a new one."
NO_LINK_PENDING = "There is no account waiting to be linked. Sign in again."


class LinkError(Exception):
    def __init__(self, message: str, *, ends: bool = False):
        super().__init__(message)
        self.message = message
        self.ends = ends


def _hash(code: str) -> str:
    return salted_hmac("cms.sso.link", code, algorithm="sha256").hexdigest()


def account_for_email(sociallogin: SocialLogin):
    """The existing account with one of the provider's addresses, verified or not."""
    for address in sociallogin.email_addresses:
        users = filter_users_by_email(address.email, prefer_verified=True)
        if users:
            return users[0], address.email
    return None, None


def sso_link_start(*, request, sociallogin: SocialLogin, user, email: str) -> None:
    """Keep the provider's sign-in in the session and send a code to the address."""
    code = f"{secrets.randbelow(10**6):06d}"
    request.session[SESSION_KEY] = {
        "sociallogin": sociallogin.serialize(),
        "user": user.pk,
        "email": email,
        "code": _hash(code),
        "expires": (timezone.now() + CODE_LIFETIME).timestamp(),
        "attempts": 0,
    }
    get_account_adapter(request).send_mail(
        "cms/sso/email/link_code",
        email,
        {"code": code, "provider_name": sociallogin.provider.name, "email": email},
    )


def pending_link(request) -> dict | None:
    return request.session.get(SESSION_KEY)


def _drop(request) -> None:
    request.session.pop(SESSION_KEY, None)


def sso_link_confirm(*, request, code: str) -> tuple[SocialLogin, object]:
    """Check the code; when right, link the provider's account to the existing one and return
    both for signing in. A wrong code counts; the fifth, or an old one, ends the attempt."""
    pending = pending_link(request)
    if pending is None:
        raise LinkError(NO_LINK_PENDING, ends=True)
    if timezone.now().timestamp() > pending["expires"] or pending["attempts"] >= MAX_ATTEMPTS:
        _drop(request)
        raise LinkError(CODE_EXPIRED, ends=True)
    if not constant_time_compare(_hash(code.strip()), pending["code"]):
        pending["attempts"] += 1
        request.session[SESSION_KEY] = pending
        if pending["attempts"] >= MAX_ATTEMPTS:
            _drop(request)
            raise LinkError(CODE_EXPIRED, ends=True)
        raise LinkError(CODE_WRONG)
    _drop(request)
    user = get_user_model().objects.get(pk=pending["user"])
    sociallogin = SocialLogin.deserialize(pending["sociallogin"])
    with transaction.atomic():
        address = EmailAddress.objects.filter(user=user, email__iexact=pending["email"]).first()
        if address is None or not address.verified:
            # As allauth does when it signs someone in by email: whoever made the account with an
            # address they had not proven may know its password; it stops working now.
            if user.has_usable_password():
                user.set_unusable_password()
                user.save(update_fields=["password"])
            if address is None:
                address = EmailAddress(user=user, email=pending["email"])
            address.verified = True
            address.primary = (
                address.primary or not EmailAddress.objects.filter(user=user, primary=True).exists()
            )
            address.save()
        sociallogin.connect(request, user)
    return sociallogin, user
