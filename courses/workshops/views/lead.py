"""Programme leads' pages for course runs: list, create, detail (readiness, bookings,
attendance), open for booking, assign tutors and find cover. Site administrators may look."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cms.models import ProgrammePage
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS, Role, has_any_role
from courses.common import wording
from courses.errors import CoursesError
from courses.models import Venue
from courses.reflections import administrations
from courses.sites import scope
from courses.workshops import booking, group_messages, readiness, scheduling, selectors
from courses.workshops.forms.lead import (
    CancelRunForm,
    CoverForm,
    GroupExceptionForm,
    RunForm,
    SessionTutorsForm,
)
from courses.workshops.teaching import attendance_by_session


def _can_plan(user):
    return user.is_superuser or has_any_role(user, Role.PROGRAMME_LEAD)


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def run_list(request, slug):
    site = scope.site_for_lead(request.user, slug)
    page = Paginator(selectors.runs_for_site(site), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/workshops/lead/runs.html",
        {"site": site, "page": page, "can_plan": _can_plan(request.user)},
    )


@role_required(Role.PROGRAMME_LEAD)
def run_create(request, slug):
    site = scope.site_for_lead(request.user, slug)
    form = RunForm(
        request.POST if request.method == "POST" else None,
        programmes=ProgrammePage.objects.live().order_by("title"),
        venues=Venue.objects.filter(site=site, is_active=True).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = scheduling.run_create(
                site=site,
                programme_id=data["programme"].pk,
                venue_id=data["venue"].pk,
                title=data["title"],
                first_date=data["first_date"],
                weekday=data["weekday"],
                start_time=data["start_time"],
                session_minutes=data["session_minutes"],
                session_count=data["session_count"],
                capacity=data["capacity"],
                minimum_group=data["minimum_group"],
                completion_sessions=data["completion_sessions"],
                reminder_days=data["reminder_days"],
                offer_hours=data["offer_hours"],
                closed_dates=data["closed_dates"],
                created_by=request.user,
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            skipped = "".join(f" {closure.skipped}." for closure in run.skipped_days)
            messages.success(
                request,
                f"{run.title} created with {data['session_count']} sessions.{skipped} Assign a "
                "lay and a clinical tutor to each, then open it for booking.",
            )
            return redirect("courses:site_run", slug=site.slug, run_id=run.pk)
    return render(
        request,
        "courses/workshops/lead/run_form.html",
        {"site": site, "form": form, "has_venues": form.fields["venue"].queryset.exists()},
    )


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def run_detail(request, slug, run_id):
    site, run = selectors.run_for_lead(request.user, slug, run_id)
    return _run_page(request, site, run)


def _run_page(request, site, run, *, exception_form=None):
    sessions = selectors.run_sessions_with_readiness(run)
    now = timezone.now()
    return render(
        request,
        "courses/workshops/lead/run_detail.html",
        {
            "site": site,
            "run": run,
            "sessions": sessions,
            "all_ready": all(item.ready for item in sessions),
            "skipped": selectors.run_skipped_days(
                run, [item.session.starts_at for item in sessions]
            ),
            "bookings": selectors.run_bookings(run),
            # Only sessions that have started have a register to count.
            "attendance": [
                row for row in attendance_by_session(run) if row.session.starts_at <= now
            ],
            "can_plan": _can_plan(request.user),
            "finished": bool(sessions) and sessions[-1].session.ends_at <= now,
            "exception_form": exception_form or GroupExceptionForm(),
            "exceptions": selectors.run_group_exceptions(run),
            "group_messages": group_messages.recent_run_messages(run),
            "run_group": wording.track_group(run.programme.track),
            "surveys": administrations.run_surveys(
                run,
                first_start=sessions[0].session.starts_at if sessions else None,
                last_start=sessions[-1].session.starts_at if sessions else None,
            ),
        },
        status=400 if exception_form is not None and exception_form.errors else 200,
    )


@require_POST
@role_required(Role.PROGRAMME_LEAD)
def run_exception(request, slug, run_id):
    """Let one person from the other group book this run (recorded)."""
    site, run = selectors.run_for_lead(request.user, slug, run_id)
    form = GroupExceptionForm(request.POST)
    if form.is_valid():
        try:
            exception = booking.group_exception_create(
                run=run,
                address=form.cleaned_data["address"],
                reason=form.cleaned_data["reason"],
                decided_by=request.user,
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"{exception.trainee.get_full_name() or exception.trainee.email} can now book "
                f"{run.title}. Tell them they can book it on its page.",
            )
            return redirect("courses:site_run", slug=site.slug, run_id=run.pk)
    return _run_page(request, site, run, exception_form=form)


@require_POST
@role_required(Role.PROGRAMME_LEAD)
def run_open(request, slug, run_id):
    site, run = selectors.run_for_lead(request.user, slug, run_id)
    try:
        scheduling.run_open(run=run)
    except CoursesError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{run.title} is open for booking.")
    return redirect("courses:site_run", slug=site.slug, run_id=run.pk)


@role_required(Role.PROGRAMME_LEAD)
def run_cancel(request, slug, run_id):
    site, run = selectors.run_for_lead(request.user, slug, run_id)
    form = CancelRunForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.run_cancel(
                run=run, reason=form.cleaned_data["reason"], cancelled_by=request.user
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"{run.title} is cancelled. Everyone booked or waiting, its tutors and the "
                "site's leads have been emailed.",
            )
            return redirect("courses:site_run", slug=site.slug, run_id=run.pk)
    return render(
        request,
        "courses/workshops/lead/run_cancel.html",
        {"site": site, "run": run, "form": form, "bookings": selectors.run_bookings(run)},
    )


@role_required(Role.PROGRAMME_LEAD)
def session_tutors(request, slug, session_id):
    site, session = selectors.session_for_lead(request.user, slug, session_id)
    choices = selectors.tutor_choices_for(session)
    form = SessionTutorsForm(
        request.POST if request.method == "POST" else None,
        initial={"lay_tutor": session.lay_tutor_id, "clinical_tutor": session.clinical_tutor_id},
        lay_choices=choices["lay"],
        clinical_choices=choices["clinical"],
    )
    needs_reason = False
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.session_tutors_set(
                session=session,
                lay_tutor_id=form.cleaned_data["lay_tutor"],
                clinical_tutor_id=form.cleaned_data["clinical_tutor"],
                assigned_by=request.user,
                override_reason=form.cleaned_data["override_reason"],
            )
        except scheduling.SchedulingError as error:
            form.add_error(None, error.message)
            needs_reason = error.overridable
        else:
            messages.success(request, f"Tutors saved for session {session.number}.")
            return redirect("courses:site_run", slug=site.slug, run_id=session.run_id)
    return render(
        request,
        "courses/workshops/lead/session_tutors.html",
        {"site": site, "session": session, "form": form, "needs_reason": needs_reason},
    )


@role_required(Role.PROGRAMME_LEAD)
def session_cover(request, slug, session_id):
    site, session = selectors.session_for_lead(request.user, slug, session_id)
    kinds = [kind for kind in ("lay", "clinical") if session.tutor_of_kind(kind) is None]
    groups = []
    for kind in kinds:
        options = readiness.cover_options(session, kind)
        groups.append(
            {"kind": kind, "candidates": options.candidates, "ineligible": options.ineligible}
        )
    choices = [(c.tutor_id, c.name) for group in groups for c in group["candidates"]]
    form = CoverForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.session_cover(
                session=session,
                tutor_id=form.cleaned_data["tutor"],
                assigned_by=request.user,
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Cover arranged for session {session.number}. Both tutors and the site's leads "
                "have been told.",
            )
            return redirect("courses:site_run", slug=site.slug, run_id=session.run_id)
    return render(
        request,
        "courses/workshops/lead/session_cover.html",
        {
            "site": site,
            "session": session,
            "groups": groups,
            "form": form,
            "run_url": reverse("courses:site_run", args=[site.slug, session.run_id]),
        },
    )
