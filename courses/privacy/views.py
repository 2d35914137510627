"""Staff produce everything held about a person for their written request (a subject access
request). Recorded every time; the person is not emailed (staff send it by the agreed route)."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cms.permissions import role_required
from cms.privacy.services import personal_data_export
from cms.privacy.views import zip_response
from cms.roles import WRITTEN_REQUEST_ROLES
from courses import errors
from courses.privacy.forms import WrittenRequestForm
from courses.privacy.selectors import person_for_written_request

SCOPE = (
    "You can produce the data of people with a booking or enrolment at your sites. For anyone "
    "else, ask a system administrator."
)
SCOPE_FOR_ANYONE = "As a system administrator you can produce anyone's data."


@require_http_methods(["GET", "POST"])
@never_cache
@role_required(*WRITTEN_REQUEST_ROLES)
def written_request(request):
    form = WrittenRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        person = person_for_written_request(staff=request.user, email=form.cleaned_data["email"])
        if person is None:
            form.add_error(
                "email",
                errors.REQUEST_PERSON_NOT_FOUND_ANYWHERE
                if request.user.is_superuser
                else errors.REQUEST_PERSON_NOT_FOUND,
            )
            status = 404
        else:
            try:
                download = personal_data_export(
                    person=person,
                    produced_by=request.user,
                    reference=form.cleaned_data["reference"],
                    request_received_on=form.cleaned_data["request_received_on"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return zip_response(download)
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "courses/privacy/written_request.html",
        {"form": form, "scope_note": SCOPE_FOR_ANYONE if request.user.is_superuser else SCOPE},
        status=status,
    )
