"""E-learning pages: /learn/, lessons, knowledge checks, certificates, progress for tutors and leads."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.errors import AssessmentError
from assessments.knowledge_checks.forms import KnowledgeCheckForm
from assessments.knowledge_checks.selectors import (
    attempt_for_feedback,
    knowledge_check_for_lesson,
    passed_lesson_ids,
)
from assessments.knowledge_checks.services import knowledge_check_submit
from assessments.reflections.exports import export_log
from cms.permissions import role_required
from cms.roles import STAFF_ROLES, Role, roles_of
from cms.spreadsheets import csv_writer
from courses.common import curricula
from courses.elearning import selectors, services
from courses.elearning.certificates import certificate_pdf
from courses.elearning.forms import InvitationCodeForm, JoinWithCodeForm, RevokeCertificateForm
from courses.errors import CoursesError
from courses.models import Enrolment
from courses.sites import scope


@require_GET
@login_required
def learn(request):
    return render(
        request,
        "courses/elearning/learn.html",
        {
            **selectors.my_learning(request.user),
            "due_reflections": selectors.reflections_due_for(request.user),
            "session_forms": selectors.session_forms_for(request.user),
        },
    )


@require_POST
@login_required
def enrol(request, module_id):
    try:
        enrolment = services.enrolment_create(trainee=request.user, module_id=module_id)
    except CoursesError as error:
        messages.error(request, error.message)
        return redirect("courses:learn")
    messages.success(
        request, f"You are enrolled on {enrolment.module.title}. Start with the first lesson."
    )
    return redirect("courses:module", module_id=module_id)


@require_http_methods(["GET", "POST"])
@login_required
def join(request):
    form = JoinWithCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_join_with_code(
                trainee=request.user, code=form.cleaned_data["code"]
            )
        except CoursesError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, f"You are enrolled on {enrolment.module.title}.")
            return redirect("courses:module", module_id=enrolment.module_id)
    return render(
        request, "courses/elearning/join.html", {"form": form}, status=400 if form.errors else 200
    )


@require_POST
@login_required
def module_withdraw(request, module_id):
    enrolment = selectors.enrolment_for(request.user, module_id)
    services.enrolment_withdraw(enrolment=enrolment)
    messages.success(
        request,
        f"You have withdrawn from {enrolment.module.title}. Your progress is kept if you enrol again.",
    )
    return redirect("courses:learn")


@require_GET
@login_required
def module(request, module_id):
    """Resume: the first lesson not yet finished, or the first lesson."""
    enrolment = selectors.enrolment_for(request.user, module_id)
    lesson = selectors.first_unfinished_lesson(enrolment)
    if lesson is None:
        lesson = curricula.module_lessons(enrolment.module).first()
    if lesson is None:
        raise Http404("This module has no lessons yet.")
    return redirect("courses:lesson", module_id=module_id, lesson_id=lesson.pk)


def _lesson_context(request, enrolment, lesson_id, *, form=None, attempt=None):
    context = selectors.lesson_for_learner(enrolment=enrolment, lesson_id=lesson_id)
    check = knowledge_check_for_lesson(lesson_id)
    passed = bool(check) and lesson_id in passed_lesson_ids(
        user=request.user, lesson_ids=[lesson_id]
    )
    context.update(
        enrolment=enrolment,
        module=enrolment.module,
        check=check,
        check_passed=passed,
        form=form
        if form is not None
        else (KnowledgeCheckForm(check) if check and not passed else None),
        attempt=attempt,
        can_finish=enrolment.status != Enrolment.Status.WITHDRAWN and (check is None or passed),
        page=context["lesson"],
        show_tutor_notes=False,
    )
    return context


@require_GET
@login_required
def lesson(request, module_id, lesson_id):
    enrolment = selectors.enrolment_for(request.user, module_id)
    attempt = None
    if request.GET.get("attempt", "").isdigit():
        attempt = attempt_for_feedback(attempt_id=int(request.GET["attempt"]), user=request.user)
    return render(
        request,
        "courses/elearning/lesson.html",
        _lesson_context(request, enrolment, lesson_id, attempt=attempt),
    )


@require_POST
@login_required
def lesson_check(request, module_id, lesson_id):
    enrolment = selectors.enrolment_for(request.user, module_id)
    selectors.lesson_for_learner(enrolment=enrolment, lesson_id=lesson_id)  # 404 outside the module
    knowledge_check = knowledge_check_for_lesson(lesson_id)
    if knowledge_check is None:
        raise Http404("This lesson has no knowledge check.")
    form = KnowledgeCheckForm(knowledge_check, data=request.POST)
    if form.is_valid():
        try:
            attempt = knowledge_check_submit(
                check=knowledge_check, user=request.user, answers=form.answers()
            )
        except AssessmentError as error:
            form.add_errors(error)
        else:
            url = reverse("courses:lesson", args=(module_id, lesson_id))
            return redirect(f"{url}?attempt={attempt.pk}#feedback")
    # The error summary goes at the top of the page, where it is seen first, not above the form.
    form.error_summary_shown_above = True
    context = _lesson_context(request, enrolment, lesson_id, form=form)
    return render(request, "courses/elearning/lesson.html", context, status=400)


@require_POST
@login_required
def lesson_done(request, module_id, lesson_id):
    enrolment = selectors.enrolment_for(request.user, module_id)
    try:
        services.lesson_complete(enrolment=enrolment, lesson_id=lesson_id)
    except CoursesError as error:
        messages.error(request, error.message)
        return redirect("courses:lesson", module_id=module_id, lesson_id=lesson_id)
    enrolment.refresh_from_db()
    if enrolment.status == Enrolment.Status.COMPLETED:
        messages.success(
            request,
            f"You have completed {enrolment.module.title}. Your certificate is ready to download.",
        )
        return redirect("courses:learn")
    next_lesson = selectors.first_unfinished_lesson(enrolment)
    messages.success(request, "Lesson finished. Your progress is saved.")
    if next_lesson is None:
        return redirect("courses:learn")
    return redirect("courses:lesson", module_id=module_id, lesson_id=next_lesson.pk)


# --- certificates ------------------------------------------------------------------------------


def _verify_url(request, certificate):
    return request.build_absolute_uri(
        reverse("courses:verify_certificate", args=(certificate.code,))
    )


@require_GET
@login_required
def certificate(request, code):
    certificate = selectors.certificate_for_owner(request.user, code)
    return render(
        request,
        "courses/elearning/certificate.html",
        {"certificate": certificate, "verify_url": _verify_url(request, certificate)},
    )


@require_GET
@never_cache
@login_required
def certificate_download(request, code):
    certificate = selectors.certificate_for_owner(request.user, code)
    if not certificate.is_valid:
        raise Http404("This certificate has been revoked.")
    pdf = certificate_pdf(
        certificate,
        verify_url=_verify_url(request, certificate),
        service_name=settings.SERVICE_NAME,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    export_log(
        user=request.user,
        what=f"Certificate {certificate.code} (PDF)",
        file_format="pdf",
        filters={"certificate": certificate.code},
        row_count=1,
    )
    return response


@require_GET
def verify_certificate(request, code=None):
    """Anyone may check a certificate: name, module and date, nothing else."""
    # Codes are letters and digits; anything else (spaces, dashes, stray characters) is dropped.
    code = re.sub(r"[^A-Za-z0-9]", "", code or request.GET.get("code", "")).upper()[:30]
    if code and "code" in request.GET:
        return redirect("courses:verify_certificate", code=code)
    certificate = selectors.certificate_public(code) if code else None
    status = 404 if code and certificate is None else 200
    return render(
        request,
        "courses/elearning/verify_certificate.html",
        {"code": code, "certificate": certificate},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.PROGRAMME_LEAD)
def revoke_certificate(request, code):
    certificate = selectors.certificate_in_scope(request.user, code)
    run = certificate.enrolment.run
    back_url = (
        reverse("courses:site_run", args=(run.site.slug, run.pk))
        if run is not None
        else reverse("courses:progress")
    )
    form = RevokeCertificateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(
                certificate=certificate, revoked_by=request.user, reason=form.cleaned_data["reason"]
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Certificate {certificate.code} has been revoked.")
            return redirect(back_url)
    return render(
        request,
        "courses/elearning/revoke_certificate.html",
        {"certificate": certificate, "form": form, "back_url": back_url},
        status=400 if form.errors else 200,
    )


# --- for tutors and leads ----------------------------------------------------------------------


@require_GET
@never_cache
@role_required(*STAFF_ROLES)
def progress(request):
    rows = selectors.progress_rows_for(request.user)
    if request.GET.get("format") == "csv":
        response = _progress_csv(rows)
        export_log(
            user=request.user,
            what="E-learning progress",
            file_format="csv",
            filters={},
            row_count=len(rows),
        )
        return response
    return render(
        request,
        "courses/elearning/progress.html",
        {
            "rows": rows,
            "can_revoke": request.user.is_superuser
            or Role.PROGRAMME_LEAD in roles_of(request.user),
        },
    )


def _progress_csv(rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"elearning-progress-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv_writer(response)
    writer.writerow(
        [
            "Name",
            "Email",
            "Site",
            "Module",
            "Status",
            "Lessons done",
            "Lessons",
            "Enrolled",
            "Completed",
            "Certificate",
        ]
    )
    for row in rows:
        certificate = getattr(row, "certificate", None)
        writer.writerow(
            [
                row.trainee.get_full_name(),
                row.trainee.email,
                row.site.name if row.site else "",
                row.module.title,
                row.get_status_display(),
                row.lessons_done,
                row.lessons_total,
                timezone.localtime(row.enrolled_at).date().isoformat(),
                timezone.localtime(row.completed_at).date().isoformat() if row.completed_at else "",
                certificate.code if certificate and certificate.is_valid else "",
            ]
        )
    return response


@require_http_methods(["GET", "POST"])
@role_required(Role.PROGRAMME_LEAD)
def invitations(request):
    sites = scope.sites_for(request.user).order_by("name")
    form = InvitationCodeForm(
        request.POST if request.method == "POST" else None,
        sites=sites,
        modules=selectors.elearning_modules(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_code_create(
                site=form.cleaned_data["site"],
                module_id=form.cleaned_data["module"].pk,
                created_by=request.user,
                valid_from=form.cleaned_data["valid_from"],
                valid_until=form.cleaned_data["valid_until"],
                max_uses=form.cleaned_data["max_uses"],
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"New invitation code {invitation.code} for {invitation.module.title}."
            )
            return redirect("courses:invitations")
    return render(
        request,
        "courses/elearning/invitations.html",
        {
            "form": form,
            "codes": selectors.invitation_codes_for(request.user),
            "has_sites": sites.exists(),
        },
        status=400 if form.errors else 200,
    )
