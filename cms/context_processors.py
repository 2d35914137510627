from django.conf import settings

from cms.footer import footer_links
from cms.navigation import navigation_for


def site_shell(request):
    return {
        "service_name": settings.SERVICE_NAME,
        "show_nhs_logo": settings.SHOW_NHS_LOGO,
        "primary_navigation": navigation_for(request.user) if hasattr(request, "user") else [],
        "footer_links": footer_links(),
    }
