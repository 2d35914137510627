"""My teaching: a tutor's sessions, each session's plan and register, and withdrawing from one."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cms.forms import BIGGEST_ID
from cms.permissions import role_required
from cms.roles import TUTOR_ROLES, TUTORS_AND_LEADS
from courses import errors
from courses.calendars import feeds
from courses.common import links, wording
from courses.errors import CoursesError
from courses.reflections import goal_themes
from courses.reflections.administrations import group_goals_for
from courses.reflections.partnership import partnership_alerts_for
from courses.reflections.session_feedback import session_feedback_for
from courses.workshops import booking, record, teaching
from courses.workshops.forms.tutor import (
    RegisterForm,
    SessionPlanForm,
    WithdrawForm,
    current_plan_data,
)
from courses.workshops.scheduling import tutor_withdraw

# A session's plan and register: its two tutors, and the programme leads of the run's site, see
# them and mark the register; only the two tutors change the plan.


@require_GET
@role_required(*TUTOR_ROLES)
def teach(request):
    context = teaching.teaching_for(request.user, past_page=request.GET.get("page"))
    if context["tutor"] is not None:
        # The address calendar programs subscribe to: what this tutor teaches, kept up to date.
        context["feed_url"] = links.feed_url(feeds.calendar_feed_ensure(user=request.user))
    return render(request, "courses/workshops/tutor/teaching.html", context)


@require_GET
@role_required(*TUTOR_ROLES)
def teach_record(request):
    """The sessions this tutor co-delivered, with totals: only their own."""
    return render(
        request, "courses/workshops/tutor/record.html", record.teaching_record_for(request.user)
    )


@require_GET
@never_cache
@role_required(*TUTOR_ROLES)
def teach_record_pdf(request):
    context = record.teaching_record_for(request.user)
    if context["tutor"] is None:
        raise Http404("You are not in a site's pool of tutors.")
    response = HttpResponse(
        record.teaching_record_pdf(context, service_name=settings.SERVICE_NAME),
        content_type="application/pdf",
    )
    filename = f"teaching-record-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@role_required(*TUTORS_AND_LEADS)
def session_plan(request, session_id):
    """The session's two tutors agree who leads what; a lead of the site sees the plan."""
    session = teaching.session_for_teaching(request.user, session_id)
    may_change = teaching.may_change_plan(request.user, session)
    if request.method == "POST" and not may_change:
        raise PermissionDenied(errors.PLAN_TUTORS_ONLY)
    plan = teaching.session_plan_for(session)
    form = SessionPlanForm(request.POST if request.method == "POST" else None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            changed = teaching.session_plan_set(
                session=session,
                leads=form.leads(),
                updated_by=request.user,
                seen_version=form.seen_version(),
            )
        except teaching.PlanChanged as error:
            # Show the plan as it is now, with the co-tutor's choices, for the tutor to redo.
            plan = teaching.session_plan_for(session)
            form = SessionPlanForm(current_plan_data(plan), plan=plan)
            form.is_valid()
            form.add_error(None, error.message)
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"The session plan is saved: {changed} "
                f"{'activity has' if changed == 1 else 'activities have'} a new lead."
                if changed
                else "Nothing changed: the plan already had these choices.",
            )
            return redirect("courses:session_plan", session_id=session.pk)
    # People share their goals with their tutors, never with a lead who reads the plan.
    group_goals = group_goals_for(session.run) if session.is_taught_by(request.user.pk) else None
    return render(
        request,
        "courses/workshops/tutor/session_plan.html",
        {
            **plan,
            "form": form,
            "when": wording.when(session),
            "is_tutor": session.is_taught_by(request.user.pk),
            "may_change": may_change,
            "group_goals": group_goals,
            "goal_themes": goal_themes.themes_to_tag(session.run)
            if group_goals and group_goals.goals
            else None,
        },
        status=400 if form.errors else 200,
    )


def _theme_id(posted) -> int | None:
    """The theme chosen for a goal: None for "No theme"; anything that cannot be a theme's id is
    not found."""
    text = posted if isinstance(posted, str) else ""
    if text == "":
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > BIGGEST_ID:
        raise Http404("No such theme.")
    return int(text)


