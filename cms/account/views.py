"""The account page and its change forms. A person only ever sees and changes their own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cms import services
from cms.account.sections import sections_for
from cms.forms import AUDIENCE_WHY, AudienceForm, NameForm
from cms.roles import has_second_factor, must_set_up_second_factor, second_factor_role_name

NAME_CHANGED = (
    "Your name has been changed. Certificates you get from now on will show it; certificates "
    "you already have keep the name they were issued with."
)
AUDIENCE_CHANGED = "Thank you. We have changed who you are on your account."


@require_GET
@login_required
def account(request):
    person = request.user
    return render(
        request,
        "cms/account/account.html",
        {
            "person": person,
            "audience_why": AUDIENCE_WHY,
            "sections": sections_for(person),
            "second_factor": has_second_factor(person),
            "second_factor_required": (
                second_factor_role_name(person) if must_set_up_second_factor(person) else ""
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def change_name(request):
    person = request.user
    form = NameForm(
        data=request.POST if request.method == "POST" else None,
        initial={"first_name": person.first_name, "last_name": person.last_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update_name(user=person, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, NAME_CHANGED)
            return redirect("account")
    return render(
        request,
        "cms/account/change_name.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def change_audience(request):
    person = request.user
    form = AudienceForm(
        data=request.POST if request.method == "POST" else None,
        initial={"audience": person.audience or None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update_audience(user=person, audience=form.cleaned_data["audience"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, AUDIENCE_CHANGED)
            return redirect("account")
    return render(
        request,
        "cms/account/change_audience.html",
        {"form": form, "answered_before": bool(person.audience)},
        status=400 if form.errors else 200,
    )
