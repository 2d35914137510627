"""Letters to print for a site: the letters waiting (print them as one PDF, which marks them
printed) and the batches printed before (print again). For the site's programme leads and site
administrators. The rules live in `courses/people/letters.py`."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cms.forms import BIGGEST_ID
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS
from courses.errors import CoursesError
from courses.people import letters
from courses.sites import scope

WAITING_SHOWN = 50
BATCHES_PER_PAGE = 20


def _last_id(posted) -> int | None:
    """The newest letter the lead saw, from the form; None if missing or not a plausible id."""
    value = (posted.get("up_to") or "").strip()
    if value.isascii() and value.isdigit() and 0 < int(value) <= BIGGEST_ID:
        return int(value)
    return None


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_letters(request, slug):
    site = scope.site_for_lead(request.user, slug)
    if request.method == "POST":
        try:
            first_id = letters.letters_print(
                site=site, printed_by=request.user, up_to_id=_last_id(request.POST)
            )
        except CoursesError as error:
            messages.info(request, error.message)
            return redirect("courses:site_letters", slug=site.slug)
        return redirect("courses:site_letter_batch", slug=site.slug, letter_id=first_id)
    batches = Paginator(letters.letter_batches(site), BATCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "courses/people/letters.html",
        {
            "site": site,
            # All of them are printed; the page lists the oldest few.
            "waiting": list(letters.letters_waiting(site)[:WAITING_SHOWN]),
            "summary": letters.letters_waiting_summary(site),
            "batches": batches,
        },
    )


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def letter_batch(request, slug, letter_id):
    site = scope.site_for_lead(request.user, slug)
    batch = letters.letter_batch(site, letter_id)
    return render(
        request,
        "courses/people/letters_batch.html",
        {"site": site, "letters": batch, "first": batch[0]},
    )


@require_GET
@never_cache
@role_required(*LEADS_AND_ADMINISTRATORS)
def letter_batch_pdf(request, slug, letter_id):
    site = scope.site_for_lead(request.user, slug)
    batch = letters.letter_batch(site, letter_id)
    response = HttpResponse(
        letters.letters_pdf(batch, site=site, service_name=settings.SERVICE_NAME),
        content_type="application/pdf",
    )
    printed = timezone.localtime(batch[0].printed_at)
    filename = f"letters-{site.slug}-{printed:%Y-%m-%d-%H%M%S}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
