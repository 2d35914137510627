"""A person downloads everything held about them, from their account page. Only their own."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cms.privacy.services import personal_data_export


def zip_response(download) -> HttpResponse:
    response = HttpResponse(download.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    return response


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def your_data(request):
    if request.method == "POST":
        return zip_response(personal_data_export(person=request.user, produced_by=request.user))
    return render(request, "cms/privacy/your_data.html", {"person": request.user})
