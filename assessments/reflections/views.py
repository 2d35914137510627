"""A person's own reflections: the list, answering one, reading what they sent, downloading and
erasing their answers. Everything here is the signed-in person's own: a reflection that is not
theirs is 404, whoever asks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from assessments import errors
from assessments.errors import AssessmentError
from assessments.models import Response
from assessments.reflections import responses
from assessments.reflections.exports import export_log
from assessments.reflections.forms import ReflectionForm
from cms.spreadsheets import csv_writer

SEND = "send"
SAVE = "save"


@require_GET
@login_required
def reflections(request):
    return render(
        request,
        "assessments/reflections/list.html",
        {"overview": responses.reflections_overview(request.user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def answer(request, administration_id):
    reflection = responses.reflection_for(request.user, administration_id)
    if reflection is None:
        raise Http404("This reflection is not one of yours.")
    questions = responses.questions_for(reflection, request.user)
    context = {"reflection": reflection, "questions": questions}
    if request.method == "GET" and reflection.status == responses.SUBMITTED:
        return render(request, "assessments/reflections/read.html", context)
    if request.method == "GET" and reflection.status in (responses.CLOSED, responses.UPCOMING):
        return render(request, "assessments/reflections/unavailable.html", context)

    response = reflection.response
    form = ReflectionForm(
        questions,
        data=request.POST if request.method == "POST" else None,
        share_with_tutors=response.share_with_tutors if response else None,
        goals_shared=response.goals_shared if response else "",
        before=reflection.is_before,
    )
    if request.method == "POST" and form.is_valid():
        # The default button (Enter in a radio group) and anything unknown only saves a draft.
        submit = request.POST.get("action") == SEND
        try:
            responses.response_save(
                administration_id=reflection.administration.pk,
                respondent=request.user,
                answers=form.answers(),
                share_with_tutors=form.share_with_tutors(),
                submit=submit,
                goals=form.goals(),
            )
        except AssessmentError as error:
            if error.message == errors.NOT_YOURS:
                raise Http404("This reflection is not one of yours.") from error
            if not error.errors:  # sent already, closed or not open: the page says which
                messages.error(request, error.message)
                return redirect(
                    "assessments:answer", administration_id=reflection.administration.pk
                )
            form.add_errors(error)
        else:
            if submit:
                messages.success(request, "Thank you. Your answers have been sent.")
                return redirect(
                    "assessments:answer", administration_id=reflection.administration.pk
                )
            messages.success(request, _saved_message(reflection))
            return redirect("assessments:reflections")
    context["form"] = form
    return render(
        request,
        "assessments/reflections/answer.html",
        context,
        status=400 if form.errors else 200,
    )


def _saved_message(reflection) -> str:
    if reflection.closes_at is None:
        return "Saved. You can come back to finish it at any time."
    return (
        f"Saved. You can come back to finish before {responses.moment_text(reflection.closes_at)}."
    )


@require_GET
@never_cache
@login_required
def download(request):
    rows = responses.answers_rows_for(request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"my-reflections-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv_writer(response)
    writer.writerow(["Reflection", "Before or after", "Question", "Answer", "Sent on"])
    for row in rows:
        writer.writerow(
            [
                row.label,
                row.phase,
                row.question,
                row.answer,
                timezone.localtime(row.submitted_at).date().isoformat()
                if row.submitted_at
                else "Not sent yet",
            ]
        )
    export_log(
        user=request.user,
        what="My reflections (their own answers)",
        file_format="csv",
        filters={},
        row_count=len(rows),
    )
    return response


@require_http_methods(["GET", "POST"])
@login_required
def erase(request):
    if request.method == "POST":
        erasure = responses.responses_erase(person=request.user)
        count = erasure.responses_erased
        if count:
            messages.success(
                request,
                f"Your answers to {count} reflection{'s' if count != 1 else ''} have been erased.",
            )
        else:
            messages.success(request, "You had no answers to erase.")
        return redirect("assessments:reflections")
    answered = Response.objects.filter(respondent=request.user).count()
    return render(request, "assessments/reflections/erase.html", {"answered": answered})
