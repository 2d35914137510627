"""Reads for the leads' run pages: a site's runs, one run with its sessions' readiness and
bookings, one session and the tutors who could take it. Each takes a fixed number of queries."""

from datetime import timedelta

from django.db.models import (
    OuterRef,
    Q,
    QuerySet,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cms.queries import count_rows
from courses.models import (
    CourseRun,
    Enrolment,
    Session,
    Tutor,
    TutorKind,
    TutorWithdrawal,
)
from courses.sites.closed_days import Closure, closures
from courses.sites.scope import site_for_lead
from courses.workshops import offers
from courses.workshops.booking import access_needs_of
from courses.workshops.readiness import (
    load_tutors,
    overridden_rules,
    readiness_of,
    refusals,
    sessions_for_rules,
    snapshot_of,
)


def runs_for_site(site) -> QuerySet:
    """A site's runs with their dates, phase, pairing gaps and bookings, first session first."""

    sessions = Session.objects.filter(run=OuterRef("pk"))
    return (
        CourseRun.objects.filter(site=site)
        .with_dates()
        .select_related("programme", "venue")
        .annotate(
            unpaired_count=count_rows(
                sessions.filter(Q(lay_tutor__isnull=True) | Q(clinical_tutor__isnull=True))
            ),
            waiting_count=count_rows(
                Enrolment.objects.filter(run=OuterRef("pk"), status=Enrolment.Status.WAITLISTED)
            ),
        )
        .in_date_order()
    )


def run_for_lead(user, slug, run_id):
    """A run at one of the lead's sites (404 otherwise), with the page's related rows."""

    site = site_for_lead(user, slug)
    run = get_object_or_404(
        CourseRun.objects.with_dates().select_related("programme", "venue", "site"),
        pk=run_id,
        site=site,
    )
    return site, run


def run_sessions_with_readiness(run):
    """Each session of a run with its tutors, any uncovered withdrawal and every reason it is
    not ready. A fixed number of queries, whatever the number of sessions."""

    sessions = list(
        sessions_for_rules()
        .filter(run=run)
        .select_related("module", "lay_tutor__user", "clinical_tutor__user")
        .annotate(
            open_withdrawals=count_rows(
                TutorWithdrawal.objects.filter(session=OuterRef("pk"), covered_by__isnull=True)
            )
        )
        .order_by("number")
    )
    return readiness_of(sessions)


def run_skipped_days(run, session_starts: list) -> list[Closure]:
    """The closed days a run's weekly sessions stepped over, with why: from its first session to
    its last, each week's day with no session on which the site is closed (one query)."""
    if not session_starts:
        return []
    days = {timezone.localtime(start).date() for start in session_starts}
    first, last = min(days), max(days)
    closed = closures(site=run.site, first=first, last=last)
    weeks = (last - first).days // 7
    weekly = (first + timedelta(weeks=week) for week in range(weeks + 1))
    return [closed[day] for day in weekly if day not in days and day in closed]


def run_bookings(run) -> dict:
    """Who has a place and who is waiting, in waiting-list order; each waiting person with when
    their open offer of a place ends (`offer_until`, None without one)."""
    enrolments = list(
        Enrolment.objects.filter(
            run=run,
            status__in=[
                Enrolment.Status.BOOKED,
                Enrolment.Status.COMPLETED,
                Enrolment.Status.WAITLISTED,
            ],
        )
        .select_related("trainee", "certificate")
        .annotate(offer_until=offers.open_offer_until())
        .order_by("enrolled_at", "pk")
    )
    booked = [e for e in enrolments if e.status != Enrolment.Status.WAITLISTED]
    waiting = [e for e in enrolments if e.status == Enrolment.Status.WAITLISTED]
    return {
        "booked": booked,
        "waiting": waiting,
        "offered": [e for e in waiting if e.offer_until is not None],
        "needs": access_needs_of(enrolments),
    }


def run_group_exceptions(run) -> list:
    """The leads' recorded exceptions letting someone from the other group book the run."""
    return list(run.exceptions.select_related("trainee", "decided_by").order_by("-decided_at"))


def session_for_lead(user, slug, session_id):
    """A session of a run at one of the lead's sites (404 otherwise), loaded for the rules."""

    site = site_for_lead(user, slug)
    session = get_object_or_404(
        sessions_for_rules().select_related("lay_tutor__user", "clinical_tutor__user", "module"),
        pk=session_id,
        run__site=site,
    )
    return site, session


def tutor_choices_for(session) -> dict[str, list[tuple[int, str]]]:
    """The site's active tutors of each kind, each labelled with whether they can take this
    session or the first rule that stops them, for the lead's assignment form."""

    day = timezone.localtime(session.starts_at).date()
    # The site's pool, and whoever holds a place now (so the form can show them).
    pool = Tutor.objects.filter(
        Q(site=session.run.site, is_active=True)
        | Q(pk__in=[session.lay_tutor_id or 0, session.clinical_tutor_id or 0])
    )
    tutors = load_tutors(pool, first=day, last=day)
    overrides = overridden_rules([session.pk])
    snapshot = snapshot_of(session)
    choices = {TutorKind.LAY: [], TutorKind.CLINICAL: []}
    for tutor in sorted(tutors.values(), key=lambda tutor: tutor.name):
        found = refusals(
            tutor,
            snapshot,
            kind=tutor.kind,
            overridden=overrides.get((session.pk, tutor.id), set()),
            first_only=True,
        )
        note = found[0].message if found else "can teach this session"
        choices[tutor.kind].append((tutor.id, f"{tutor.name} ({note})"))
    return choices
