"""Refreshers: does the change last, and if not, one more session for the group.

When a run's follow-up means fall back towards where the group started, the site's programme
leads are told once per run and follow-up point, and can invite everyone who completed the run
to a refresher (a run of the same programme at the same site with exactly one session, open for
booking) in one action. The invited book through the refresher's own page, by the same rules
as anyone (`courses.workshops.booking.run_book`): a refresher needs no code.

The rule, per run (not cancelled), scale and follow-up point, among the people who answered
before, after and that follow-up (`kept_n` of `assessments.reflections.follow_up`):
- fewer than MIN_MATCHED such people: never flagged (and no figures shown);
- gain = mean after - mean before; only a positive gain (people improved) can be lost;
- lost = mean after - mean at the follow-up;
- flagged when lost >= the site's percentage (RefresherThreshold, per programme, default 50)
  of the gain.
The figures come from the follow-up analysis' own sums, grouped per run: two queries whatever
the number of runs and people.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from assessments.models import Administration, Phase, Response
from assessments.reflections.follow_up import over_time_sums, point_from_sums, point_label
from cms.models import ProgrammePage
from cms.queries import count_rows
from cms.roles import Role, has_any_role
from courses import errors
from courses.common import links, mail, wording
from courses.common.queries import insert_claims
from courses.errors import CoursesError
from courses.models import (
    CourseRun,
    Enrolment,
    RefresherAlert,
    RefresherInvitation,
    RefresherThreshold,
    Site,
)
from courses.models.refreshers import (
    DEFAULT_LOST_PERCENT,
    HIGHEST_LOST_PERCENT,
    LOWEST_LOST_PERCENT,
)
from courses.reflections.administrations import RUN_MODEL, evaluating
from courses.sites.scope import lead_emails, sites_for

logger = logging.getLogger(__name__)

# Sums of floats from the database: a fall-back of exactly the percentage counts.
TOLERANCE = 1e-9


class RefresherError(CoursesError):
    """A refused refresher setting or invitation. Nothing was changed and nobody was emailed."""


# --- detection -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleFallBack:
    """One scale of one run at one follow-up point, among the `n` people who answered before,
    after and at that point."""

    scale_key: str
    scale_label: str
    n: int
    mean_before: float
    mean_after: float
    mean_now: float
    fell_back: bool

    @property
    def gain(self) -> float:
        return self.mean_after - self.mean_before

    @property
    def lost(self) -> float:
        return self.mean_after - self.mean_now

    @property
    def lost_percent(self) -> float | None:
        """How much of the gain was lost, as a percentage (None when nothing was gained)."""
        return 100 * self.lost / self.gain if self.gain > 0 else None


@dataclass(frozen=True)
class RunFallBack:
    """A run's scales at one follow-up point, with the percentage its site chose."""

    run_id: int
    months: int
    lost_percent: int
    scales: list[ScaleFallBack] = field(default_factory=list)  # MIN_MATCHED people or more
    suppressed: int = 0  # scales with fewer people, never flagged and not shown

    @property
    def fell_back(self) -> list[ScaleFallBack]:
        return [scale for scale in self.scales if scale.fell_back]

    @property
    def flagged(self) -> bool:
        return bool(self.fell_back)

    @property
    def point(self) -> str:
        """ "3 months"."""
        return point_label(Phase.FOLLOW_UP, self.months)


def has_fallen_back(*, gain: float, lost: float, lost_percent: int) -> bool:
    """The rule: people improved, and have since lost at least `lost_percent`% of the gain."""
    return gain > 0 and lost * 100 >= lost_percent * gain - TOLERANCE


def _lost_percent_of_runs(runs: QuerySet[CourseRun]) -> dict[int, int]:
    chosen = RefresherThreshold.objects.filter(
        site=OuterRef("site_id"), programme=OuterRef("programme_id")
    ).values("lost_percent")[:1]
    return dict(
        runs.order_by()
        .annotate(chosen=Coalesce(Subquery(chosen), Value(DEFAULT_LOST_PERCENT)))
        .values_list("pk", "chosen")
    )


