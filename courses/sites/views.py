from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS, WRITTEN_REQUEST_ROLES, Role, has_any_role
from courses.errors import CoursesError
from courses.models import CourseRun
from courses.sites import scope, selectors, services
from courses.sites.forms import OrganiserMessageForm, SiteContactForm

MESSAGES_PER_PAGE = 20


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_list(request):
    return render(
        request,
        "courses/sites/site_list.html",
        {
            "sites": selectors.site_list_for(request.user),
            "answers_written_requests": request.user.is_superuser
            or has_any_role(request.user, *WRITTEN_REQUEST_ROLES),
        },
    )


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_detail(request, slug):
    context = selectors.site_page_for(request.user, slug)
    context["can_plan"] = request.user.is_superuser or has_any_role(
        request.user, Role.PROGRAMME_LEAD
    )
    return render(request, "courses/sites/site_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_contact(request, slug):
    site = scope.site_for_lead(request.user, slug)
    form = SiteContactForm(request.POST if request.method == "POST" else None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_contact_update(
                site=scope.site_for_lead(request.user, slug), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{site.name}'s contact details are saved.")
            return redirect("courses:site_detail", slug=site.slug)
    return render(request, "courses/sites/site_contact.html", {"site": site, "form": form})


@require_GET
@role_required(Role.PROGRAMME_LEAD)
def site_messages(request, slug):
    site = scope.site_for_lead(request.user, slug)
    page = Paginator(selectors.organiser_messages(site), MESSAGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "courses/sites/site_messages.html",
        {"site": site, "page": page, "organiser_messages": page.object_list},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.TRAINEE)
def run_contact(request, run_id):
    run = selectors.run_for_message(trainee=request.user, run_id=run_id)
    form = OrganiserMessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organiser_message_send(run=run, sender=request.user, **form.cleaned_data)
        except CoursesError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Your message has been sent to {run.site.name}. They will reply to "
                f"{request.user.email}.",
            )
            if run.status == CourseRun.Status.OPEN:
                return redirect("courses:run_detail", run_id=run.pk)
            return redirect("courses:learn")  # a cancelled run has no page to go back to
    return render(request, "courses/sites/run_contact.html", {"run": run, "form": form})