@require_POST
@role_required(*TUTOR_ROLES)
def session_goal_theme(request, session_id):
    """A tutor of the session tags one of the goals their group shared with a theme of the
    programme (or with none), from the session plan. Anything else is not found."""
    session, _tutor = teaching.session_taught_by(request.user, session_id)
    try:
        tagged = goal_themes.group_goal_tag(
            run=session.run,
            reference=request.POST.get("goal", ""),
            theme_id=_theme_id(request.POST.get("theme", "")),
            tagged_by=request.user,
        )
    except CoursesError as error:
        raise Http404(error.message) from error
    if not tagged.changed:
        messages.success(
            request,
            f"Nothing changed: “{tagged.text}” already had the theme {tagged.theme.name}."
            if tagged.theme
            else f"Nothing changed: “{tagged.text}” had no theme.",
        )
    elif tagged.theme is None:
        messages.success(request, f"Saved: “{tagged.text}” has no theme now.")
    else:
        messages.success(request, f"Saved: “{tagged.text}” has the theme {tagged.theme.name}.")
    return redirect(f"{reverse('courses:session_plan', args=[session.pk])}#group-goals")


@require_GET
@role_required(*TUTORS_AND_LEADS)
def session_feedback(request, session_id):
    """What the trainees said after the session, without names, and both tutors' debriefs: for
    the session's two tutors and the leads of its site. A lead also sees any open alert that the
    session's lay tutor was sidelined in a streak this session is part of (tutors never do)."""
    session = teaching.session_for_teaching(request.user, session_id)
    return render(
        request,
        "courses/workshops/tutor/session_feedback.html",
        {
            "session": session,
            "when": wording.when(session),
            "feedback": session_feedback_for(session),
            "ended": session.ends_at <= timezone.now(),
            "partnership_alerts": partnership_alerts_for(request.user, session=session),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*TUTORS_AND_LEADS)
def session_register(request, session_id):
    """Marking the register: "Mark everyone present" (a link, no script) starts everyone not
    yet marked as present; saving with anyone not marked asks first."""
    session = teaching.session_for_teaching(request.user, session_id)
    people = teaching.register_for(session)
    everyone_present = request.method == "GET" and request.GET.get("everyone") == "present"
    form = RegisterForm(
        request.POST if request.method == "POST" else None,
        register=people,
        everyone_present=everyone_present,
    )
    incomplete = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = teaching.attendance_mark(
                session=session,
                marks=form.marks(),
                marked_by=request.user,
                unmarked_confirmed=request.POST.get("unmarked_confirmed") == "yes",
            )
        except teaching.RegisterIncomplete as error:
            incomplete = error
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"The register for session {session.number} is saved: "
                f"{saved.marked} of {saved.booked} "
                f"{'person' if saved.booked == 1 else 'people'} marked"
                + (f", {saved.unmarked} not marked." if saved.unmarked else "."),
            )
            return redirect("courses:register", session_id=session.pk)
    return render(
        request,
        "courses/workshops/tutor/register.html",
        {
            "session": session,
            "run": session.run,
            "form": form,
            "when": wording.when(session),
            "started": session.starts_at <= timezone.now(),
            "session_count": session.run.sessions.count(),
            "is_tutor": session.is_taught_by(request.user.pk),
            "needs": booking.access_needs_of(people),
            "summary": teaching.register_summary(people),
            "everyone_present": everyone_present,
            "incomplete": incomplete,
        },
        status=400 if form.errors or incomplete else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*TUTOR_ROLES)
def session_withdraw(request, session_id):
    session, tutor = teaching.session_taught_by(request.user, session_id)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            tutor_withdraw(
                session=session,
                tutor=tutor,
                reason=form.cleaned_data["reason"],
                recorded_by=request.user,
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"You have withdrawn from {session.run.title}, session {session.number} "
                f"({wording.when(session)}). Your co-tutor and programme lead have been told.",
            )
            return redirect("courses:teach")
    return render(
        request,
        "courses/workshops/tutor/withdraw.html",
        {"session": session, "form": form, "when": wording.when(session)},
        status=400 if form.errors else 200,
    )
