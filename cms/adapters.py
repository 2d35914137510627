from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from django.contrib.auth.models import Group

from cms.navigation import landing_url_for
from cms.roles import Role


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

    def get_login_redirect_url(self, request):
        return landing_url_for(request.user)

    def get_signup_redirect_url(self, request):
        # Signing up makes a trainee, who starts at My learning (after verifying, when required).
        return landing_url_for(request.user)

    def get_email_confirmation_url(self, request, emailconfirmation):
        url = super().get_email_confirmation_url(request, emailconfirmation)
        going_to = get_next_redirect_url(request) if request is not None else None
        return f"{url}?{urlencode({'next': going_to})}" if going_to else url
