"""A person's data rights pages: downloading everything held about them (only their own), and
erasing a whole person, by themselves from their account page or by a system administrator for a
written request. The rules are in cms/privacy/erasure.py and services.py; these pages ask and
confirm."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cms.privacy.erasure import (
    SELF_REASON,
    ErasureRefused,
    erasure_explained,
    erasure_refusals,
    person_erase,
)
from cms.privacy.forms import EraseOwnAccountForm, ErasePersonForm
from cms.privacy.services import personal_data_export

PERSON_ERASED = "The account has been erased. The record of it is under Settings, People erased."


@require_http_methods(["GET", "POST"])
@login_required
@reauthentication_required
def erase_own_account(request):
    person = request.user
    form = EraseOwnAccountForm(data=request.POST if request.method == "POST" else None)
    refusals = erasure_refusals(person)
    if request.method == "POST" and form.is_valid() and not refusals:
        try:
            person_erase(person=person, erased_by=person, reason=SELF_REASON)
        except ErasureRefused as refused:
            refusals = refused.reasons
        else:
            logout(request)
            return redirect("account_erased")
    return render(
        request,
        "cms/privacy/erase_own_account.html",
        {"form": form, "refusals": refusals, **erasure_explained()},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def account_erased(request):
    return render(request, "cms/privacy/account_erased.html")


@require_http_methods(["GET", "POST"])
@login_required
def erase_person(request):
    if not request.user.is_superuser:
        raise PermissionDenied
    form = ErasePersonForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            person_erase(
                person=form.person, erased_by=request.user, reason=form.cleaned_data["reason"]
            )
        except ErasureRefused as refused:
            for reason in refused.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, PERSON_ERASED)
            return redirect("erase_person")
    return render(
        request,
        "cms/privacy/erase_person.html",
        {"form": form, **erasure_explained()},
        status=400 if form.errors else 200,
    )


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
