import logging

import requests
from allauth.socialaccount.models import SocialApp
from django.http import Http404
from django.shortcuts import render
from django.views.defaults import page_not_found

logger = logging.getLogger(__name__)


class SignInProviderErrorsMiddleware:
    """Two errors allauth lets through on its sign-in addresses, answered here instead of with the
    error page:

    - a provider that is not configured (Microsoft's addresses exist whether or not
      MICROSOFT_CLIENT_ID is set): not found, 404;
    - starting a sign-in with an OpenID Connect provider first reads its configuration; when the
      provider cannot be reached the person is told so (502). Failures later in the exchange
      allauth shows on its own error page (templates/socialaccount/authentication_error.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/accounts/"):
            return None
        if isinstance(exception, SocialApp.DoesNotExist):
            return page_not_found(request, Http404())
        if isinstance(exception, requests.RequestException):
            logger.warning("The identity provider could not be reached: %s", exception)
            return render(
                request,
                "socialaccount/authentication_error.html",
                {"auth_error": {"code": "unreachable", "provider": None}},
                status=502,
            )
        return None
