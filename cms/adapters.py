from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group

from cms.navigation import landing_url_for
from cms.roles import Role


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up makes a trainee; tutors, leads and administrators are appointed by staff."""

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
