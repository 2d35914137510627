"""Certificates: the one place they are issued, kept up to date and withdrawn.

An e-learning module's certificate is issued when its last lesson is finished
(`courses.elearning.services`); a course's certificate of attendance when the run's completion
rule marks someone complete (`courses.workshops.teaching.apply_completion_rule`). Both call
`certificate_issue` here, which sits in workshops so that both areas reach it (e-learning may
import workshops, never the other way round).

A certificate of attendance says what the registers say: its sessions and learning hours are
counted again each time the rule is applied, so someone who reached the rule at session 5 and
came to sessions 6 and 7 has 7 on their certificate. A corrected register that takes someone
below the rule withdraws the certificate: it is *revoked* with the reason "Attendance
corrected", not deleted, because its code may already be printed or shared, and whoever checks
it must then read "revoked" rather than "no such certificate". If a later correction brings
them back over the rule, the same certificate is reinstated; one a lead revoked for another
reason stays revoked.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.utils import timezone

from cms.curricula.vocabulary import Track
from courses import errors
from courses.common import links
from courses.common.codes import new_code
from courses.common.mail import send
from courses.models import Attendance, Certificate, CourseRun, Enrolment, Session

ATTENDANCE_CORRECTED = errors.CERTIFICATE_ATTENDANCE_CORRECTED


def _holder_name(trainee) -> str:
    return trainee.get_full_name() or trainee.email


@transaction.atomic
def certificate_issue(*, enrolment: Enrolment, now, figures: dict | None = None) -> Certificate:
    """Issue the certificate of a completed enrolment, once. For course attendance, `figures`
    holds what is printed besides the name and title (dates, sessions, minutes, whether it is
    for professionals) and brings a certificate already issued up to date. The trainee is
    emailed when a certificate is issued (or reinstated), after the transaction commits."""
    title = enrolment.run.title if enrolment.run_id else enrolment.module.title
    kind = Certificate.Kind.ATTENDANCE if enrolment.run_id else Certificate.Kind.ELEARNING
    certificate = Certificate.objects.select_for_update().filter(enrolment=enrolment).first()
    issued = False
    if certificate is None:
        certificate = Certificate(
            enrolment=enrolment,
            kind=kind,
            code=new_code(12, Certificate),
            holder_name=_holder_name(enrolment.trainee),
            title=title[:255],
            issued_at=now,
        )
        issued = True
    elif certificate.revoke_reason == ATTENDANCE_CORRECTED and certificate.revoked_by_id is None:
        # Withdrawn by a corrected register, not by a lead: the correction is undone.
        certificate.revoked_at, certificate.revoke_reason = None, ""
        certificate.issued_at = now
        issued = True
    if figures and certificate.is_valid:
        for field, value in figures.items():
            setattr(certificate, field, value)
    if issued or figures:
        certificate.save()
    if issued:
        transaction.on_commit(lambda: certificate_issued_email(certificate.pk))
    return certificate


def _attended_filter(run) -> Q:
    return Q(attendance__status=Attendance.Status.PRESENT, attendance__session__run=run)


def attendance_figures(*, run: CourseRun, enrolment_ids: list[int]) -> dict[int, dict]:
    """Per enrolment: what its certificate of attendance prints. The run's dates and sessions
    and each person's sessions attended and minutes of learning are counted by the database:
    two queries, however many people."""
    dates = Session.objects.filter(run=run).aggregate(
        first=Min("starts_at"), last=Max("ends_at"), total=Count("pk")
    )
    length = ExpressionWrapper(
        F("attendance__session__ends_at") - F("attendance__session__starts_at"),
        output_field=DurationField(),
    )
    rows = (
        Enrolment.objects.filter(pk__in=enrolment_ids)
        .annotate(
            attended=Count("attendance", filter=_attended_filter(run)),
            attended_time=Sum(length, filter=_attended_filter(run)),
        )
        .values_list("pk", "attended", "attended_time")
    )
    common = {
        "first_date": timezone.localdate(dates["first"]) if dates["first"] else None,
        "last_date": timezone.localdate(dates["last"]) if dates["last"] else None,
        "sessions_total": dates["total"],
        "for_professionals": run.programme.track == Track.PROFESSIONAL,
    }
    return {
        pk: {
            **common,
            "sessions_attended": attended,
            "learning_minutes": int(time.total_seconds() // 60) if time else 0,
        }
        for pk, attended, time in rows
    }


@transaction.atomic
def certificates_apply_for_run(*, run: CourseRun, enrolment_ids: list[int], now) -> None:
    """After the completion rule: issue (or update) the certificate of each of these people who
    completed the run, and withdraw the certificate of each who is no longer complete."""
    run = CourseRun.objects.select_related("programme").get(pk=run.pk)
    enrolments = list(
        Enrolment.objects.filter(pk__in=enrolment_ids, run=run).select_related("trainee", "run")
    )
    completed = [e for e in enrolments if e.status == Enrolment.Status.COMPLETED]
    figures = attendance_figures(run=run, enrolment_ids=[e.pk for e in completed])
    for enrolment in completed:
        certificate_issue(enrolment=enrolment, now=now, figures=figures[enrolment.pk])
    not_complete = [e.pk for e in enrolments if e.status != Enrolment.Status.COMPLETED]
    if not_complete:
        Certificate.objects.filter(enrolment_id__in=not_complete, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=None, revoke_reason=ATTENDANCE_CORRECTED
        )


# --- email, sent on commit with the id ----------------------------------------------------------


def certificate_issued_email(certificate_id: int) -> None:
    certificate = (
        Certificate.objects.select_related("enrolment__trainee")
        .filter(pk=certificate_id, revoked_at__isnull=True)
        .first()
    )
    if certificate is None:
        return
    trainee = certificate.enrolment.trainee
    send(
        to=[trainee.email],
        subject=f"Your certificate for {certificate.title}",
        template="courses/workshops/email/certificate_issued.txt",
        context={
            "certificate": certificate,
            "trainee": trainee,
            "certificate_url": links.absolute("courses:certificate", certificate.code),
            "check_url": links.absolute("courses:verify_certificate", certificate.code),
        },
    )
