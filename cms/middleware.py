from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.shortcuts import redirect

from cms.roles import must_set_up_second_factor


class PublicSiteContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    """Django's CSP middleware, for the public site only.

    The Wagtail admin ships inline scripts and styles of its own, so a strict policy would break
    it; the pages patients and professionals use carry none and get the full policy.
    """

    exempt_prefixes = ("/admin/",)

    def process_response(self, request, response):
        if request.path.startswith(self.exempt_prefixes):
            return response
        return super().process_response(request, response)


class RefuseNulBytesMiddleware:
    """A NUL byte is never part of a real address or a form: a path, query or posted form with
    one is answered 400 before any view sees it (databases refuse NUL in text, so it would
    otherwise surface as a 500 wherever the value reaches a query)."""

    # Forms only: a JSON or other body is the view's to read whole (request.POST would be empty).
    FORMS = {"application/x-www-form-urlencoded", "multipart/form-data"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.carries_nul(request):
            return HttpResponseBadRequest(
                "This address or form contains a character that is not allowed (a NUL byte). "
                "Go back and try again.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)

    def carries_nul(self, request) -> bool:
        if "\x00" in request.path:
            return True
        if self.in_query_dict(request.GET):
            return True
        return request.method == "POST" and (
            request.content_type in self.FORMS and self.in_query_dict(request.POST)
        )

    @staticmethod
    def in_query_dict(data) -> bool:
        """Every key and every value of a repeated key (`?a=1&a=%00`), not only the last."""
        return any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in data.lists()
        )


SECOND_FACTOR_NEEDED = (
    "Set up two-step sign-in before you go on. Programme leads, site administrators and system "
    "administrators see the answers and records of many people, so they sign in with a password "
    "and a second factor: an authenticator app on their phone or a security key."
)


class SecondFactorRequiredMiddleware:
    """Programme leads, site administrators and system administrators without a second factor
    are sent to set one up (allauth's two-step sign-in pages) from every page but these: their
    account and allauth's pages under /accounts/ (setting up, signing out), and the public ones.

    Who must is cms.roles.must_set_up_second_factor; it reads the roles and the factor in the one
    query the header's menu needs anyway."""

    # Address names open to them before the set-up: the public pages and the account page.
    OPEN_URL_NAMES = frozenset(
        {
            "wagtail_serve",  # the page tree: home, information pages, curricula
            "courses:run_list",  # the course finder
            "courses:run_detail",
            "courses:verify_certificate_form",  # checking a certificate
            "courses:verify_certificate",
            "healthz",
            "readyz",
        }
    )
    OPEN_PREFIXES = ("/accounts/", "/account/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.OPEN_PREFIXES):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.OPEN_URL_NAMES:
            return None
        if not must_set_up_second_factor(request.user):
            return None
        messages.warning(request, SECOND_FACTOR_NEEDED)
        return redirect("mfa_index")
