"""The confirmation a tutor sees after signing off or asking for changes.

Wagtail runs a workflow action (CoAuthorSignOffTask.on_action) without the request, from the
dashboard's buttons and from the page editor alike, and says nothing afterwards. This middleware
keeps the admin request at hand for the length of the request, so the task can add a Wagtail
success message once its transaction has committed.
"""

from contextvars import ContextVar

from django.contrib import messages
from django.db import transaction

__all__ = ["SignOffConfirmationMiddleware", "confirm"]

_request = ContextVar("sign_off_request", default=None)


class SignOffConfirmationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def confirm(text: str) -> None:
    """Show `text` as a success message on the next admin page, once the change is committed
    (nothing outside a request, such as in a management command)."""
    request = _request.get()
    if request is None or not hasattr(request, "_messages"):
        return
    transaction.on_commit(lambda: messages.success(request, text))
