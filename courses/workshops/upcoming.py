"""A tutor's next sessions, for their Wagtail dashboard (the panel is in courses/wagtail_hooks.py)."""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from courses.common.wording import place, when
from courses.models import CourseRun, Session

NEXT_SESSIONS_SHOWN = 5


@dataclass(frozen=True)
class NextSession:
    when: str
    title: str
    venue: str
    co_tutor: str
    plan_url: str


def next_sessions_for(user, *, limit: int = NEXT_SESSIONS_SHOWN) -> list[NextSession]:
    """The next `limit` sessions `user` teaches (not yet ended, runs not cancelled), soonest
    first, with date and time, venue and co-tutor: one query, however many sessions."""
    if not user.is_authenticated:
        return []
    sessions = (
        Session.objects.filter(Q(lay_tutor__user=user) | Q(clinical_tutor__user=user))
        .filter(ends_at__gte=timezone.now())
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .select_related("run", "venue", "module", "lay_tutor__user", "clinical_tutor__user")
        .order_by("starts_at", "pk")[:limit]
    )
    rows = []
    for session in sessions:
        co_tutor = session.co_tutor_of(user.pk)
        title = f"{session.run.title}, session {session.number}"
        if session.module is not None:
            title += f": {session.module.title}"
        rows.append(
            NextSession(
                when=when(session),
                title=title,
                venue=place(session.venue),
                co_tutor=co_tutor.name if co_tutor is not None else "not assigned yet",
                plan_url=reverse("courses:session_plan", args=[session.pk]),
            )
        )
    return rows
