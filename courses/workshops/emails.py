"""Emails about workshops. Services call these from `transaction.on_commit`, with ids, so a
message is only sent for a change that was saved, and reads what was saved."""

from django.db.models import Q

from courses.common.channels import tell
from courses.common.mail import send
from courses.models import CourseRun, Enrolment, Tutor, TutorWithdrawal
from courses.sites.scope import lead_emails


def leads_of(site_id) -> list[str]:
    return lead_emails(site_id)


def _withdrawal(withdrawal_id):

    return (
        TutorWithdrawal.objects.select_related(
            "tutor__user",
            "covered_by__user",
            "session__run__site",
            "session__venue",
            "session__lay_tutor__user",
            "session__clinical_tutor__user",
        )
        .filter(pk=withdrawal_id)
        .first()
    )


def tutor_withdrawn(withdrawal_id: int) -> None:
    withdrawal = _withdrawal(withdrawal_id)
    if withdrawal is None:
        return
    session = withdrawal.session
    co_tutor = session.clinical_tutor or session.lay_tutor
    context = {"withdrawal": withdrawal, "session": session, "co_tutor": co_tutor}
    subject = f"{withdrawal.tutor.name} has withdrawn from {session}"
    send(
        to=[withdrawal.tutor.user.email],
        subject=f"You have withdrawn from {session}",
        template="courses/workshops/email/tutor_withdrawn_self.txt",
        context=context,
    )
    recipients = leads_of(session.run.site_id)
    if co_tutor is not None:
        recipients.append(co_tutor.user.email)
    send(
        to=recipients,
        subject=subject,
        template="courses/workshops/email/tutor_withdrawn.txt",
        context=context,
    )


def cover_found(withdrawal_id: int) -> None:
    withdrawal = _withdrawal(withdrawal_id)
    if withdrawal is None or withdrawal.covered_by is None:
        return
    session = withdrawal.session
    context = {"withdrawal": withdrawal, "session": session, "cover": withdrawal.covered_by}
    recipients = [
        tutor.user.email for tutor in (session.lay_tutor, session.clinical_tutor) if tutor
    ]
    recipients += leads_of(session.run.site_id)
    send(
        to=recipients,
        subject=f"{withdrawal.covered_by.name} is covering {session}",
        template="courses/workshops/email/cover_found.txt",
        context=context,
    )


def run_cancelled(run_id: int) -> None:

    run = CourseRun.objects.select_related("venue", "site").filter(pk=run_id).first()
    if run is None or run.status != CourseRun.Status.CANCELLED:
        return
    context = {"run": run}
    enrolments = (
        Enrolment.objects.filter(
            run=run, status__in=[Enrolment.Status.BOOKED, Enrolment.Status.WAITLISTED]
        )
        .select_related("trainee")
        .order_by("pk")
    )
    told = set()
    for enrolment in enrolments:
        if enrolment.trainee_id in told:
            continue
        told.add(enrolment.trainee_id)
        # Each trainee by the way they chose: email, text or a letter.
        tell(
            enrolment.trainee,
            subject=f"{run.title} has been cancelled",
            template="courses/workshops/email/run_cancelled_trainee.txt",
            context=context,
            kind="cancellation",
            run=run,
        )
    tutors = Tutor.objects.filter(
        Q(lay_sessions__run=run) | Q(clinical_sessions__run=run)
    ).values_list("user__email", flat=True)
    send(
        to=[*tutors, *leads_of(run.site_id)],
        subject=f"{run.title} has been cancelled",
        template="courses/workshops/email/run_cancelled_staff.txt",
        context=context,
    )
