"""The page where a lead merges two records of one person: the record kept is in the address;
the other is found by a search of the site's people, previewed, then merged on confirmation.
Kept apart from courses/people/views.py (the people pages)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cms.forms import BIGGEST_ID
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS
from courses import errors
from courses.people import merging, selectors
from courses.people.services import PersonError
from courses.sites import scope

MOST_SHOWN = 20


def _other_id(value) -> int | None:
    """The id of the other record as the address or form gives it, or None when it is not one."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) > BIGGEST_ID:
        return None
    return int(text)


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def person_merge(request, slug, person_id):
    site = scope.site_for_lead(request.user, slug)
    keep = merging.person_of_site_or_none(site, person_id)
    if keep is None:
        raise Http404
    query = request.GET.get("q", "")[:200]
    source = request.POST if request.method == "POST" else request.GET
    other_id = _other_id(source.get("merge"))
    merge = merging.person_of_site_or_none(site, other_id) if other_id else None
    refusal, preview, status = "", None, 200
    if request.method == "POST":
        try:
            record = merging.people_merge(site=site, keep=keep, merge=merge, merged_by=request.user)
        except PersonError as error:
            refusal, status = error.message, 400
        else:
            messages.success(request, errors.MERGE_DONE.format(merged=record.merged_name))
            return redirect(reverse("courses:person_detail", args=(site.slug, keep.pk)))
    elif other_id is not None:
        try:
            preview = merging.merge_preview(site=site, keep=keep, merge=merge)
        except PersonError as error:
            refusal = error.message
    found, total = merging.merge_candidates(site=site, keep=keep, query=query, limit=MOST_SHOWN)
    return render(
        request,
        "courses/people/merge.html",
        {
            "site": site,
            "keep": keep,
            "merge": merge,
            "query": query,
            "found": found,
            "total": total,
            "preview": preview,
            "refusal": refusal,
            "merges": selectors.merges_for(keep),
        },
        status=status,
    )
