from django.shortcuts import render
from django.views.decorators.http import require_GET

from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS, Role, has_any_role
from courses.sites import selectors


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_list(request):
    return render(
        request, "courses/sites/site_list.html", {"sites": selectors.site_list_for(request.user)}
    )


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_detail(request, slug):
    site, people_by_role = selectors.site_detail_for(request.user, slug)
    can_plan = request.user.is_superuser or has_any_role(request.user, Role.PROGRAMME_LEAD)
    return render(
        request,
        "courses/sites/site_detail.html",
        {"site": site, "people_by_role": people_by_role, "can_plan": can_plan},
    )
