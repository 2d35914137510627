import logging

import requests
from django.shortcuts import render

logger = logging.getLogger(__name__)


class IdentityProviderUnreachableMiddleware:
    """Starting a sign-in with an OpenID Connect provider first reads its configuration; when the
    provider cannot be reached, allauth lets the error through. The person is told what happened
    (502) instead of seeing the error page. Failures later in the exchange allauth already shows
    on its own error page (templates/socialaccount/authentication_error.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, requests.RequestException):
            return None
        if not request.path.startswith("/accounts/"):
            return None
        logger.warning("The identity provider could not be reached: %s", exception)
        return render(
            request,
            "socialaccount/authentication_error.html",
            {"auth_error": {"code": "unreachable", "provider": None}},
            status=502,
        )
