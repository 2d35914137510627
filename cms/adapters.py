from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.models import Group

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
    """Sign-up makes a trainee; tutors, leads and administrators are appointed by staff."""

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

    def get_login_redirect_url(self, request):
        return landing_url_for(request.user)

    def get_signup_redirect_url(self, request):
        # Signing up makes a trainee, who starts at My learning (after verifying, when required).
        return landing_url_for(request.user)
