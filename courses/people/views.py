"""A site's people, for its programme leads and site administrators: the list, adding a person,
their page and details, booking them onto a run, moving them and taking them off, and entering
a reflection from a paper form. A person not linked to the site is not found (404)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from assessments import errors as assessment_errors
from assessments.errors import AssessmentError
from assessments.reflections import responses
from assessments.reflections.forms import ReflectionForm
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS
from courses.errors import CoursesError
from courses.models import Enrolment
from courses.people import selectors, services
from courses.people.forms import MoveForm, PersonForm, SearchForm, StaffBookingForm
from courses.sites import scope
from courses.workshops import booking

PAGE_SIZE = 25


def _name(person) -> str:
    return person.get_full_name() or person.email or person.mobile or "This person"


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_people(request, slug):
    site = scope.site_for_lead(request.user, slug)
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    people = selectors.site_people(site, query=query)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "person": person,
            "group": selectors.group_of(person),
            "contact": selectors.contact_of(person),
        }
        for person in page
    ]
    return render(
        request,
        "courses/people/list.html",
        {"site": site, "form": form, "query": query, "page": page, "rows": rows},
    )


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def person_add(request, slug):
    site = scope.site_for_lead(request.user, slug)
    form = PersonForm(request.POST if request.method == "POST" else None)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_add(site=site, details=form.details(), added_by=request.user)
        except services.PersonError as error:
            form.add_error(None, error.message)
            existing = _linkable(site, error.existing)
        else:
            messages.success(request, f"{_name(person)} has been added to {site.name}.")
            return redirect("courses:person_detail", slug=site.slug, person_id=person.pk)
    return render(
        request,
        "courses/people/person_form.html",
        {"site": site, "form": form, "existing": existing, "adding": True},
        status=400 if form.errors else 200,
    )


def _linkable(site, person):
    """The existing person, when the page may link to them (they are on this site's list)."""
    if person is None or not selectors.in_scope(site, person):
        return None
    return person


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def person_detail(request, slug, person_id):
    site = scope.site_for_lead(request.user, slug)
    person = selectors.person_for_site(site, person_id)
    page = selectors.person_page(site, person)
    group = selectors.group_of(person)
    return render(
        request,
        "courses/people/person_detail.html",
        {
            "site": site,
            "person": person,
            "page": page,
            "group": group,
            "contact": selectors.contact_of(person),
            "editable": page.record is not None and not person.has_usable_password(),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def person_edit(request, slug, person_id):
    site = scope.site_for_lead(request.user, slug)
    person = selectors.person_for_site(site, person_id)
    if request.method == "POST":
        form = PersonForm(request.POST)
    else:
        form = PersonForm(initial=PersonForm.initial_for(person))
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person=person, details=form.details(), changed_by=request.user)
        except services.PersonError as error:
            form.add_error(None, error.message)
            existing = _linkable(site, error.existing)
        else:
            messages.success(request, f"{_name(person)}'s details have been changed.")
            return redirect("courses:person_detail", slug=site.slug, person_id=person.pk)
    return render(
        request,
        "courses/people/person_form.html",
        {"site": site, "form": form, "existing": existing, "person": person, "adding": False},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def person_book(request, slug, person_id):
    site = scope.site_for_lead(request.user, slug)
    person = selectors.person_for_site(site, person_id)
    runs = selectors.runs_to_book(site, person)
    record = getattr(person, "staff_record", None)
    initial = {
        "access_needs": record.access_needs if record else [],
        "adjustments": record.adjustments if record else "",
    }
    chosen = request.GET.get("run", "")
    if chosen.isdigit() and any(run.pk == int(chosen) for run in runs):
        initial["run"] = int(chosen)
    form = StaffBookingForm(
        request.POST if request.method == "POST" else None, runs=runs, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = booking.run_book(
                trainee=person,
                run_id=form.cleaned_data["run"],
                answers=form.answers(),
                booked_by=request.user,
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _booked_message(person, enrolment))
            return redirect("courses:person_detail", slug=site.slug, person_id=person.pk)
    return render(
        request,
        "courses/people/person_book.html",
        {"site": site, "person": person, "form": form, "runs": runs},
        status=400 if form.errors else 200,
    )


def _booked_message(person, enrolment) -> str:
    if enrolment.status == Enrolment.Status.WAITLISTED:
        position = booking.waiting_position(enrolment)
        return (
            f"{enrolment.run.title} is full: {_name(person)} is number {position} on its "
            "waiting list. They have been told."
        )
    return f"{_name(person)} is booked on {enrolment.run.title}. They have been told."


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def person_move(request, slug, person_id, enrolment_id):
    site = scope.site_for_lead(request.user, slug)
    person = selectors.person_for_site(site, person_id)
    enrolment = selectors.current_booking_or_404(site, person, enrolment_id)
    runs = selectors.runs_to_book(
        site, person, programme_id=enrolment.run.programme_id, exclude_run_id=enrolment.run_id
    )
    form = MoveForm(request.POST if request.method == "POST" else None, runs=runs)
    if request.method == "POST" and form.is_valid():
        try:
            moved = booking.booking_move(
                enrolment=enrolment, to_run_id=form.cleaned_data["run"], moved_by=request.user
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"{_name(person)} has been moved from {enrolment.run.title} to "
                f"{moved.run.title}. They have been told.",
            )
            return redirect("courses:person_detail", slug=site.slug, person_id=person.pk)
    return render(
        request,
        "courses/people/person_move.html",
        {"site": site, "person": person, "enrolment": enrolment, "form": form, "runs": runs},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def person_withdraw(request, slug, person_id, enrolment_id):
    site = scope.site_for_lead(request.user, slug)
    person = selectors.person_for_site(site, person_id)
    enrolment = selectors.current_booking_or_404(site, person, enrolment_id)
    error = None
    if request.method == "POST":
        try:
            booking.booking_withdraw(enrolment=enrolment, withdrawn_by=request.user)
        except CoursesError as refused:
            error = refused.message
        else:
            messages.success(
                request,
                f"{_name(person)} has been taken off {enrolment.run.title}. They have been told.",
            )
            return redirect("courses:person_detail", slug=site.slug, person_id=person.pk)
    return render(
        request,
        "courses/people/person_withdraw.html",
        {"site": site, "person": person, "enrolment": enrolment, "error": error},
        status=400 if error else 200,
    )


SEND = "send"


@require_http_methods(["GET", "POST"])
@role_required(*LEADS_AND_ADMINISTRATORS)
def person_reflection(request, slug, person_id, administration_id):
    """Enter a person's reflection from their paper form, in the same questionnaire they would
    answer online; the same rules (and the same window) apply."""
    site = scope.site_for_lead(request.user, slug)
    person = selectors.person_for_site(site, person_id)
    reflection = selectors.reflection_for_site_or_404(site, person, administration_id)
    questions = responses.questions_for(reflection, person)
    context = {"site": site, "person": person, "reflection": reflection, "questions": questions}
    if reflection.status != responses.NOT_STARTED and reflection.status != responses.DRAFT:
        return render(request, "courses/people/person_reflection_closed.html", context)
    response = reflection.response
    form = ReflectionForm(
        questions,
        data=request.POST if request.method == "POST" else None,
        share_with_tutors=response.share_with_tutors if response else None,
        goals_shared=response.goals_shared if response else "",
        before=reflection.is_before,
    )
    if request.method == "POST" and form.is_valid():
        try:
            responses.response_save(
                administration_id=reflection.administration.pk,
                respondent=person,
                answers=form.answers(),
                share_with_tutors=form.share_with_tutors(),
                submit=True,
                goals=form.goals(),
                entered_by=request.user,
            )
        except AssessmentError as error:
            if error.message == assessment_errors.NOT_YOURS:
                raise Http404("Not one of this person's reflections.") from error
            if not error.errors:
                messages.error(request, error.message)
                return redirect("courses:person_detail", slug=site.slug, person_id=person.pk)
            form.add_errors(error)
        else:
            messages.success(
                request, f"{_name(person)}'s answers from their paper form have been saved."
            )
            return redirect("courses:person_detail", slug=site.slug, person_id=person.pk)
    context["form"] = form
    return render(
        request,
        "courses/people/person_reflection.html",
        context,
        status=400 if form.errors else 200,
    )