def fall_backs(runs: QuerySet[CourseRun]) -> list[RunFallBack]:
    """Each of these runs (cancelled ones left out) at each follow-up point anyone answered,
    in run and point order. Two queries, whatever the number of runs and people."""
    runs = runs.exclude(status=CourseRun.Status.CANCELLED)
    follow_ups = Administration.objects.filter(
        evaluating(RUN_MODEL), phase=Phase.FOLLOW_UP, target_id__in=runs.values("pk")
    )
    responses = Response.objects.filter(
        status=Response.Status.SUBMITTED, administration__in=follow_ups
    )
    rows = sorted(over_time_sums(responses, per_target=True), key=lambda row: row["first_seen"])
    if not rows:
        return []
    # Only the runs someone answered a follow-up of: their site's percentage for the programme.
    percents = _lost_percent_of_runs(runs.filter(pk__in={row["target_id"] for row in rows}))
    found: dict[tuple[int, int], dict] = {}
    for row in rows:
        key = (row["target_id"], row["months"])
        point = found.setdefault(key, {"scales": [], "suppressed": 0})
        figure = point_from_sums(row)
        if figure.kept_suppressed:
            point["suppressed"] += 1
            continue
        n = figure.kept_n
        mean_before = row["kept_before_total"] / n
        mean_after = row["kept_after_total"] / n
        mean_now = mean_after + figure.mean_kept
        point["scales"].append(
            ScaleFallBack(
                scale_key=row["scale_key"],
                scale_label=row["label"],
                n=n,
                mean_before=mean_before,
                mean_after=mean_after,
                mean_now=mean_now,
                fell_back=has_fallen_back(
                    gain=mean_after - mean_before,
                    lost=-figure.mean_kept,
                    lost_percent=percents[row["target_id"]],
                ),
            )
        )
    return [
        RunFallBack(
            run_id=run_id,
            months=months,
            lost_percent=percents[run_id],
            scales=point["scales"],
            suppressed=point["suppressed"],
        )
        for (run_id, months), point in sorted(found.items())
    ]


# --- telling the leads, once per run and follow-up point -----------------------------------------


def refresher_alerts_send_due() -> int:
    """Find every run whose follow-up means fell back and tell its site's programme leads, once
    per run and follow-up point (a RefresherAlert claimed by an insert, so two workers at once
    still send one email; sent through the outbox after commit). Returns how many runs and
    points were newly told."""
    flagged = {
        (found.run_id, found.months): found
        for found in fall_backs(CourseRun.objects.all())
        if found.flagged
    }
    with transaction.atomic():
        inserted = insert_claims(RefresherAlert, ("run", "months"), list(flagged))
        claimed = [flagged[key] for key in inserted]
        transaction.on_commit(lambda: _tell_leads(claimed))
    return len(claimed)


def finished_counts(run_ids) -> dict[int, int]:
    """How many people completed each of these runs (one query)."""
    return dict(
        Enrolment.objects.filter(run_id__in=run_ids, status=Enrolment.Status.COMPLETED)
        .order_by()
        .values("run_id")
        .annotate(finished=Count("pk"))
        .values_list("run_id", "finished")
    )


def _tell_leads(claimed: list[RunFallBack]) -> None:
    if not claimed:
        return
    run_ids = {found.run_id for found in claimed}
    alerts = {
        (alert.run_id, alert.months): alert
        for alert in RefresherAlert.objects.filter(run_id__in=run_ids).select_related(
            "run__site", "run__programme"
        )
    }
    finished = finished_counts(run_ids)
    for found in claimed:
        alert = alerts.get((found.run_id, found.months))
        if alert is None:
            continue
        run = alert.run
        try:
            mail.send(
                to=lead_emails(run.site_id),
                subject=f"{run.title}: the change has not lasted {found.point} on",
                template="courses/reflections/email/refresher_alert.txt",
                context={
                    "run": run,
                    "found": found,
                    "finished": finished.get(run.pk, 0),
                    "refresher_url": links.absolute("courses:refresher", run.site.slug, alert.pk),
                },
            )
        except Exception:
            logger.exception("Could not tell the leads of run %s that it fell back.", run.pk)


