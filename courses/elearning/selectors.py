"""Reads for the delivery pages, each shaped for one page with a fixed number of queries."""

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cms.curricula import ModuleFormat
from cms.models import LessonPage, ModulePage
from cms.roles import Role
from courses.models import (
    Certificate,
    Enrolment,
    InvitationCode,
    LessonProgress,
    Site,
    SiteMembership,
)


def sites_for(user) -> QuerySet[Site]:
    """The sites a person may see: every site for a superuser, their own sites for anyone else."""
    sites = Site.objects.all()
    if not user.is_superuser:
        # Exists, not a join, so counting memberships later counts everyone at the site.
        sites = sites.filter(Exists(SiteMembership.objects.filter(site=OuterRef("pk"), user=user)))
    return sites


def site_list_for(user) -> QuerySet[Site]:
    return (
        sites_for(user).annotate(member_count=Count("memberships", distinct=True)).order_by("name")
    )


ROLE_ORDER = [
    Role.PROGRAMME_LEAD,
    Role.SITE_ADMINISTRATOR,
    Role.LAY_TUTOR,
    Role.CLINICAL_TUTOR,
    Role.TRAINEE,
]


def site_detail_for(user, slug) -> tuple[Site, list[tuple[str, list]]]:
    """One site in the user's scope (404 otherwise) and its people grouped by role."""
    site = get_object_or_404(sites_for(user), slug=slug)
    memberships = (
        SiteMembership.objects.filter(site=site)
        .select_related("user")
        .prefetch_related(Prefetch("user__groups"))
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    by_role: dict[str, list] = {role.value: [] for role in ROLE_ORDER}
    no_role = []
    for membership in memberships:
        names = {group.name for group in membership.user.groups.all()}
        placed = False
        for role in ROLE_ORDER:
            if role.value in names:
                by_role[role.value].append(membership.user)
                placed = True
        if not placed:
            no_role.append(membership.user)
    groups = [(role.value, by_role[role.value]) for role in ROLE_ORDER if by_role[role.value]]
    if no_role:
        groups.append(("no role yet", no_role))
    return site, groups


# --- e-learning -------------------------------------------------------------------------------


def _lesson_count_for_module(module_ref):
    """Live lessons directly under a module, as a subquery on the module's tree path."""
    return Subquery(
        LessonPage.objects.live()
        .filter(
            path__startswith=OuterRef(f"{module_ref}__path"),
            depth=OuterRef(f"{module_ref}__depth") + 1,
        )
        .order_by()
        .values("depth")
        .annotate(total=Count("pk"))
        .values("total")[:1],
        output_field=IntegerField(),
    )


def module_lessons(module):
    """The live lessons of a module, in teaching order."""
    return LessonPage.objects.child_of(module).live().order_by("path")


def with_lesson_counts(enrolments):
    """Annotate each enrolment with its module's live lessons and how many of them are done."""
    live_lesson_ids = LessonPage.objects.live().values("pk")
    return enrolments.annotate(
        lessons_total=Coalesce(_lesson_count_for_module("module"), 0),
        lessons_done=Count(
            "progress", filter=Q(progress__lesson_id__in=live_lesson_ids), distinct=True
        ),
    )


def learning_for(user):
    """Everything on a trainee's /learn/ page, in a fixed number of queries."""
    enrolments = list(
        with_lesson_counts(
            Enrolment.objects.filter(trainee=user, module__isnull=False)
            .exclude(status=Enrolment.Status.WAITLISTED)
            .select_related("module", "certificate")
        ).order_by("status", "-enrolled_at")
    )
    next_lessons = _next_lessons(enrolments)
    for enrolment in enrolments:
        enrolment.next_lesson = next_lessons.get(enrolment.pk)
        enrolment.percent_done = (
            round(100 * enrolment.lessons_done / enrolment.lessons_total)
            if enrolment.lessons_total
            else 0
        )
    return {
        "active": [
            enrolment for enrolment in enrolments if enrolment.status == Enrolment.Status.BOOKED
        ],
        "completed": [
            enrolment for enrolment in enrolments if enrolment.status == Enrolment.Status.COMPLETED
        ],
        "withdrawn": [
            enrolment for enrolment in enrolments if enrolment.status == Enrolment.Status.WITHDRAWN
        ],
    }


def _next_lessons(enrolments):
    """The first lesson not yet finished, per active enrolment: one query for all of them."""
    active = [enrolment for enrolment in enrolments if enrolment.status == Enrolment.Status.BOOKED]
    if not active:
        return {}
    paths = Q()
    for enrolment in active:
        paths |= Q(path__startswith=enrolment.module.path, depth=enrolment.module.depth + 1)
    lessons = list(
        LessonPage.objects.live().filter(paths).order_by("path").only("pk", "title", "path")
    )
    done = set(
        LessonProgress.objects.filter(enrolment__in=active).values_list("enrolment_id", "lesson_id")
    )
    result = {}
    for enrolment in active:
        for lesson in lessons:
            if (
                lesson.path.startswith(enrolment.module.path)
                and (enrolment.pk, lesson.pk) not in done
            ):
                result[enrolment.pk] = lesson
                break
    return result


def enrolment_for(user, module_id):
    """The user's enrolment on a module, or 404."""
    return get_object_or_404(
        Enrolment.objects.select_related("module", "trainee"), trainee=user, module_id=module_id
    )


def lesson_for_learner(*, enrolment, lesson_id):
    """A lesson of the enrolment's module with its neighbours and what the trainee has done."""
    lessons = list(
        module_lessons(enrolment.module).only("pk", "title", "path", "url_path", "minutes")
    )
    position = next((index for index, lesson in enumerate(lessons) if lesson.pk == lesson_id), None)
    if position is None:
        raise Http404("That lesson is not part of this module.")
    lesson = LessonPage.objects.get(pk=lesson_id)
    done = set(enrolment.progress.values_list("lesson_id", flat=True))
    return {
        "lesson": lesson,
        "lessons": [(item, item.pk in done) for item in lessons],
        "position": position + 1,
        "lesson_count": len(lessons),
        "previous_lesson": lessons[position - 1] if position > 0 else None,
        "next_lesson": lessons[position + 1] if position + 1 < len(lessons) else None,
        "is_done": lesson.pk in done,
    }


def first_unfinished_lesson(enrolment):
    return (
        _next_lessons([enrolment]).get(enrolment.pk)
        if enrolment.status == Enrolment.Status.BOOKED
        else None
    )


def progress_rows_for(user):
    """E-learning enrolments in the user's scope (their sites), with lessons done, for tutors
    and leads. One query, however many rows."""
    enrolments = Enrolment.objects.filter(module__isnull=False)
    if not user.is_superuser:
        enrolments = enrolments.filter(site__in=sites_for(user))
    return with_lesson_counts(
        enrolments.select_related("trainee", "module", "site", "certificate")
    ).order_by("module__title", "trainee__last_name", "trainee__first_name", "trainee__email")


def certificate_for_owner(user, code):
    return get_object_or_404(
        Certificate.objects.select_related("enrolment"), code=code, enrolment__trainee=user
    )


def certificate_public(code):
    return Certificate.objects.filter(code=code).first()


def certificate_in_scope(user, code):
    certificates = Certificate.objects.select_related("enrolment__trainee", "enrolment__site")
    if not user.is_superuser:
        certificates = certificates.filter(enrolment__site__in=sites_for(user))
    return get_object_or_404(certificates, code=code)


def invitation_codes_for(user):
    codes = InvitationCode.objects.select_related("site", "module").annotate(
        uses=Count("enrolments")
    )
    if not user.is_superuser:
        codes = codes.filter(site__in=sites_for(user))
    return codes.order_by("-created_at")


def elearning_modules():
    return ModulePage.objects.live().filter(format=ModuleFormat.ELEARNING).order_by("title")


# --- workshops: leads' pages --------------------------------------------------------------------


def count_rows(queryset) -> Coalesce:
    """A correlated COUNT(*) subquery as an annotation, 0 when no row matches: one subquery per
    counted relation, so counting two relations never multiplies their rows by a join."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(_one=Value(1))
            .values("_one")
            # Grouping by a constant gives one row: the count of the rows that matched.
            .annotate(n=Count("*"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def site_for_lead(user, slug) -> Site:
    return get_object_or_404(sites_for(user), slug=slug)


def runs_for_site(site) -> QuerySet:
    """A site's runs with their dates, pairing gaps and bookings, soonest first."""
    from django.db.models import Max, Min

    from courses.models import CourseRun, Session

    sessions = Session.objects.filter(run=OuterRef("pk"))
    enrolments = Enrolment.objects.filter(run=OuterRef("pk"))
    active = [Enrolment.Status.BOOKED, Enrolment.Status.COMPLETED]
    return (
        CourseRun.objects.filter(site=site)
        .select_related("programme", "venue")
        .annotate(
            first_start=Min("sessions__starts_at"),
            last_start=Max("sessions__starts_at"),
            session_count=count_rows(sessions),
            unpaired_count=count_rows(
                sessions.filter(Q(lay_tutor__isnull=True) | Q(clinical_tutor__isnull=True))
            ),
            booked_count=count_rows(enrolments.filter(status__in=active)),
            waiting_count=count_rows(enrolments.filter(status=Enrolment.Status.WAITLISTED)),
        )
        .order_by("status", "first_start", "pk")
    )


def run_for_lead(user, slug, run_id):
    """A run at one of the lead's sites (404 otherwise), with the page's related rows."""
    from courses.models import CourseRun

    site = site_for_lead(user, slug)
    run = get_object_or_404(
        CourseRun.objects.select_related("programme", "venue", "site"), pk=run_id, site=site
    )
    return site, run


def run_sessions_with_readiness(run):
    """Each session of a run with its tutors, any uncovered withdrawal and every reason it is
    not ready. A fixed number of queries, whatever the number of sessions."""
    from courses.models import TutorWithdrawal
    from courses.workshops.readiness import readiness_of, sessions_for_rules

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


def run_bookings(run) -> dict:
    """Who has a place and who is waiting, in waiting-list order."""
    enrolments = list(
        Enrolment.objects.filter(
            run=run,
            status__in=[
                Enrolment.Status.BOOKED,
                Enrolment.Status.COMPLETED,
                Enrolment.Status.WAITLISTED,
            ],
        )
        .select_related("trainee")
        .order_by("enrolled_at", "pk")
    )
    booked = [e for e in enrolments if e.status != Enrolment.Status.WAITLISTED]
    waiting = [e for e in enrolments if e.status == Enrolment.Status.WAITLISTED]
    return {"booked": booked, "waiting": waiting}


def session_for_lead(user, slug, session_id):
    """A session of a run at one of the lead's sites (404 otherwise), loaded for the rules."""
    from courses.workshops.readiness import sessions_for_rules

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
    from courses.models import Tutor, TutorKind
    from courses.workshops.readiness import load_tutors, overridden_rules, refusals, snapshot_of

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
