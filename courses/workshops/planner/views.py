"""The pairing planner's pages for programme leads: propose tutors for a period, accept some or all."""

import re
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cms.permissions import role_required
from cms.roles import Role
from courses import errors
from courses.common.forms import DateInputField, PeriodForm
from courses.errors import CoursesError
from courses.sites.closed_days import closures
from courses.sites.scope import sites_for
from courses.workshops.planner.search import plan_accept, plan_for

DEFAULT_WEEKS = 12
LONGEST_PERIOD_DAYS = 366
ACCEPTED = "Tutors assigned to {count} session{plural}."
# Ids are plain digits and fit the database's integers; anything else is a forged form.
_ID = re.compile(r"[0-9]{1,18}", re.ASCII)


class PlanPeriodForm(PeriodForm):
    first_day = DateInputField(
        what="first day to plan", label="From", help_text="For example, 5 1 2027."
    )
    last_day = DateInputField(
        what="last day to plan", label="Until", help_text="For example, 30 3 2027."
    )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and (last - first).days >= LONGEST_PERIOD_DAYS:
            self.add_error(
                "last_day", errors.PLANNER_PERIOD_TOO_LONG.format(days=LONGEST_PERIOD_DAYS)
            )
        return cleaned


def _default_period():
    today = timezone.localdate()
    return {"first_day": today, "last_day": today + timedelta(weeks=DEFAULT_WEEKS)}


@require_GET
@role_required(Role.PROGRAMME_LEAD)
def planner(request, slug):
    site = get_object_or_404(sites_for(request.user), slug=slug)
    if any(name.startswith(("first_day", "last_day")) for name in request.GET):
        form = PlanPeriodForm(request.GET)
        period = form.cleaned_data if form.is_valid() else None
    else:
        period = _default_period()
        form = PlanPeriodForm(initial=period)
    plan = plan_for(site=site, **period) if period else None
    closed = (
        list(closures(site=site, first=period["first_day"], last=period["last_day"]).values())
        if period
        else []
    )
    return render(
        request,
        "courses/workshops/planner/planner.html",
        {"site": site, "form": form, "plan": plan, "closed": closed},
        status=400 if form.errors else 200,
    )


def _planner_url(site, data) -> str:
    url = reverse("courses:planner", args=[site.slug])
    form = PlanPeriodForm(data)
    if form.is_valid():
        url += "?" + urlencode(
            {name: form.cleaned_data[name].strftime("%d/%m/%Y") for name in form.fields}
        )
    return url


def _choices(data) -> list[tuple[int, int | None, int | None]]:
    """The ticked sessions with their hidden tutor ids; ValueError if the form was forged."""
    choices = []
    for value in data.getlist("session"):
        if not _ID.fullmatch(value):
            raise ValueError(value)
        tutor_ids = []
        for kind in ("lay", "clinical"):
            tutor = data.get(f"{kind}-{value}", "")
            if tutor and not _ID.fullmatch(tutor):
                raise ValueError(tutor)
            tutor_ids.append(int(tutor) if tutor else None)
        choices.append((int(value), *tutor_ids))
    return choices


@require_POST
@role_required(Role.PROGRAMME_LEAD)
def planner_accept(request, slug):
    site = get_object_or_404(sites_for(request.user), slug=slug)
    back = _planner_url(site, request.POST)
    try:
        choices = _choices(request.POST)
    except ValueError:
        messages.error(request, errors.PLANNER_CHOICE_INVALID)
        return redirect(back)
    try:
        count = plan_accept(site=site, choices=choices, accepted_by=request.user)
    except CoursesError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, ACCEPTED.format(count=count, plural="" if count == 1 else "s"))
    return redirect(back)