# --- the site's percentage, per programme ----------------------------------------------------------


def thresholds_for(site: Site) -> list[tuple[ProgrammePage, int]]:
    """Every programme, in title order, with the percentage `site` chose for it (the default
    where it chose none). Two queries."""
    chosen = dict(
        RefresherThreshold.objects.filter(site=site).values_list("programme_id", "lost_percent")
    )
    return [
        (programme, chosen.get(programme.pk, DEFAULT_LOST_PERCENT))
        for programme in ProgrammePage.objects.order_by("title").only("title")
    ]


@transaction.atomic
def refresher_thresholds_save(*, site: Site, percents: dict[int, object], changed_by) -> int:
    """Save how much of a group's gain may be lost before the site's leads are told, for each
    programme id in `percents`: a whole number from 10 to 100. Any value refused: nothing is
    saved, and the error names the programme. Returns how many were saved."""
    programmes = {
        programme.pk: programme
        for programme in ProgrammePage.objects.filter(pk__in=list(percents)).only("title")
    }
    cleaned = {}
    for programme_id, value in percents.items():
        programme = programmes.get(programme_id)
        if programme is None:
            raise RefresherError(errors.UNKNOWN_PROGRAMME)
        cleaned[programme_id] = _whole_percent(value, programme.title)
    for programme_id, percent in cleaned.items():
        RefresherThreshold.objects.update_or_create(
            site=site,
            programme_id=programme_id,
            defaults={"lost_percent": percent, "changed_by": changed_by},
        )
    return len(cleaned)


