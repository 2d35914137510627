"""Trainees' pages for workshops: find a course, see its dates and tutors, book or join the waiting
list, and withdraw. The rules live in `workshops/booking.py`; these pages parse, check the role,
call one service or selector and render."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cms.curricula.vocabulary import Track
from cms.models import ProgrammePage
from cms.permissions import role_required
from cms.roles import Role
from courses.errors import CoursesError
from courses.models import Enrolment, Site
from courses.workshops import booking
from courses.workshops.forms.trainee import BookingQuestionsForm

RUNS_PER_PAGE = 10


class RunFilterForm(forms.Form):
    """The filters of "Find a course". Anything it does not recognise is ignored, with a note."""

    site = forms.ChoiceField(label="Where", required=False)
    programme = forms.ChoiceField(label="Course", required=False)

    def __init__(self, *args, sites, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "Anywhere")] + [
            (site.slug, site.name) for site in sites
        ]
        self.fields["programme"].choices = [("", "Any course")] + [
            (str(programme.pk), f"{programme.title} ({Track(programme.track).label.lower()})")
            for programme in programmes
        ]


@require_GET
@role_required(Role.TRAINEE)
def run_list(request):
    form = RunFilterForm(
        request.GET if ("site" in request.GET or "programme" in request.GET) else None,
        sites=Site.objects.order_by("name").only("slug", "name"),
        programmes=ProgrammePage.objects.live().order_by("title").only("pk", "title", "track"),
    )
    filters = {}
    if form.is_bound:
        form.is_valid()
        # Valid filters apply; a filter we do not recognise is shown as an error and ignored.
        filters = form.cleaned_data
    runs = booking.open_runs(
        trainee=request.user,
        site_slug=filters.get("site") or None,
        programme_id=int(filters["programme"]) if filters.get("programme") else None,
    )
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "courses/workshops/trainee/run_list.html",
        {"form": form, "page": page, "runs": page.object_list, "query": query.urlencode()},
    )


@require_GET
@role_required(Role.TRAINEE)
def run_detail(request, run_id):
    return render(
        request,
        "courses/workshops/trainee/run_detail.html",
        booking.run_detail_for(trainee=request.user, run_id=run_id),
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.TRAINEE)
def run_book(request, run_id):
    """The booking questions, then the place (or the waiting list)."""
    run = booking.open_run_or_404(run_id)
    form = BookingQuestionsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = booking.run_book(
                trainee=request.user, run_id=run.pk, answers=form.answers()
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            return _booked(request, run, enrolment)
    return render(
        request,
        "courses/workshops/trainee/run_book.html",
        booking.booking_page_for(trainee=request.user, run_id=run.pk) | {"form": form},
        status=400 if form.errors else 200,
    )


def _booked(request, run, enrolment):
    if enrolment.status == Enrolment.Status.BOOKED:
        messages.success(
            request, f"You have a place on {run.title}. We have emailed you the dates."
        )
    else:
        messages.success(
            request,
            f"The course is full, so you are number {booking.waiting_position(enrolment)} on "
            "the waiting list. We will email you if a place comes up.",
        )
    return redirect("courses:run_detail", run_id=run.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.TRAINEE)
def run_answers(request, run_id):
    """Change the answers to the booking questions, until the course starts."""
    enrolment = booking.enrolment_on_run_or_404(trainee=request.user, run_id=run_id)
    form = BookingQuestionsForm(
        request.POST if request.method == "POST" else None,
        booking=False,
        initial={"access_needs": enrolment.access_needs, "adjustments": enrolment.adjustments},
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking.booking_answers_update(enrolment=enrolment, answers=form.answers())
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Your answers are saved. The organisers of {enrolment.run.title} can see them.",
            )
            return redirect("courses:run_detail", run_id=run_id)
    return render(
        request,
        "courses/workshops/trainee/run_answers.html",
        {"enrolment": enrolment, "run": enrolment.run, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.TRAINEE)
def run_withdraw(request, run_id):
    enrolment = booking.enrolment_on_run_or_404(trainee=request.user, run_id=run_id)
    run = enrolment.run
    if request.method == "GET":
        if enrolment.status not in (Enrolment.Status.BOOKED, Enrolment.Status.WAITLISTED):
            messages.info(request, f"You are not booked on {run.title}.")
            return redirect("courses:run_detail", run_id=run.pk)
        return render(
            request,
            "courses/workshops/trainee/run_withdraw.html",
            {"enrolment": enrolment, "run": run},
        )
    was = enrolment.status
    try:
        booking.booking_withdraw(enrolment=enrolment)
    except CoursesError as error:
        messages.error(request, error.message)
        return redirect("courses:run_detail", run_id=run.pk)
    if was == Enrolment.Status.BOOKED:
        messages.success(
            request,
            f"You have cancelled your place on {run.title}. We have emailed you to confirm.",
        )
    elif was == Enrolment.Status.WAITLISTED:
        messages.success(
            request,
            f"You have left the waiting list for {run.title}. We have emailed you to confirm.",
        )
    else:
        messages.info(request, f"You are not booked on {run.title}.")
    return redirect("courses:run_detail", run_id=run.pk)
