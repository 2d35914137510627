"""The Wagtail admin's page for resetting a person's two-step sign-in (system administrators)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from cms.second_factors.forms import ResetForm
from cms.second_factors.services import second_factor_reset, second_factors_described


@require_http_methods(["GET", "POST"])
def second_factor_reset_view(request, user_id):
    if not (request.user.is_active and request.user.is_superuser):
        raise PermissionDenied
    person = get_object_or_404(get_user_model(), pk=user_id)
    form = ResetForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            second_factor_reset(
                person=person, reset_by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Two-step sign-in reset for {person.email}. We have emailed them; they set it "
                "up again when they next sign in.",
            )
            return redirect("second_factor_resets:index")
    return TemplateResponse(
        request,
        "wagtailadmin/second_factors/reset.html",
        {"person": person, "form": form, "has_factors": second_factors_described(person=person)},
        status=400 if form.errors else 200,
    )
