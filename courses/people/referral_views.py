"""The referral pages of a site, for its programme leads and site administrators: upload a file,
its preview and confirming it, the sample file, the "to contact" list and recording an outcome."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cms.forms import Radios
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS
from courses import errors
from courses.models import ReferralOutcome
from courses.people import referrals
from courses.people.referrals import ReferralError
from courses.sites.scope import site_for_lead

SHOWS = {"to_contact": "To contact", "all": "All referrals"}


class ReferralUploadForm(forms.Form):
    file = forms.FileField(
        label="Referral file",
        help_text="A CSV file or an Excel workbook (.xlsx), up to 2 MB and 2,000 rows.",
        error_messages={
            "required": errors.REFERRAL_FILE_REQUIRED,
            "empty": errors.REFERRAL_FILE_EMPTY,
            "invalid": errors.REFERRAL_FILE_REQUIRED,
        },
    )


class ReferralOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What came of contacting them?",
        choices=[(outcome.value, outcome.label) for outcome in referrals.OUTCOMES_TO_RECORD],
        widget=Radios,
        error_messages={
            "required": errors.REFERRAL_OUTCOME_CHOOSE,
            "invalid_choice": errors.REFERRAL_OUTCOME_CHOOSE,
        },
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Like: called twice, no answer; try after 5pm.",
    )


def _show(request) -> str:
    show = request.GET.get("show", "to_contact")
    return show if show in SHOWS else "to_contact"


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_referrals(request, slug):
    """The people referred to the site, oldest referral first: by default those still to contact."""
    site = site_for_lead(request.user, slug)
    show = _show(request)
    page = Paginator(
        referrals.referrals_for_site(site, show=show), referrals.REFERRALS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/people/referral_list.html",
        {
            "site": site,
            "page": page,
            "lines": referrals.referral_lines(site, page.object_list),
            "counts": referrals.referral_counts(site),
            "show": show,
            "shows": SHOWS,
            "query": f"show={show}",
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def referral_upload(request, slug):
    site = site_for_lead(request.user, slug)
    posted = request.method == "POST"
    form = ReferralUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = referrals.referral_import_preview(
                site=site,
                file_name=upload.name,
                content=upload.read(referrals.MAX_BYTES + 1),
                uploaded_by=request.user,
            )
        except ReferralError as error:
            form.add_error("file", error.message)
        else:
            return redirect("courses:referral_import", slug=site.slug, import_id=batch.pk)
    return render(
        request,
        "courses/people/referral_upload.html",
        {"site": site, "form": form, "columns": referrals.COLUMNS},
        status=400 if form.errors else 200,
    )


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def referral_import(request, slug, import_id):
    """A file's preview, or what was imported from it once confirmed."""
    site = site_for_lead(request.user, slug)
    batch = referrals.referral_import_for_site(site=site, import_id=import_id)
    return render(
        request,
        "courses/people/referral_import.html",
        {"site": site, "preview": referrals.import_preview(batch)},
    )


@require_POST
@role_required(*LEADS_AND_ADMINISTRATORS)
def referral_import_confirm(request, slug, import_id):
    site = site_for_lead(request.user, slug)
    batch = referrals.referral_import_for_site(site=site, import_id=import_id)
    try:
        batch = referrals.referral_import_confirm(referral_import=batch, confirmed_by=request.user)
    except ReferralError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, referrals.imported_message(batch))
    return redirect("courses:referral_import", slug=site.slug, import_id=batch.pk)


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def referral_template(request, slug):
    site = site_for_lead(request.user, slug)
    response = HttpResponse(referrals.sample_file(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="referrals-{site.slug}-sample.csv"'
    return response


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def referral_outcome(request, slug, referral_id):
    site = site_for_lead(request.user, slug)
    referral = referrals.referral_for_site(site=site, referral_id=referral_id)
    form = ReferralOutcomeForm(
        request.POST if request.method == "POST" else None,
        initial={"outcome": referral.outcome, "note": referral.outcome_note}
        if referral.outcome != ReferralOutcome.TO_CONTACT
        else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            referrals.referral_outcome_record(
                referral=referral,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                recorded_by=request.user,
            )
        except ReferralError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Recorded for {referral.person.get_full_name()}: {referral.get_outcome_display()}.",
            )
            return redirect("courses:site_referrals", slug=site.slug)
    return render(
        request,
        "courses/people/referral_outcome.html",
        {"site": site, "referral": referral, "form": form},
        status=400 if form.errors else 200,
    )
