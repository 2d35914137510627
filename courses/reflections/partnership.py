"""Equal partners: telling a site's leads when a lay tutor is sidelined.

After each session both tutors answer the debrief (courses.reflections.session_feedback), which
asks each "own-share" (how much of today's leading did you do?) and "co-tutor-share" (how much
did your co-tutor do?), 1 to 5, where 3 is "About half".

- The **lay share** of a session is the mean of the lay tutor's own share and the clinical
  tutor's co-tutor share, from the debriefs that were sent: one is enough; with none the session
  has no lay share and is passed over (it neither breaks nor extends a run of low sessions).
- It is **low** below "About half". A lay tutor is **sidelined** when their last
  `SIDELINED_AFTER` sessions with a lay share (in time order, across runs, cancelled runs left
  out) are all low.
- The leads of the site of the streak's last session are emailed once per streak, recorded as a
  PartnershipAlert (known by the streak's first low session, so the database refuses a second).
  A longer streak tells nobody again; a session that was not low ends it, and three more low
  ones make a new streak and a new alert. The 15-minute session feedback job runs it.
- The leads see the alerts still open (`partnership_alerts_for`), on the feedback page of each
  session concerned, and mark one dealt with (`partnership_alert_deal_with`).

The system never tells the lay tutor or their co-tutor: the lead decides how to raise it.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Phase, Response
from cms.roles import Role, has_any_role
from courses import errors
from courses.common import mail, wording
from courses.common.queries import insert_claims
from courses.errors import CoursesError
from courses.models import CourseRun, PartnershipAlert, Session, Site, SiteMembership
from courses.reflections.session_feedback import LOOK_BACK
from courses.sites.scope import sites_for

logger = logging.getLogger(__name__)

# The debrief's two questions about the leading (their keys in content/instruments/).
OWN_SHARE = "own-share"
CO_TUTOR_SHARE = "co-tutor-share"
# "About half" on both questions: a lay share below it is low.
ABOUT_HALF = 3
# This many low sessions in a row (of those with a lay share) and the lay tutor is sidelined.
SIDELINED_AFTER = 3
# The words of each point of the two questions, as the debrief questionnaires have them.
SHARE_WORDS = {
    1: "Hardly any",
    2: "Less than half",
    3: "About half",
    4: "More than half",
    5: "Nearly all",
}


def _session_type() -> ContentType:
    return ContentType.objects.get_by_natural_key("courses", "session")


def _rating(key: str, respondent: str) -> Subquery:
    """The session's debrief answer to `key` sent by the person at `respondent` (a path from
    the session to a user), or NULL."""
    return Subquery(
        Answer.objects.filter(
            response__administration__target_type=_session_type(),
            response__administration__target_id=OuterRef("pk"),
            response__administration__phase=Phase.DEBRIEF,
            response__respondent=OuterRef(respondent),
            response__status=Response.Status.SUBMITTED,
            item__key=key,
            number__isnull=False,
        ).values("number")[:1]
    )


def with_lay_share(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions with `lay_says` (the lay tutor's own share), `clinical_says` (the clinical
    tutor's co-tutor share) and `share_total`: twice their mean, or NULL when neither was sent.
    Twice the mean keeps the comparison in whole numbers: low is below 2 x ABOUT_HALF."""
    return sessions.annotate(
        lay_says=_rating(OWN_SHARE, "lay_tutor__user"),
        clinical_says=_rating(CO_TUTOR_SHARE, "clinical_tutor__user"),
    ).annotate(
        share_total=Coalesce(F("lay_says"), F("clinical_says"))
        + Coalesce(F("clinical_says"), F("lay_says"))
    )


def _rated(now: datetime) -> QuerySet[Session]:
    """Sessions that have ended, of runs not cancelled, with a lay tutor and a lay share."""
    return with_lay_share(
        Session.objects.filter(ends_at__lte=now, lay_tutor__isnull=False).exclude(
            run__status=CourseRun.Status.CANCELLED
        )
    ).filter(share_total__isnull=False)


