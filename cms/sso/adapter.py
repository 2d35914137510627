from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.shortcuts import redirect

from cms.sso import linking


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in with the organisation's account. A first sign-in whose email belongs to an
    account here goes to the code check (cms/sso/linking.py) instead of allauth's sign-up;
    everyone else gets the sign-up form (their name, who they are) and becomes a trainee."""

    def pre_social_login(self, request, sociallogin):
        process = sociallogin.state.get("process")
        if sociallogin.is_existing or process in {AuthProcess.CONNECT, AuthProcess.REDIRECT}:
            return
        user, email = linking.account_for_email(sociallogin)
        if user is None:
            return
        linking.sso_link_start(request=request, sociallogin=sociallogin, user=user, email=email)
        raise ImmediateHttpResponse(redirect("sso_link_confirm"))
