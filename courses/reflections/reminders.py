"""Reminder emails for the before and after reflections: once per person and survey, while it is
open for them (the windows are in `administrations.py`)."""

import logging

from django.db import transaction
from django.utils import timezone

from assessments.models import Phase, ReflectionReminder
from cms.templatetags.wording import deadline
from courses.common import links, mail
from courses.common.queries import insert_claims
from courses.reflections import administrations

logger = logging.getLogger(__name__)


def _send_reflection_reminders(due: list[administrations.ReflectionDue]) -> None:
    for found in due:
        administration = found.administration
        follow_up = administration.phase == Phase.FOLLOW_UP
        try:
            mail.send(
                to=[found.person.email],
                subject=(
                    f"{months_after(administration.months).capitalize()}: {administration.label}"
                    if follow_up
                    else f"Your {administration.get_phase_display().lower()}-course "
                    f"reflection: {administration.label}"
                ),
                template="courses/reflections/email/reflection_due.txt",
                context={
                    "person": found.person,
                    "administration": administration,
                    "before": administration.phase == Phase.BEFORE,
                    "follow_up": follow_up,
                    "months_after": months_after(administration.months),
                    "closes": deadline(found.closes_at),
                    "answer_url": links.reflection_url(administration.pk),
                },
            )
        except Exception:
            logger.exception(
                "Could not send the reflection reminder for administration %s to user %s.",
                administration.pk,
                found.person.pk,
            )


def months_after(months: int) -> str:
    """ "3 months after your course", "1 month after your course"."""
    return f"{months} month{'' if months == 1 else 's'} after your course"


def reflection_reminders_send_due() -> int:
    """Email each trainee whose before, after or follow-up reflection is waiting for them, once
    per survey. Returns how many were claimed (each is sent after commit). Makes first the
    follow-up surveys that runs and modules lack (made before their programme's points)."""
    now = timezone.now()
    administrations.follow_ups_ensure()
    with transaction.atomic():
        due = {found.key: found for found in administrations.reflection_reminders_due(now)}
        due.update((found.key, found) for found in administrations.follow_up_reminders_due(now))
        inserted = insert_claims(ReflectionReminder, ("administration", "person"), list(due))
        claimed = [due[key] for key in inserted]
        transaction.on_commit(lambda: _send_reflection_reminders(claimed))
    return len(claimed)
