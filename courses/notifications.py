"""Emails about workshops. Services call these from `transaction.on_commit`, with ids, so a
message is only sent for a change that was saved, and reads what was saved."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from cms.roles import Role


def send(*, to, subject: str, template: str, context: dict, attachments=()) -> None:
    """Send one plain-text email per recipient (so nobody sees who else was told)."""
    context = {
        **context,
        "service_name": settings.SERVICE_NAME,
        "base_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
    }
    for address in dict.fromkeys(address for address in to if address):
        message = EmailMessage(
            subject=f"[{settings.SERVICE_NAME}] {subject}",
            body=render_to_string(f"courses/email/{template}.txt", context),
            to=[address],
        )
        for filename, content, mimetype in attachments:
            message.attach(filename, content, mimetype)
        message.send()


def leads_of(site_id) -> list[str]:
    return list(
        get_user_model()
        .objects.filter(
            site_memberships__site_id=site_id,
            groups__name=Role.PROGRAMME_LEAD.value,
            is_active=True,
        )
        .values_list("email", flat=True)
        .distinct()
    )


def _withdrawal(withdrawal_id):
    from .models import TutorWithdrawal

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
        template="tutor_withdrawn_self",
        context=context,
    )
    recipients = leads_of(session.run.site_id)
    if co_tutor is not None:
        recipients.append(co_tutor.user.email)
    send(to=recipients, subject=subject, template="tutor_withdrawn", context=context)


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
        template="cover_found",
        context=context,
    )