def _with_details(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """What an alert shows of each session: its run and site, its tutors, and how many sessions
    its run has."""
    run_size = (
        Session.objects.filter(run=OuterRef("run"))
        .order_by()
        .values("run")
        .annotate(sessions=Count("pk"))
        .values("sessions")
    )
    return (
        sessions.annotate(run_sessions=Subquery(run_size))
        .select_related("run__site", "lay_tutor__user", "clinical_tutor__user")
        .order_by("lay_tutor_id", "starts_at", "pk")
    )


def _words(value: int | None) -> str:
    if value is None:
        return "no debrief sent"
    return SHARE_WORDS.get(value, str(value)).lower()


def share_in_words(share_total: int | None) -> str:
    """Twice a mean share, in the questions' words: 'Less than half', or 'Between less than
    half and about half' for a mean halfway between two points."""
    if share_total is None:
        return "Not rated"
    low, high = share_total // 2, (share_total + 1) // 2
    if low == high:
        return SHARE_WORDS.get(low, str(low))
    return f"Between {_words(low)} and {_words(high)}"


# --- what an alert is about --------------------------------------------------------------------


@dataclass(frozen=True)
class RatedSession:
    """One session of a streak, with its lay share as the two tutors rated it."""

    session: Session  # with run__site, its tutors and `run_sessions`
    lay_says: int | None
    clinical_says: int | None

    @property
    def share(self) -> str:
        """The lay share in words: the mean of the two ratings sent (or the one)."""
        said = [value for value in (self.lay_says, self.clinical_says) if value is not None]
        return share_in_words(said[0] + said[-1] if said else None)

    @property
    def is_rated(self) -> bool:
        return self.lay_says is not None or self.clinical_says is not None

    @property
    def is_low(self) -> bool:
        said = [value for value in (self.lay_says, self.clinical_says) if value is not None]
        return bool(said) and said[0] + said[-1] < 2 * ABOUT_HALF

    @property
    def lay_words(self) -> str:
        """What the lay tutor said of their own share."""
        return _words(self.lay_says)

    @property
    def clinical_words(self) -> str:
        """What the clinical tutor said of the lay tutor's share."""
        return _words(self.clinical_says)

    @property
    def said(self) -> str:
        """'Ann Lee (lay tutor) said less than half; Bob Stone (clinical tutor) said hardly any'."""
        parts = []
        for tutor, kind, value in (
            (self.session.lay_tutor, "lay tutor", self.lay_says),
            (self.session.clinical_tutor, "clinical tutor", self.clinical_says),
        ):
            name = f"{tutor.name} ({kind})" if tutor is not None else f"The {kind}"
            parts.append(f"{name} said {_words(value)}" if value else f"{name} sent no debrief")
        return "; ".join(parts)

    @property
    def label(self) -> str:
        """'Spring group, session 4 of 7'."""
        session = self.session
        return f"{session.run.title}, session {session.number} of {session.run_sessions}"

    @property
    def when(self) -> str:
        return wording.when(self.session)

    @property
    def feedback_path(self) -> str:
        return reverse("courses:session_feedback", args=[self.session.pk])


@dataclass(frozen=True)
class Sidelined:
    """A lay tutor whose share of the leading was low in `sessions`, in time order."""

    lay_tutor: object  # a Tutor, with its user
    sessions: list[RatedSession]
    alert_id: int | None = None
    told_at: datetime | None = None
    lead_emails: list[str] = field(default_factory=list)

    @property
    def first(self) -> Session:
        return self.sessions[0].session

    @property
    def last(self) -> Session:
        return self.sessions[-1].session

    @property
    def site(self) -> Site:
        """Whose leads are told: the site of the streak's last session."""
        return self.last.run.site

    @property
    def count(self) -> int:
        """How many sessions it is about (the alert's page also lists sessions of the lay
        tutor's in between that had no debrief)."""
        return len(self.sessions)

    @property
    def low_count(self) -> int:
        return sum(1 for rated in self.sessions if rated.is_low)

    @property
    def runs(self) -> list[str]:
        return list(dict.fromkeys(rated.session.run.title for rated in self.sessions))

    @property
    def clinical_tutors(self) -> list:
        """The clinical tutors of these sessions, each once, in the order they taught."""
        found = {}
        for rated in self.sessions:
            tutor = rated.session.clinical_tutor
            if tutor is not None:
                found.setdefault(tutor.pk, tutor)
        return list(found.values())

    @property
    def dealt_with_path(self) -> str:
        return reverse("courses:partnership_alert_dealt_with", args=[self.site.slug, self.alert_id])


def _rated_session(session: Session) -> RatedSession:
    return RatedSession(session, session.lay_says, session.clinical_says)


# --- the scheduler's step: who is sidelined, and telling their leads once ------------------------


def sidelined_due(now: datetime) -> list[Sidelined]:
    """The lay tutors sidelined now whose streak nobody has been told of, each with the whole
    streak (every low session since their last one that was not low).

    Only lay tutors with a session ended in the last LOOK_BACK are looked at: a lay share can
    change only while that session's debrief is open. Two queries however many tutors and
    sessions (the content type is cached)."""
    recent = (
        Session.objects.filter(ends_at__lte=now, ends_at__gt=now - LOOK_BACK)
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .filter(lay_tutor__isnull=False)
        .values("lay_tutor_id")
    )
    last_not_low = (
        _rated(now)
        .filter(lay_tutor=OuterRef("lay_tutor"), share_total__gte=2 * ABOUT_HALF)
        .order_by("-starts_at", "-pk")
        .values("starts_at")[:1]
    )
    low = (
        _rated(now)
        .filter(lay_tutor__in=recent, share_total__lt=2 * ABOUT_HALF)
        .annotate(not_low_at=Subquery(last_not_low))
        .filter(Q(not_low_at__isnull=True) | Q(starts_at__gt=F("not_low_at")))
    )
    streaks: dict[int, list[Session]] = {}
    for session in _with_details(low):
        streaks.setdefault(session.lay_tutor_id, []).append(session)
    streaks = {
        tutor_id: sessions
        for tutor_id, sessions in streaks.items()
        if len(sessions) >= SIDELINED_AFTER
    }
    if not streaks:
        return []
    in_streaks = [session.pk for sessions in streaks.values() for session in sessions]
    told = PartnershipAlert.objects.filter(
        Q(first_session__in=in_streaks) | Q(last_session__in=in_streaks)
    ).values_list("lay_tutor_id", "first_session_id", "last_session_id")
    told_of = {}
    for tutor_id, first_id, last_id in told:
        told_of.setdefault(tutor_id, set()).update((first_id, last_id))
    due = []
    for tutor_id, sessions in streaks.items():
        if told_of.get(tutor_id, set()) & {session.pk for session in sessions}:
            continue
        due.append(Sidelined(sessions[0].lay_tutor, [_rated_session(s) for s in sessions]))
    return due


def _lead_emails(site_ids) -> dict[int, list[str]]:
    """The addresses of the programme leads (active accounts) of each of these sites."""
    found: dict[int, list[str]] = {}
    rows = (
        SiteMembership.objects.filter(
            site_id__in=site_ids,
            user__groups__name=Role.PROGRAMME_LEAD.value,
            user__is_active=True,
        )
        .values_list("site_id", "user__email")
        .order_by("site_id", "user__email")
        .distinct()
    )
    for site_id, email in rows:
        found.setdefault(site_id, []).append(email)
    return found


def _send(told: list[Sidelined]) -> None:
    for sidelined in told:
        try:
            mail.send(
                to=sidelined.lead_emails,
                subject=(
                    f"{sidelined.lay_tutor.name}'s share of the leading was rated low "
                    f"in {sidelined.count} sessions in a row"
                ),
                template="courses/reflections/email/partnership_alert.txt",
                context={
                    "sidelined": sidelined,
                    "site": sidelined.site,
                    "sidelined_after": SIDELINED_AFTER,
                },
            )
        except Exception:
            logger.exception(
                "Could not send the partnership alert %s to the leads of site %s.",
                sidelined.alert_id,
                sidelined.site.pk,
            )


def partnership_alerts_send_due(*, now: datetime) -> int:
    """Tell the site's leads of each lay tutor sidelined now, once per streak: the alert is
    claimed as a PartnershipAlert row (a second worker's claim is refused by the database) and
    the email goes through the outbox after commit. Returns how many alerts were made. Two
    queries when nobody is due, five when some are, however many tutors and sessions."""
    with transaction.atomic():
        due = {
            (sidelined.lay_tutor.pk, sidelined.first.pk, sidelined.last.pk): sidelined
            for sidelined in sidelined_due(now)
        }
        inserted = insert_claims(
            PartnershipAlert, ("lay_tutor", "first_session", "last_session"), list(due)
        )
        if not inserted:
            return 0
        ids = {
            (tutor_id, first_id): pk
            for tutor_id, first_id, pk in PartnershipAlert.objects.filter(
                first_session__in=[first for _tutor, first, _last in inserted]
            ).values_list("lay_tutor_id", "first_session_id", "pk")
        }
        leads = _lead_emails({due[key].site.pk for key in inserted})
        told = [
            Sidelined(
                due[key].lay_tutor,
                due[key].sessions,
                alert_id=ids.get(key[:2]),
                told_at=now,
                lead_emails=leads.get(due[key].site.pk, []),
            )
            for key in inserted
        ]
        transaction.on_commit(lambda: _send(told))
    return len(told)


# --- what the leads see, and marking an alert dealt with ---------------------------------------


def _open_alerts_for(user) -> QuerySet[PartnershipAlert]:
    return PartnershipAlert.objects.filter(
        dealt_with_at__isnull=True, last_session__run__site__in=sites_for(user)
    )


def partnership_alerts_for(user, *, session: Session | None = None) -> list[Sidelined]:
    """The alerts not yet dealt with at the sites `user` leads, newest first, each with its
    streak's sessions and their lay shares as rated now (and any session of the lay tutor's in
    between without a debrief, shown as such); only those about `session` when given.
    Nothing for anyone but a programme lead or a system administrator (the tutors are never
    shown them). Two queries however many alerts and sessions (the roles are read once per
    request)."""
    if not (user.is_superuser or has_any_role(user, Role.PROGRAMME_LEAD)):
        return []
    alerts = _open_alerts_for(user).select_related("first_session", "last_session")
    if session is not None:
        if session.lay_tutor_id is None:
            return []
        alerts = alerts.filter(
            lay_tutor_id=session.lay_tutor_id,
            first_session__starts_at__lte=session.starts_at,
            last_session__starts_at__gte=session.starts_at,
        )
    alerts = list(alerts)
    if not alerts:
        return []
    spans = Q()
    for alert in alerts:
        spans |= Q(
            lay_tutor_id=alert.lay_tutor_id,
            starts_at__gte=alert.first_session.starts_at,
            starts_at__lte=alert.last_session.starts_at,
        )
    sessions = _with_details(
        with_lay_share(
            Session.objects.filter(spans).exclude(run__status=CourseRun.Status.CANCELLED)
        )
    )
    by_tutor: dict[int, list[Session]] = {}
    for found in sessions:
        by_tutor.setdefault(found.lay_tutor_id, []).append(found)
    shown = []
    for alert in alerts:
        start, end = alert.first_session.starts_at, alert.last_session.starts_at
        streak = [
            _rated_session(found)
            for found in by_tutor.get(alert.lay_tutor_id, [])
            if start <= found.starts_at <= end
        ]
        if streak:
            shown.append(
                Sidelined(
                    streak[0].session.lay_tutor, streak, alert_id=alert.pk, told_at=alert.sent_at
                )
            )
    return shown


def partnership_alert_at(site: Site, alert_id: int) -> PartnershipAlert:
    """An alert about a streak whose last session is at `site`. Anywhere else: 404."""
    alert = (
        PartnershipAlert.objects.filter(pk=alert_id, last_session__run__site=site)
        .select_related("lay_tutor__user", "dealt_with_by")
        .first()
    )
    if alert is None:
        raise Http404("No such alert.")
    return alert


@transaction.atomic
def partnership_alert_deal_with(*, alert: PartnershipAlert, dealt_with_by) -> PartnershipAlert:
    """Mark the alert dealt with, so it leaves its site's leads' lists. The caller checks
    `dealt_with_by` leads the alert's site. Raises CoursesError, changing nothing, when someone
    has marked it already (two leads at once: the row is locked, the second is refused)."""
    locked = (
        PartnershipAlert.objects.select_for_update(of=("self",))
        .select_related("dealt_with_by")
        .get(pk=alert.pk)
    )
    tutor = alert.lay_tutor.name
    if locked.dealt_with_at is not None:
        person = locked.dealt_with_by
        raise CoursesError(
            errors.PARTNERSHIP_ALREADY_DEALT_WITH.format(
                person=(person.get_full_name() or person.email) if person else "Someone",
                tutor=tutor,
            )
        )
    locked.dealt_with_at = timezone.now()
    locked.dealt_with_by = dealt_with_by
    locked.full_clean()
    locked.save(update_fields=["dealt_with_at", "dealt_with_by"])
    return locked
