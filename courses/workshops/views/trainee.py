"""Trainees' pages for workshops: find a course, see its dates and tutors, book or join the waiting
list, and withdraw. Finding a course and a course's page are open to everyone, signed in or not;
booking and withdrawing are for trainees. The rules live in `workshops/booking.py` and the reads
in `workshops/finder.py`; these pages parse, check the role, call one service or selector and
render."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cms.models import ProgrammePage
from cms.permissions import role_required
from cms.roles import Role, has_any_role
from courses.errors import CoursesError
from courses.models import Enrolment
from courses.reflections.administrations import before_reflection_for
from courses.workshops import booking, finder, group_messages, offers
from courses.workshops.forms.finder import FinderForm
from courses.workshops.forms.trainee import BookingQuestionsForm


def _can_book(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_any_role(user, Role.TRAINEE))


@require_GET
def run_list(request):
    """Open to everyone: the runs people can book, searched by place and course."""
    programmes = list(ProgrammePage.objects.live().order_by("title").only("pk", "title", "track"))
    form = FinderForm(
        request.GET if ("place" in request.GET or "programme" in request.GET) else None,
        programmes=programmes,
    )
    search = form.search()
    found = finder.runs_page(person=request.user, page_number=request.GET.get("page"), **search)
    query = request.GET.copy()
    query.pop("page", None)
    chosen = next(
        (programme for programme in programmes if programme.pk == search["programme_id"]), None
    )
    return render(
        request,
        "courses/workshops/trainee/run_list.html",
        {
            "form": form,
            "page": found.page,
            "runs": found.runs,
            "place": search["place"],
            "programme": chosen,
            "query": query.urlencode(),
        },
    )


@require_GET
def run_detail(request, run_id):
    """Open to everyone: a run's dates, venue and tutors; trainees book here, others are asked
    to sign in or create an account and come back."""
    context = finder.run_detail_for(person=request.user, run_id=run_id)
    context["can_book"] = _can_book(request.user)
    enrolment = context.get("enrolment")
    if enrolment is not None and enrolment.status == Enrolment.Status.BOOKED:
        context["before_reflection"] = before_reflection_for(request.user, context["run"])
    context["offer"] = offers.open_offer_for(enrolment)
    if enrolment is not None:  # messages to the group, as they were sent to this person
        context["messages_received"] = group_messages.messages_received(
            context["run"], request.user
        )
    return render(request, "courses/workshops/trainee/run_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.TRAINEE)
def run_book(request, run_id):
    """The booking questions, then the place (or the waiting list)."""
    form = BookingQuestionsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        run = booking.open_run_or_404(run_id)  # a run not open: 404, nothing tried
        if form.is_valid():
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
        booking.booking_page_for(trainee=request.user, run_id=run_id) | {"form": form},
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