def _whole_percent(value, programme: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RefresherError(errors.REFRESHER_PERCENT_REQUIRED.format(programme=programme))
    if isinstance(value, bool):
        raise RefresherError(errors.REFRESHER_PERCENT_NOT_WHOLE.format(programme=programme))
    text = str(value).strip().removesuffix("%").strip()
    if not (text.isascii() and text.isdigit()):
        raise RefresherError(errors.REFRESHER_PERCENT_NOT_WHOLE.format(programme=programme))
    percent = int(text)
    if not LOWEST_LOST_PERCENT <= percent <= HIGHEST_LOST_PERCENT:
        raise RefresherError(
            errors.REFRESHER_PERCENT_RANGE.format(
                programme=programme, low=LOWEST_LOST_PERCENT, high=HIGHEST_LOST_PERCENT
            )
        )
    return percent


# --- what the leads read -------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    alert: RefresherAlert
    invited: int  # people emailed an invitation to a refresher, over all this run's invitations
    invitations: int  # refreshers this run's people were invited to

    @property
    def point(self) -> str:
        """ "3 months"."""
        return point_label(Phase.FOLLOW_UP, self.alert.months)


def _invitations_of_run():
    return RefresherInvitation.objects.filter(run=OuterRef("run_id")).order_by()


def refresher_alerts_for(user, *, site: Site | None = None, limit: int = 20) -> list[AlertRow]:
    """The runs at `user`'s sites (or at `site` only, one of them) whose follow-up means fell
    back, most recently told first, with how many of their people have been invited to a
    refresher. Only programme leads (and system administrators) decide refreshers: anyone else
    gets none, so any staff page may show the list. One query, however many runs (the roles
    are read once per request)."""
    if not (user.is_superuser or has_any_role(user, Role.PROGRAMME_LEAD)):
        return []
    sites = sites_for(user)
    if site is not None:
        sites = sites.filter(pk=site.pk)
    alerts = (
        RefresherAlert.objects.filter(run__site__in=sites)
        .select_related("run__site")
        .annotate(
            invited_people=Coalesce(
                Subquery(
                    _invitations_of_run()
                    .values("run")
                    .annotate(total=Sum("invited"))
                    .values("total")[:1]
                ),
                Value(0),
            ),
            invitation_count=count_rows(_invitations_of_run()),
        )
        .order_by("-sent_at", "-pk")[:limit]
    )
    return [AlertRow(alert, alert.invited_people, alert.invitation_count) for alert in alerts]


# --- the refresher page of one flagged run ----------------------------------------------------------


def refresher_choices(run: CourseRun) -> QuerySet[CourseRun]:
    """The runs `run`'s people can be invited to: the same programme at the same site, exactly
    one session, still to come and open for booking with places left. First session first."""
    return (
        CourseRun.objects.with_dates()
        .filter(
            site_id=run.site_id,
            programme_id=run.programme_id,
            status=CourseRun.Status.OPEN,
            session_count=1,
            phase=CourseRun.Phase.OPEN,
        )
        .exclude(pk=run.pk)
        .select_related("venue")
        .in_date_order()
    )


def _invitable(run: CourseRun) -> QuerySet[Enrolment]:
    """Everyone who completed `run` and can be emailed."""
    return (
        Enrolment.objects.filter(run=run, status=Enrolment.Status.COMPLETED)
        .filter(trainee__is_active=True)
        .exclude(trainee__email="")
    )


@dataclass(frozen=True)
class RefresherPage:
    alert: RefresherAlert  # with its run, the run's site and programme
    figures: RunFallBack | None  # None: too few answers now to show (answers erased since)
    finished: int  # people who completed the run
    invitable: int  # of them, those who can be emailed
    refreshers: list[CourseRun]  # what they can be invited to, with their dates and venue
    invitations: list[RefresherInvitation]  # sent already, with their refresher

    @property
    def point(self) -> str:
        return point_label(Phase.FOLLOW_UP, self.alert.months)

    @property
    def invited_to(self) -> dict[int, RefresherInvitation]:
        return {invitation.refresher_id: invitation for invitation in self.invitations}


def alert_for_lead_or_404(*, site: Site, alert_id: int) -> RefresherAlert:
    """The alert of a run at `site` (the caller found the site in the lead's scope). Another
    site's alert, or none: 404."""
    alert = (
        RefresherAlert.objects.select_related("run__site", "run__programme", "run__venue")
        .filter(pk=alert_id, run__site=site)
        .first()
    )
    if alert is None:
        raise Http404("No such refresher.")
    return alert


def refresher_page_for(*, site: Site, alert_id: int) -> RefresherPage:
    """The figures of the flagged run at its follow-up point as they stand now, who would be
    invited, and the refreshers to choose from. Seven queries, however many people and runs."""
    alert = alert_for_lead_or_404(site=site, alert_id=alert_id)
    run = alert.run
    figures = next(
        (
            found
            for found in fall_backs(CourseRun.objects.filter(pk=run.pk))
            if found.months == alert.months
        ),
        None,
    )
    return RefresherPage(
        alert=alert,
        figures=figures if figures and figures.scales else None,
        finished=finished_counts([run.pk]).get(run.pk, 0),
        invitable=_invitable(run).count(),
        refreshers=list(refresher_choices(run)),
        invitations=list(RefresherInvitation.objects.filter(run=run).select_related("refresher")),
    )


# --- inviting the group ------------------------------------------------------------------------------


@transaction.atomic
def refresher_invitation_send(
    *, alert: RefresherAlert, refresher_id: int, sent_by
) -> RefresherInvitation:
    """Invite everyone who completed the alert's run to the refresher `refresher_id`: one email
    each, after commit, with its date, time and venue and a link to its page to book.

    Refused, naming why: a run at another site, of another programme, with more or fewer than
    one session, already started, not open for booking or full; the run itself; a refresher
    this group was already invited to; nobody to email."""
    run = (
        CourseRun.objects.select_for_update(of=("self",))
        .select_related("site", "programme")
        .get(pk=alert.run_id)
    )
    refresher = (
        CourseRun.objects.with_dates()
        .select_related("site", "programme")
        .filter(pk=refresher_id)
        .first()
    )
    _refuse_unless_a_refresher_for(run, refresher)
    already = RefresherInvitation.objects.filter(run=run, refresher=refresher).first()
    if already is not None:
        raise RefresherError(_already_invited(refresher, already))
    people = list(_invitable(run).values_list("trainee_id", flat=True))
    if not people:
        raise RefresherError(errors.REFRESHER_NOBODY.format(run=run.title))
    try:
        with transaction.atomic():
            invitation = RefresherInvitation.objects.create(
                run=run,
                alert=alert,
                refresher=refresher,
                invited=len(people),
                sent_by=sent_by,
                sent_at=timezone.now(),
            )
    except IntegrityError as error:  # a second click that got past the check above
        already = RefresherInvitation.objects.get(run=run, refresher=refresher)
        raise RefresherError(_already_invited(refresher, already)) from error
    transaction.on_commit(lambda: send_invitations(invitation.pk, people))
    return invitation


def _already_invited(refresher: CourseRun, invitation: RefresherInvitation) -> str:
    return errors.REFRESHER_ALREADY_INVITED.format(
        refresher=refresher.title,
        date=date_format(timezone.localtime(invitation.sent_at), "l j F Y"),
    )


def _refuse_unless_a_refresher_for(run: CourseRun, refresher: CourseRun | None) -> None:
    if refresher is None:
        raise RefresherError(errors.REFRESHER_CHOOSE)
    if refresher.pk == run.pk:
        raise RefresherError(errors.REFRESHER_SAME_RUN)
    name = refresher.title
    if refresher.site_id != run.site_id:
        raise RefresherError(errors.REFRESHER_OTHER_SITE.format(refresher=name, site=run.site))
    if refresher.programme_id != run.programme_id:
        raise RefresherError(
            errors.REFRESHER_OTHER_PROGRAMME.format(
                refresher=name, other=refresher.programme.title, programme=run.programme.title
            )
        )
    if refresher.session_count != 1:
        raise RefresherError(
            errors.REFRESHER_NOT_ONE_SESSION.format(refresher=name, count=refresher.session_count)
        )
    if refresher.first_start is None or refresher.first_start <= timezone.now():
        raise RefresherError(errors.REFRESHER_PAST.format(refresher=name))
    if refresher.status != CourseRun.Status.OPEN:
        raise RefresherError(errors.REFRESHER_NOT_OPEN.format(refresher=name))
    if refresher.phase != CourseRun.Phase.OPEN:
        raise RefresherError(errors.REFRESHER_FULL.format(refresher=name))


def send_invitations(invitation_id: int, people: list[int]) -> None:
    """The invitation emails, one per person (run after commit)."""
    invitation = (
        RefresherInvitation.objects.select_related("run", "refresher__venue", "refresher__site")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return
    refresher = invitation.refresher
    sessions = list(refresher.sessions.select_related("venue").order_by("starts_at", "pk"))
    context = {
        "finished_run": invitation.run,
        "run": refresher,
        "site": refresher.site,
        "sessions": sessions,
        "venue": refresher.venue,
        "access": wording.access_notes(refresher.venue),
        "course_url": links.course_url(refresher.pk),
    }
    enrolments = (
        Enrolment.objects.filter(run_id=invitation.run_id, trainee_id__in=people)
        .select_related("trainee")
        .order_by("pk")
    )
    for enrolment in enrolments:
        person = enrolment.trainee
        try:
            mail.send(
                to=[person.email],
                subject=f"You are invited to a refresher: {refresher.title}",
                template="courses/reflections/email/refresher_invitation.txt",
                context={**context, "person": person},
            )
        except Exception:
            logger.exception(
                "Could not send the refresher invitation %s to user %s.", invitation_id, person.pk
            )


def when_of(refresher: CourseRun) -> str:
    """ "Tuesday 12 January 2027, 10:00 to 13:00" (needs `with_dates()`)."""
    return wording.when_text(refresher.first_start, refresher.first_end)


def invitation_sent_message(invitation: RefresherInvitation) -> str:
    count = invitation.invited
    people = "1 person" if count == 1 else f"{count} people"
    return f"We are emailing {people} an invitation to {invitation.refresher.title}."
