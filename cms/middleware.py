from django.middleware.csp import ContentSecurityPolicyMiddleware


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
