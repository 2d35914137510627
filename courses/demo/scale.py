"""A synthetic national programme for load tests and benchmarks (`manage.py seed_scale`).

Everything is made in memory and written in large batches: on PostgreSQL with COPY, elsewhere
with executemany. Not bulk_create: several columns are auto_now / auto_now_add (when a lesson was
done, when a register was marked, when a response was started), and bulk_create would stamp every
generated date as "now". Primary keys of the rows that others point to are reserved up front (a
block of the table's sequence on PostgreSQL), so children name their parents without reading
anything back; rows nobody points to get their keys from the database.

Everything made here is recognisable, so `scale_remove` deletes exactly it and nothing else:
sites are "Scale test site NN" with slugs "scale-NN", people have addresses
scale...@example.invalid, responses are generated=True. The curricula and questionnaires are
the real ones, used, never changed.

Random draws come from random.Random(seed) in a fixed order, so a seed gives the same programme
relative to the day it is made.
"""

import random
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from math import ceil

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models import DO_NOTHING, Q
from django.utils import timezone

from assessments.models import (
    Administration,
    Answer,
    Goal,
    GoalRating,
    GoalsShared,
    Item,
    ItemKind,
    Phase,
    Pseudonym,
    ReflectionReminder,
    Response,
    ScaleScore,
)
from assessments.reflections.instruments import version_for_programme
from assessments.reflections.responses import scale_score
from cms.bulk import rows_write
from cms.curricula.vocabulary import ModuleFormat
from cms.models import ModulePage, ProgrammePage
from cms.roles import Role
from courses.common.curricula import module_lessons
from courses.dashboard.figures import figures_refresh
from courses.models import (
    Accreditation,
    ActivityLead,
    AssignmentOverride,
    Attendance,
    CalendarFeed,
    Certificate,
    ChangeFigures,
    ClosedDay,
    CohortFigures,
    CourseRun,
    Enrolment,
    InvitationCode,
    LastingFigures,
    LessonProgress,
    ReminderSent,
    Session,
    SessionFigures,
    Site,
    SiteMembership,
    TimeAway,
    Tutor,
    TutorKind,
    TutorWithdrawal,
    Venue,
    WeeklyAvailability,
)
from courses.reflections.administrations import add_months
from courses.workshops.scheduling import course_modules

PATIENT_PROGRAMME = "moving-on-together"
PROFESSIONAL_PROGRAMME = "working-in-partnership"

SITE_SLUG_PREFIX = "scale-"
SITE_NAME_PREFIX = "Scale test site "
EMAIL_PREFIX = "scale"
EMAIL_DOMAIN = "@example.invalid"
LEAD_EMAIL = f"{EMAIL_PREFIX}.lead{EMAIL_DOMAIN}"
SITE_ADMIN_EMAIL = f"{EMAIL_PREFIX}.admin{EMAIL_DOMAIN}"
CERTIFICATE_PREFIX = "SCALE"

TRAINEES_PER_SITE = 2500
PATIENT_SHARE = 0.6
SESSIONS_PER_RUN = 7
RUN_SIZE = (8, 15)
DAYS_BACK, DAYS_AHEAD = 365, 91
MONTHS_SPANNED = (DAYS_BACK + DAYS_AHEAD) / 30.4
SESSIONS_PER_TUTOR_A_MONTH = 6
SLOTS = (clock(9, 30), clock(13, 30), clock(18, 0))
UNPAIRED_FUTURE_SHARE = 0.05
EXPIRING_SHARE = 0.12
# Attendance: 95% still coming at session 1, each week 5.4% of those stop coming, and those
# still coming miss 5% of sessions: about 90% present at session 1 and 65% at session 7.
ENGAGED_AT_START = 0.95
DROP_OUT_A_WEEK = 0.054
MISSES_WHEN_ENGAGED = 0.05
APOLOGIES_SHARE = 0.4

FIRST_NAMES = (
    "Aisha", "Ben", "Callum", "Chloe", "Dev", "Eilidh", "Ewan", "Fatima", "Fraser", "Gareth",
    "Grace", "Hamid", "Hannah", "Iain", "Isla", "Jack", "Joy", "Kiran", "Kwame", "Lena", "Lucy",
    "Mohammed", "Morag", "Niamh", "Oliver", "Priya", "Rory", "Sofia", "Tom", "Uma",
)  # fmt: skip
LAST_NAMES = (
    "Ahmed", "Baird", "Campbell", "Davies", "Evans", "Fraser", "Gill", "Hughes", "Iqbal",
    "Jones", "Kaur", "Lewis", "MacDonald", "Murray", "Nowak", "O'Neill", "Patel", "Quinn",
    "Reid", "Singh", "Stewart", "Thomson", "Walker", "Watson", "Wilson", "Young",
)  # fmt: skip
PLACES = ("Community Centre", "Health Centre", "Library", "Leisure Centre", "Church Hall")
CANCEL_REASONS = ("Too few bookings.", "The venue is closed for repairs.", "Tutor illness.")
HOPES = (
    "To feel more in charge of my appointments.",
    "To meet other people living with the same condition.",
    "To set goals that I can actually keep to.",
    "To understand what my patients want from a consultation.",
)
CHANGES = (
    "I write my questions down before an appointment now, and I ask them.",
    "I agree the agenda at the start of a consultation now.",
    "I set myself a small goal each week and tell the nurse how it went.",
    "It was good to see the two tutors working as equals.",
    "I still find it hard to speak up when the doctor is in a hurry.",
)

# People's own goals: how many write some, and what they write (a goal is written once, before).
GOALS_SHARE = 0.6
GOAL_TEXTS = (
    "Walk to the shops without stopping.",
    "Agree an agenda with my patients at the start.",
    "Sleep through the night more often.",
    "Ask my questions before the appointment ends.",
    "Get back to the allotment.",
    "Plan the week so I have energy for the things I enjoy.",
    "Let my patients say what matters to them first.",
    "Feel less alone with my condition.",
)
GOALS_SHARED_CHOICES = (
    GoalsShared.NO,
    GoalsShared.WITHOUT_NAME,
    GoalsShared.WITHOUT_NAME,
    GoalsShared.WITH_NAME,
)
# Follow-up: the share of people who completed who answer at the first, second and later points,
# how much of a rating fades by then, and how often a goal is no longer important.
FOLLOW_UP_ANSWERS = (0.6, 0.5, 0.4)
FADE = (0, 0, 0, 1, 1, 2)
DROPPED_GOALS = 0.05


class ScaleError(Exception):
    pass


@dataclass
class Report:
    """What one seed or removal did: seconds per step and rows per table."""

    steps: list[tuple[str, float]] = field(default_factory=list)
    rows: Counter = field(default_factory=Counter)

    @property
    def seconds(self) -> float:
        return sum(seconds for _step, seconds in self.steps)


# --- what is scale data ---------------------------------------------------------------------


def scale_sites():
    return Site.objects.filter(slug__startswith=SITE_SLUG_PREFIX, name__startswith=SITE_NAME_PREFIX)


def scale_people():
    return get_user_model().objects.filter(
        email__startswith=EMAIL_PREFIX, email__endswith=EMAIL_DOMAIN
    )


def scale_trainee_count() -> int:
    """How many generated trainees are in the database (0: no scale data)."""
    return scale_people().filter(groups__name=Role.TRAINEE.value).count()


# --- writing rows in bulk -------------------------------------------------------------------


class _Writer:
    """Reserves primary keys and writes rows, COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, report: Report):
        self.report = report
        self.postgres = connection.vendor == "postgresql"

    def reserve(self, model, count: int) -> int:
        """The first of `count` consecutive free primary keys of `model`'s table."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, "id"])
                sequence = cursor.fetchone()[0]
                if count == 0:
                    return 1
                cursor.execute(
                    "SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count]
                )
                return cursor.fetchone()[0] - count + 1
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            return (cursor.fetchone()[0] or 0) + 1

    def write(self, model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        written = rows_write(model, columns, rows)
        self.report.rows[model._meta.label] += written
        return written


# --- the plan --------------------------------------------------------------------------------


@dataclass
class _Programme:
    page: ProgrammePage
    modules: list  # course-format ModulePages, session n teaches modules[n - 1]
    elearning: list[tuple[ModulePage, list[int]]]  # e-learning modules with their lesson ids
    version: object | None  # the current InstrumentVersion, or None
    form: "_Form"
    minutes: list[int]  # session length per session number


@dataclass
class _Run:
    id: int
    programme: _Programme
    site: int  # index into sites
    venue_id: int
    capacity: int
    completion_sessions: int
    status: str
    opened_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    title: str
    starts: list[datetime]  # UTC
    ends: list[datetime]
    size: int  # trainees to enrol
    session_ids: list[int] = field(default_factory=list)
    lay: list[int | None] = field(default_factory=list)  # tutor ids per session
    clinical: list[int | None] = field(default_factory=list)


@dataclass
class _Enrolment:
    id: int
    trainee: int
    run: _Run
    status: str
    enrolled_at: datetime
    withdrawn_at: datetime | None = None
    completed_at: datetime | None = None


class _Seeder:
    def __init__(self, *, trainees: int, seed: int, now: datetime, report: Report):
        self.trainees = trainees
        self.chance = random.Random(seed)  # noqa: S311 - made-up data, not secrets
        self.now = now
        self.today = timezone.localdate(now)
        self.zone = timezone.get_current_timezone()
        self.report = report
        self.writer = _Writer(report)
        self.User = get_user_model()

    # -- step: programmes, sites, venues ------------------------------------------------------

    def programmes(self):
        pages = {
            page.slug: page
            for page in ProgrammePage.objects.live().filter(
                slug__in=[PATIENT_PROGRAMME, PROFESSIONAL_PROGRAMME]
            )
        }
        missing = [
            slug for slug in (PATIENT_PROGRAMME, PROFESSIONAL_PROGRAMME) if slug not in pages
        ]
        if missing:
            raise ScaleError(
                f"No live programme called {', '.join(missing)}: load the curricula first "
                "(python manage.py load_curricula)."
            )
        self.patient = self._programme(pages[PATIENT_PROGRAMME])
        self.professional = self._programme(pages[PROFESSIONAL_PROGRAMME])
        if not self.patient.modules or not self.professional.modules:
            raise ScaleError("Both programmes need modules taught in sessions.")

    def _programme(self, page) -> _Programme:
        modules = course_modules(page)
        elearning = [
            (module, list(module_lessons(module).values_list("pk", flat=True)))
            for module in ModulePage.objects.child_of(page)
            .live()
            .filter(format=ModuleFormat.ELEARNING)
            .order_by("path")
        ]
        version = version_for_programme(page.pk)
        items = []
        if version is not None:
            items = list(
                Item.objects.filter(version=version)
                .select_related("scale")
                .order_by("position", "pk")
            )
        minutes = [
            min(210, (modules[number].session_minutes if number < len(modules) else None) or 150)
            for number in range(SESSIONS_PER_RUN)
        ]
        return _Programme(page, modules, elearning, version, _form(items), minutes)

    def sites(self):
        count = max(2, round(self.trainees / TRAINEES_PER_SITE))
        first_site = self.writer.reserve(Site, count)
        self.site_ids = list(range(first_site, first_site + count))
        self.site_names = [f"{SITE_NAME_PREFIX}{number:02d}" for number in range(1, count + 1)]
        self.writer.write(
            Site,
            ("id", "name", "slug", "description", "travel_buffer_minutes"),
            (
                (
                    site_id,
                    self.site_names[index],
                    f"{SITE_SLUG_PREFIX}{index + 1:02d}",
                    "Generated by seed_scale for load tests: not a real site.",
                    30,
                )
                for index, site_id in enumerate(self.site_ids)
            ),
        )
        # Sites differ in size: a run goes to a site in proportion to its weight.
        self.site_weights = [self.chance.uniform(0.5, 1.5) for _ in self.site_ids]
        venues_per_site = [self.chance.choice((1, 2, 2)) for _ in self.site_ids]
        first_venue = self.writer.reserve(Venue, sum(venues_per_site))
        rows, self.venues = [], []
        venue_id = first_venue
        for index, site_id in enumerate(self.site_ids):
            ids = []
            for place in self.chance.sample(PLACES, venues_per_site[index]):
                rows.append(
                    (
                        venue_id,
                        site_id,
                        f"{place} ({self.site_names[index]})",
                        f"{self.chance.randint(1, 200)} High Street, Scale Town {index + 1:02d}",
                        f"SC{index + 1} {self.chance.randint(1, 9)}AB",
                        self.chance.randint(16, 40),
                        self.chance.random() < 0.8,
                        self.chance.random() < 0.5,
                        "",
                        True,
                    )
                )
                ids.append(venue_id)
                venue_id += 1
            self.venues.append(ids)
        self.writer.write(
            Venue,
            (
                "id", "site_id", "name", "address", "postcode", "capacity", "step_free",
                "hearing_loop", "access_notes", "is_active",
            ),
            rows,
        )  # fmt: skip

    # -- step: runs and their sessions (times only; tutors come next) ------------------------

    def runs(self):
        chance, runs = self.chance, []
        remaining = self.trainees
        site_indexes = range(len(self.site_ids))
        plans = []
        while remaining > 0:
            size = min(chance.randint(*RUN_SIZE), remaining)
            remaining -= size
            plans.append((size, chance.randint(-DAYS_BACK, DAYS_AHEAD)))
        # Runs still being planned (nobody can book yet) in the coming weeks.
        plans += [(0, chance.randint(14, DAYS_AHEAD)) for _ in range(max(1, len(plans) // 25))]
        first_run = self.writer.reserve(CourseRun, len(plans))
        for offset, (size, days) in enumerate(plans):
            site = chance.choices(site_indexes, self.site_weights)[0]
            programme = self.patient if chance.random() < PATIENT_SHARE else self.professional
            weekday, slot = chance.randrange(5), chance.choice(SLOTS)
            first_day = self.today + timedelta(days=days)
            first_day += timedelta(days=(weekday - first_day.weekday()) % 7)
            starts, ends = [], []
            for number in range(SESSIONS_PER_RUN):
                local = datetime.combine(
                    first_day + timedelta(weeks=number), slot, tzinfo=self.zone
                )
                start = local.astimezone(UTC)
                starts.append(start)
                ends.append(start + timedelta(minutes=programme.minutes[number]))
            capacity = chance.randint(10, 16)
            status, opened_at, cancelled_at = CourseRun.Status.OPEN, None, None
            if size == 0:
                status = CourseRun.Status.PLANNING
            else:
                opened_at = min(
                    starts[0] - timedelta(days=chance.randint(42, 70)),
                    self.now - timedelta(days=chance.randint(1, 7)),
                )
                if chance.random() < 0.03:
                    status = CourseRun.Status.CANCELLED
                    cancelled_at = min(
                        starts[0] - timedelta(days=chance.randint(2, 20)),
                        self.now - timedelta(hours=chance.randint(1, 72)),
                    )
                    cancelled_at = max(cancelled_at, opened_at + timedelta(days=1))
            created_at = (opened_at or self.now) - timedelta(days=chance.randint(7, 21))
            local_first = starts[0].astimezone(self.zone)
            runs.append(
                _Run(
                    id=first_run + offset,
                    programme=programme,
                    site=site,
                    venue_id=chance.choice(self.venues[site]),
                    capacity=capacity,
                    completion_sessions=5
                    if programme is self.patient
                    else chance.choice((5, 5, 6)),
                    status=status,
                    opened_at=opened_at,
                    cancelled_at=cancelled_at,
                    created_at=created_at,
                    title=f"{programme.page.title}, {self.site_names[site]}, "
                    f"{local_first:%A}s from {local_first.day} {local_first:%B %Y}",
                    starts=starts,
                    ends=ends,
                    size=size,
                )
            )
        self.run_list = runs

    # -- step: tutor pools, accreditations, tutors on sessions -------------------------------

    def tutors(self):
        """A pool per site sized to its sessions (about six a month each), then tutors on the
        sessions."""
        sessions_at = Counter(run.site for run in self.run_list for _ in run.starts)
        pools = []  # per site: {kind: [tutor index...]}
        tutors = []  # (site index, kind)
        for site in range(len(self.site_ids)):
            size = max(3, ceil(sessions_at[site] / MONTHS_SPANNED / SESSIONS_PER_TUTOR_A_MONTH))
            pool = {}
            for kind in (TutorKind.LAY, TutorKind.CLINICAL):
                pool[kind] = list(range(len(tutors), len(tutors) + size))
                tutors += [(site, kind)] * size
            pools.append(pool)
        tutor_ids = self._tutor_people(tutors)
        accredited = self._accreditations(pools, tutor_ids)
        self._pairs(pools, tutor_ids, accredited)

    def _tutor_people(self, tutors: list[tuple[int, str]]) -> list[int]:
        """The tutors' accounts, roles, memberships and Tutor rows, and a programme lead of
        every scale site and a site administrator of the first. Returns the Tutor ids."""
        chance = self.chance
        first_user = self.writer.reserve(self.User, len(tutors) + 2)
        first_tutor = self.writer.reserve(Tutor, len(tutors))
        tutor_ids = [first_tutor + index for index in range(len(tutors))]
        self.tutor_user = {first_tutor + index: first_user + index for index in range(len(tutors))}
        self.lead_id, self.site_admin_id = first_user + len(tutors), first_user + len(tutors) + 1

        users, groups, memberships, tutor_rows = [], [], [], []
        group_ids = dict(Group.objects.values_list("name", "pk"))
        joined = self.now - timedelta(days=DAYS_BACK + 60)
        for index, (site, kind) in enumerate(tutors):
            user_id = first_user + index
            users.append(self._user_row(user_id, f"{EMAIL_PREFIX}.tutor{index + 1:05d}", joined))
            role = Role.LAY_TUTOR if kind == TutorKind.LAY else Role.CLINICAL_TUTOR
            groups.append((user_id, group_ids[role.value]))
            memberships.append((self.site_ids[site], user_id, joined))
            tutor_rows.append(
                (tutor_ids[index], user_id, self.site_ids[site], kind, chance.randint(6, 10), True)
            )
        users.append(self._user_row(self.lead_id, f"{EMAIL_PREFIX}.lead", joined, "Scale", "Lead"))
        users.append(
            self._user_row(self.site_admin_id, f"{EMAIL_PREFIX}.admin", joined, "Scale", "Admin")
        )
        groups += [
            (self.lead_id, group_ids[Role.PROGRAMME_LEAD.value]),
            (self.site_admin_id, group_ids[Role.SITE_ADMINISTRATOR.value]),
        ]
        memberships += [(site_id, self.lead_id, joined) for site_id in self.site_ids]
        memberships.append((self.site_ids[0], self.site_admin_id, joined))
        self._write_users(users, groups, memberships)
        self.writer.write(
            Tutor, ("id", "user_id", "site_id", "kind", "monthly_cap", "is_active"), tutor_rows
        )
        self.writer.write(
            WeeklyAvailability,
            ("tutor_id", "weekday", "starts_at", "ends_at"),
            (
                (tutor_id, weekday, clock(9, 0), clock(21, 0))
                for tutor_id in tutor_ids
                for weekday in range(5)
            ),
        )
        return tutor_ids

    def _accreditations(self, pools, tutor_ids) -> dict[int, set[int]]:
        """Most tutors teach both programmes; the first two of each kind at a site always do.
        Some accreditations run out in the next 90 days. Returns programme id -> tutor indexes."""
        chance = self.chance
        programmes = (self.patient, self.professional)
        accredited = {programme.page.pk: set() for programme in programmes}
        rows = []
        for pool in pools:
            for members in pool.values():
                for position, index in enumerate(members):
                    if position < 2 or chance.random() < 0.7:
                        teaches = programmes
                    else:
                        teaches = (chance.choice(programmes),)
                    for programme in teaches:
                        accredited[programme.page.pk].add(index)
                        if chance.random() < EXPIRING_SHARE:
                            expires = self.today + timedelta(days=chance.randint(1, 89))
                        else:
                            expires = self.today + timedelta(days=chance.randint(120, 700))
                        rows.append(
                            (
                                tutor_ids[index],
                                programme.page.pk,
                                expires - timedelta(days=1095),
                                expires,
                            )
                        )
        self.writer.write(
            Accreditation, ("tutor_id", "programme_id", "accredited_on", "expires_on"), rows
        )
        return accredited

    def _pairs(self, pools, tutor_ids, accredited):
        """Each run keeps one pair where it can: the least-loaded accredited tutor free at every
        session; otherwise the least-loaded free one, session by session. Nobody is booked twice
        at once (sessions start at fixed times and never overlap the next slot)."""
        chance = self.chance
        busy = [set() for _ in tutor_ids]
        load = [0] * len(tutor_ids)
        for run in sorted(self.run_list, key=lambda run: run.starts[0]):
            for kind, slots in ((TutorKind.LAY, run.lay), (TutorKind.CLINICAL, run.clinical)):
                candidates = [
                    index
                    for index in pools[run.site][kind]
                    if index in accredited[run.programme.page.pk]
                ]
                candidates.sort(key=lambda index: (load[index], index))
                whole = next(
                    (index for index in candidates if not busy[index].intersection(run.starts)),
                    None,
                )
                for start in run.starts:
                    chosen = whole
                    if chosen is None:
                        chosen = next((i for i in candidates if start not in busy[i]), None)
                    if chosen is not None:
                        busy[chosen].add(start)
                        load[chosen] += 1
                        slots.append(tutor_ids[chosen])
                    else:
                        slots.append(None)
            # Some sessions still to come have one place to fill, so the planner shows gaps.
            for number, start in enumerate(run.starts):
                if start > self.now and chance.random() < UNPAIRED_FUTURE_SHARE:
                    (run.lay if chance.random() < 0.5 else run.clinical)[number] = None

    def _user_row(self, user_id, local_part, joined, first_name=None, last_name=None):
        chance = self.chance
        return (
            user_id,
            f"!{chance.getrandbits(128):032x}",  # unusable: nobody signs in as generated people
            None,
            False,
            first_name or chance.choice(FIRST_NAMES),
            last_name or chance.choice(LAST_NAMES),
            False,
            True,
            joined,
            f"{local_part}{EMAIL_DOMAIN}",
        )

    def _write_users(self, users, groups, memberships):
        self.writer.write(
            self.User,
            (
                "id", "password", "last_login", "is_superuser", "first_name", "last_name",
                "is_staff", "is_active", "date_joined", "email",
            ),
            users,
        )  # fmt: skip
        self.writer.write(self.User.groups.through, ("user_id", "group_id"), groups)
        self.writer.write(SiteMembership, ("site_id", "user_id", "created_at"), memberships)

    def sessions(self):
        runs = self.run_list
        self.writer.write(
            CourseRun,
            (
                "id", "programme_id", "site_id", "venue_id", "title", "capacity", "minimum_group",
                "completion_sessions", "reminder_days", "status", "opened_at", "cancelled_at",
                "cancel_reason", "created_by_id", "created_at",
            ),
            (
                (
                    run.id, run.programme.page.pk, self.site_ids[run.site], run.venue_id,
                    run.title[:200], run.capacity, min(8, run.capacity), run.completion_sessions,
                    "7,1", run.status, run.opened_at, run.cancelled_at,
                    self.chance.choice(CANCEL_REASONS) if run.cancelled_at else "", None,
                    run.created_at,
                )
                for run in runs
            ),
        )  # fmt: skip
        first_session = self.writer.reserve(Session, len(runs) * SESSIONS_PER_RUN)
        rows = []
        for offset, run in enumerate(runs):
            modules = run.programme.modules
            for number in range(SESSIONS_PER_RUN):
                session_id = first_session + offset * SESSIONS_PER_RUN + number
                run.session_ids.append(session_id)
                rows.append(
                    (
                        session_id,
                        run.id,
                        number + 1,
                        modules[number].pk if number < len(modules) else None,
                        run.venue_id,
                        run.starts[number],
                        run.ends[number],
                        run.lay[number],
                        run.clinical[number],
                    )
                )
        self.writer.write(
            Session,
            (
                "id", "run_id", "number", "module_id", "venue_id", "starts_at", "ends_at",
                "lay_tutor_id", "clinical_tutor_id",
            ),
            rows,
        )  # fmt: skip

    # -- step: trainees, run enrolments, attendance, completion ------------------------------

    def trainees_and_enrolments(self):
        chance, now = self.chance, self.now
        group_id = Group.objects.get(name=Role.TRAINEE.value).pk
        first_user = self.writer.reserve(self.User, self.trainees)
        first_enrolment = self.writer.reserve(Enrolment, self.trainees)
        users, groups, memberships = [], [], []
        self.enrolments: list[_Enrolment] = []
        self.professionals = []  # (trainee id, site index, run)
        self.names = {}
        number = 0
        for run in self.run_list:
            if run.size == 0:
                continue
            latest = min(run.starts[0] - timedelta(hours=1), now)
            if run.cancelled_at:
                latest = min(latest, run.cancelled_at)
            span = max(60.0, (latest - run.opened_at).total_seconds())
            moments = sorted(
                run.opened_at + timedelta(seconds=chance.uniform(0, span)) for _ in range(run.size)
            )
            booked = 0
            for enrolled_at in moments:
                user_id = first_user + number
                joined = enrolled_at - timedelta(minutes=chance.randint(5, 60 * 24 * 20))
                row = self._user_row(user_id, f"{EMAIL_PREFIX}{number + 1:06d}", joined)
                self.names[user_id] = f"{row[4]} {row[5]}"
                users.append(row)
                groups.append((user_id, group_id))
                memberships.append((self.site_ids[run.site], user_id, joined))
                enrolment = _Enrolment(
                    first_enrolment + number, user_id, run, Enrolment.Status.BOOKED, enrolled_at
                )
                if chance.random() < 0.07:
                    enrolment.status = Enrolment.Status.WITHDRAWN
                    enrolment.withdrawn_at = min(
                        enrolled_at + timedelta(days=chance.uniform(1, 20)), latest
                    )
                elif booked >= run.capacity:
                    enrolment.status = Enrolment.Status.WAITLISTED
                else:
                    booked += 1
                self.enrolments.append(enrolment)
                if run.programme is self.professional:
                    self.professionals.append((user_id, run.site, run))
                number += 1
        self._write_users(users, groups, memberships)
        self._attendance_and_completion()
        self.writer.write(
            Enrolment,
            (
                "id", "trainee_id", "module_id", "site_id", "invitation_id", "run_id", "status",
                "enrolled_at", "completed_at", "withdrawn_at",
            ),
            (
                (
                    e.id, e.trainee, None, self.site_ids[e.run.site], None, e.run.id, e.status,
                    e.enrolled_at, e.completed_at, e.withdrawn_at,
                )
                for e in self.enrolments
            ),
        )  # fmt: skip
        self.writer.write(
            Attendance,
            ("session_id", "enrolment_id", "status", "marked_by_id", "marked_at"),
            self.attendance,
        )

    def _attendance_and_completion(self):
        chance, now = self.chance, self.now
        self.attendance = []
        present = Attendance.Status.PRESENT
        for enrolment in self.enrolments:
            run = enrolment.run
            if enrolment.status != Enrolment.Status.BOOKED or run.cancelled_at:
                continue
            engaged = chance.random() < ENGAGED_AT_START
            came = 0
            for number, start in enumerate(run.starts):
                if start > now:
                    break
                if number and engaged and chance.random() < DROP_OUT_A_WEEK:
                    engaged = False
                if engaged and chance.random() >= MISSES_WHEN_ENGAGED:
                    status = present
                    came += 1
                elif chance.random() < APOLOGIES_SHARE:
                    status = Attendance.Status.APOLOGIES
                else:
                    status = Attendance.Status.ABSENT
                tutor = run.lay[number] or run.clinical[number]
                self.attendance.append(
                    (
                        run.session_ids[number],
                        enrolment.id,
                        status,
                        self.tutor_user.get(tutor),
                        run.ends[number],
                    )
                )
            if run.ends[-1] <= now and came >= run.completion_sessions:
                enrolment.status = Enrolment.Status.COMPLETED
                enrolment.completed_at = run.ends[-1]

    # -- step: e-learning ---------------------------------------------------------------------

    def elearning(self):
        chance, now = self.chance, self.now
        modules = self.professional.elearning
        if not modules:
            return
        chosen = []
        for trainee, site, run in self.professionals:
            if chance.random() >= 0.5:
                continue
            module, lessons = modules[0] if chance.random() < 0.7 else chance.choice(modules)
            # The first module prepares for the workshop; any other follows it.
            if module is modules[0][0]:
                enrolled_at = run.starts[0] - timedelta(days=chance.uniform(7, 60))
            else:
                enrolled_at = run.ends[-1] + timedelta(days=chance.uniform(1, 30))
            if enrolled_at < now and lessons:
                chosen.append((trainee, site, module, lessons, enrolled_at))
        first = self.writer.reserve(Enrolment, len(chosen))
        enrolments, progress, certificates = [], [], []
        for offset, (trainee, site, module, lessons, enrolled_at) in enumerate(chosen):
            enrolment_id = first + offset
            status, completed_at, withdrawn_at = Enrolment.Status.BOOKED, None, None
            moment = enrolled_at
            keen = chance.uniform(0.75, 0.97)
            withdraws = chance.random() < 0.04
            for position, lesson_id in enumerate(lessons):
                moment += timedelta(days=chance.expovariate(1 / 4) + 0.02)
                if moment > now or (position and chance.random() > keen):
                    break
                progress.append((enrolment_id, lesson_id, moment))
                if position == len(lessons) - 1 and not withdraws:
                    status, completed_at = Enrolment.Status.COMPLETED, moment
            if withdraws:
                withdrawn_at = min(moment + timedelta(days=chance.uniform(1, 14)), now)
                status = Enrolment.Status.WITHDRAWN
            enrolments.append(
                (enrolment_id, trainee, module.pk, self.site_ids[site], None, None, status,
                 enrolled_at, completed_at, withdrawn_at)
            )  # fmt: skip
            if completed_at:
                certificates.append(
                    (enrolment_id, f"{CERTIFICATE_PREFIX}{enrolment_id:011d}",
                     self.names[trainee], module.title[:255], completed_at, None, None, "",
                     Certificate.Kind.ELEARNING.value, False)
                )  # fmt: skip
        self.writer.write(
            Enrolment,
            (
                "id", "trainee_id", "module_id", "site_id", "invitation_id", "run_id", "status",
                "enrolled_at", "completed_at", "withdrawn_at",
            ),
            enrolments,
        )  # fmt: skip
        self.writer.write(LessonProgress, ("enrolment_id", "lesson_id", "completed_at"), progress)
        self.writer.write(
            Certificate,
            (
                "enrolment_id", "code", "holder_name", "title", "issued_at", "revoked_at",
                "revoked_by_id", "revoke_reason", "kind", "for_professionals",
            ),
            certificates,
        )  # fmt: skip

    # -- step: before and after reflections ---------------------------------------------------

    def reflections(self):
        chance, now = self.chance, self.now
        runs = [run for run in self.run_list if run.programme.version is not None]
        run_type = ContentType.objects.get_for_model(CourseRun)
        points = {
            programme.page.pk: programme.page.follow_up_points
            for programme in (self.patient, self.professional)
        }
        per_run = {run.id: 2 + len(points[run.programme.page.pk]) for run in runs}
        next_administration = self.writer.reserve(Administration, sum(per_run.values()))
        administrations, surveys = [], {}
        for run in runs:
            # The run's surveys by (phase, months): before, after, each follow-up point.
            asked = [(Phase.BEFORE, 0), (Phase.AFTER, 0)]
            asked += [(Phase.FOLLOW_UP, months) for months in points[run.programme.page.pk]]
            surveys[run.id] = {}
            for phase, months in asked:
                surveys[run.id][phase, months] = next_administration
                administrations.append(
                    (next_administration, run.programme.version.pk, phase, months, run_type.pk,
                     run.id, run.programme.page.pk, run.title[:300], 28, run.created_at)
                )  # fmt: skip
                next_administration += 1
        self.writer.write(
            Administration,
            (
                "id", "version_id", "phase", "months", "target_type_id", "target_id",
                "programme_id", "label", "closes_after_days", "created_at",
            ),
            administrations,
        )  # fmt: skip

        # (enrolment, phase, months, submitted_at, levels per scale, levels looking back,
        # goal ratings: None for no goals)
        planned = []
        for enrolment in self.enrolments:
            run = enrolment.run
            if enrolment.status not in Enrolment.ON_THE_COURSE or run.id not in surveys:
                continue
            closes = min(run.starts[0], now, run.cancelled_at or now)
            window = (closes - enrolment.enrolled_at).total_seconds()
            if window <= 0 or chance.random() >= (0.85 if run.starts[0] <= now else 0.6):
                continue
            submitted = enrolment.enrolled_at + timedelta(seconds=chance.uniform(0, window))
            levels = {key: chance.randint(2, 7) for key, _label in run.programme.form.scales}
            goals = None
            if run.programme.form.goals and chance.random() < GOALS_SHARE:
                goals = [chance.randint(1, 6) for _ in range(chance.randint(1, 3))]
            planned.append((enrolment, Phase.BEFORE, 0, submitted, levels, None, goals))
            if run.cancelled_at or run.starts[-1] > now:
                continue
            completed = enrolment.status == Enrolment.Status.COMPLETED
            if chance.random() >= (0.75 if completed else 0.35):
                continue
            longest = min(timedelta(days=28), now - run.starts[-1]).total_seconds()
            submitted = run.starts[-1] + timedelta(seconds=chance.uniform(0, longest))
            gains = (0, 1, 1, 2, 2, 3, 3, 4) if completed else (-1, 0, 0, 1, 1, 2)
            after = {key: min(10, level + chance.choice(gains)) for key, level in levels.items()}
            # Looking back, people often rate their old selves lower than they did at the time.
            back_then = {
                key: max(0, level - chance.choice((0, 1, 1, 2))) for key, level in levels.items()
            }
            goals_after = None
            if goals is not None:
                goals_after = [min(10, rating + chance.choice(gains)) for rating in goals]
            planned.append((enrolment, Phase.AFTER, 0, submitted, after, back_then, goals_after))
            if not completed:
                continue  # only the people who completed are asked to follow up
            # Each follow-up point that has opened: fewer answer as time goes on, and some of
            # the change fades.
            for index, months in enumerate(points[run.programme.page.pk]):
                opens = add_months(run.ends[-1], months)
                if opens > now or chance.random() >= FOLLOW_UP_ANSWERS[min(index, 2)]:
                    continue
                longest = min(timedelta(days=28), now - opens).total_seconds()
                submitted = opens + timedelta(seconds=chance.uniform(0, longest))
                later = {key: max(0, level - chance.choice(FADE)) for key, level in after.items()}
                goals_later = None
                if goals_after is not None:
                    goals_later = [max(0, rating - chance.choice(FADE)) for rating in goals_after]
                planned.append(
                    (enrolment, Phase.FOLLOW_UP, months, submitted, later, None, goals_later)
                )

        first_response = self.writer.reserve(Response, len(planned))
        goal_count = sum(len(plan[6]) for plan in planned if plan[1] == Phase.BEFORE and plan[6])
        next_goal = self.writer.reserve(Goal, goal_count)
        responses, answers, scores, goals, goal_ratings = [], [], [], [], []
        before_scores = {}  # (run id, trainee) -> {scale key: score}
        after_scores = {}  # (run id, trainee) -> {scale key: score}
        goal_ids = {}  # (run id, trainee) -> [(goal id, before rating)]
        goal_after = {}  # goal id -> its rating in the after survey
        random = chance.random
        for offset, (enrolment, phase, months, submitted, levels, back_then, rated) in enumerate(
            planned
        ):
            response_id = first_response + offset
            run = enrolment.run
            form = run.programme.form
            is_before = phase == Phase.BEFORE
            administration_id = surveys[run.id][phase, months]
            key = (run.id, enrolment.trainee)
            shared = ""
            if is_before and rated:
                shared = chance.choice(GOALS_SHARED_CHOICES)
            responses.append(
                (response_id, administration_id, enrolment.trainee, Response.Status.SUBMITTED,
                 random() < 0.7, shared, submitted - timedelta(minutes=chance.randint(3, 30)),
                 submitted, submitted, True)
            )  # fmt: skip
            ratings = {key: [] for key, _label in form.scales}
            looking_back = {key: [] for key, _label in form.scales}
            questions = form.before if is_before else form.after
            if phase == Phase.FOLLOW_UP:
                # The short form: the scales' ratings only (and the goals).
                questions = [q for q in questions if q.points and not q.looking_back]
            for question in questions:
                if question.points:
                    if question.looking_back:
                        level, kept = back_then[question.scale], looking_back[question.scale]
                    else:
                        level, kept = levels[question.scale], ratings[question.scale]
                    jitter = random()
                    level += -1 if jitter < 0.25 else (1 if jitter >= 0.75 else 0)
                    value, answered = question.points[min(10, max(0, level))]
                    answers.append((response_id, question.item_id, answered, ""))
                    kept.append(value)
                elif question.required or random() < 0.25:
                    text = chance.choice(question.options or (HOPES if is_before else CHANGES))
                    answers.append((response_id, question.item_id, None, text))
            mine = {}
            earlier = {} if is_before else before_scores.get(key, {})
            at_end = after_scores.get(key, {}) if phase == Phase.FOLLOW_UP else {}
            for scale_key, label in form.scales:
                if not ratings[scale_key]:
                    continue
                score, retrospective = scale_score(ratings[scale_key], looking_back[scale_key])
                mine[scale_key] = score
                scores.append(
                    (response_id, administration_id, scale_key, label, score, retrospective,
                     earlier.get(scale_key), at_end.get(scale_key))
                )  # fmt: skip
            if is_before:
                before_scores[key] = mine
            elif phase == Phase.AFTER:
                after_scores[key] = mine
            if rated and is_before:
                goal_ids[key] = []
                for position, rating in enumerate(rated, start=1):
                    goals.append((next_goal, response_id, position, chance.choice(GOAL_TEXTS)))
                    goal_ratings.append((response_id, next_goal, rating, None, None, False))
                    goal_ids[key].append((next_goal, rating))
                    next_goal += 1
            elif rated and key in goal_ids:
                for (goal_id, before_rating), rating in zip(goal_ids[key], rated, strict=False):
                    dropped = phase == Phase.FOLLOW_UP and random() < DROPPED_GOALS
                    at_the_end = None
                    if phase == Phase.AFTER:
                        goal_after[goal_id] = rating
                    else:
                        at_the_end = goal_after.get(goal_id)
                    goal_ratings.append(
                        (response_id, goal_id, rating, before_rating, at_the_end, dropped)
                    )
        self.writer.write(
            Response,
            (
                "id", "administration_id", "respondent_id", "status", "share_with_tutors",
                "goals_shared", "started_at", "updated_at", "submitted_at", "generated",
            ),
            responses,
        )  # fmt: skip
        self.writer.write(Answer, ("response_id", "item_id", "number", "text"), answers)
        self.writer.write(
            ScaleScore,
            (
                "response_id", "administration_id", "scale_key", "scale_label", "score",
                "retrospective_score", "before_score", "after_score",
            ),
            scores,
        )  # fmt: skip
        self.writer.write(Goal, ("id", "response_id", "position", "text"), goals)
        self.writer.write(
            GoalRating,
            (
                "response_id",
                "goal_id",
                "rating",
                "before_rating",
                "after_rating",
                "no_longer_important",
            ),
            goal_ratings,
        )


@dataclass(frozen=True)
class _Question:
    item_id: int
    scale: str | None
    looking_back: bool
    # Scored items: for each level 0 to 10, (the value that counts, the value answered); a
    # reverse-scored item is answered turned round (lowest + highest - value).
    points: tuple[tuple[int, int], ...]
    required: bool
    options: tuple[str, ...]  # single choice: the values to choose from; free text: empty


@dataclass(frozen=True)
class _Form:
    scales: tuple[tuple[str, str], ...]  # (key, label) in the questionnaire's order
    before: tuple[_Question, ...]
    after: tuple[_Question, ...]
    goals: bool = False  # the questionnaire asks for people's own goals


def _form(items: list[Item]) -> _Form:
    """A version's questions as the generator asks them, worked out once per programme."""
    scales = {}
    before, after = [], []
    goals = False
    for item in items:
        if item.kind == ItemKind.GOALS:
            goals = True  # written and rated as goals, not answered as a question
            continue
        scored = item.kind in (ItemKind.RATING, ItemKind.RETROSPECTIVE)
        if scored and (item.scale is None or not item.points):
            continue
        points = ()
        if scored:
            scales.setdefault(
                (item.scale.position, item.scale.pk), (item.scale.key, item.scale.label)
            )
            values = sorted(item.point_values)
            low, high = values[0], values[-1]
            nearest = [
                min(values, key=lambda value, level=level: abs(value - low - level * (high - low) / 10))
                for level in range(11)
            ]  # fmt: skip
            # Turning round undoes itself: the answer that counts as `value` is counted(value).
            points = tuple((value, item.counted(value)) for value in nearest)
        question = _Question(
            item_id=item.pk,
            scale=item.scale.key if scored else None,
            looking_back=item.kind == ItemKind.RETROSPECTIVE,
            points=points,
            required=item.required,
            options=tuple(str(option["value"]) for option in item.options)
            if item.kind == ItemKind.CHOICE
            else (),
        )
        if item.asked_before and item.kind != ItemKind.RETROSPECTIVE:
            before.append(question)
        if item.asked_after:
            after.append(question)
    return _Form(
        scales=tuple(scales[position] for position in sorted(scales)),
        before=tuple(before),
        after=tuple(after),
        goals=goals,
    )


# --- the public functions --------------------------------------------------------------------


def scale_seed(*, trainees: int, seed: int = 1, now: datetime | None = None) -> Report:
    """Generate a programme of `trainees` trainees at max(2, trainees / 2500) scale sites, in one
    transaction. Refuses when scale data is already there (remove it first)."""
    if trainees < 1:
        raise ScaleError("Give at least one trainee.")
    if scale_sites().exists() or scale_people().exists():
        raise ScaleError(
            f"There is already scale data ({scale_trainee_count()} trainees): "
            "remove it first (seed_scale --replace)."
        )
    report = Report()
    seeder = _Seeder(trainees=trainees, seed=seed, now=now or timezone.now(), report=report)
    steps = [
        ("programmes", seeder.programmes),
        ("sites and venues", seeder.sites),
        ("runs planned", seeder.runs),
        ("tutors", seeder.tutors),
        ("runs and sessions", seeder.sessions),
        ("trainees, enrolments, attendance", seeder.trainees_and_enrolments),
        ("e-learning", seeder.elearning),
        ("reflections", seeder.reflections),
    ]
    with transaction.atomic():
        unchecked = _without_row_checks()
        for name, step in steps:
            started = time.perf_counter()
            step()
            report.steps.append((name, time.perf_counter() - started))
        started = time.perf_counter()
        if unchecked:
            _references_check(report)
            _row_checks_restore()
            report.steps.append(("references checked", time.perf_counter() - started))
            started = time.perf_counter()
    # Deferred foreign key checks, if any, run here.
    report.steps.append(("commit", time.perf_counter() - started))
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for label in report.rows:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(_table(label))}")
        report.steps.append(("analyze", time.perf_counter() - started))
    _figures_refresh(report)
    return report


def _without_row_checks() -> bool:
    """On PostgreSQL, when allowed (a superuser, or a role granted SET on the parameter), turn
    off the foreign key triggers for this transaction: checking 3 million rows one by one at
    commit took most of the time at 100,000 trainees. `_references_check` then checks every
    reference of the tables written in one anti-join each. Elsewhere, or when not allowed, the
    database checks each row as usual."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _row_checks_restore() -> None:
    """Back to normal for the rest of an enclosing transaction (a test's, say)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")


def _references_check(report: Report) -> None:
    """Every foreign key of every table written points at a row that exists, or ScaleError
    (and the whole transaction is rolled back)."""

    quote = connection.ops.quote_name
    broken = []
    with connection.cursor() as cursor:
        for label in report.rows:
            model = apps.get_model(label)
            for field_ in model._meta.concrete_fields:
                if not field_.is_relation:
                    continue
                target = field_.target_field
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} AS child "  # noqa: S608
                    f"WHERE child.{quote(field_.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 "
                    f"FROM {quote(target.model._meta.db_table)} AS parent "
                    f"WHERE parent.{quote(target.column)} = child.{quote(field_.column)})"
                )
                if missing := cursor.fetchone()[0]:
                    broken.append(f"{label}.{field_.name}: {missing} rows")
    if broken:
        raise ScaleError("Generated rows point at nothing: " + "; ".join(broken))


def _table(label: str) -> str:

    return apps.get_model(label)._meta.db_table


def _delete(report: Report, queryset) -> None:
    """DELETE ... WHERE pk IN (the queryset), in one statement: no rows fetched, no cascades
    collected in Python (the caller deletes children first)."""
    model = queryset.model
    select, params = queryset.values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"DELETE FROM {table} WHERE {key} IN (SELECT * FROM ({select}) AS doomed)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        report.rows[model._meta.label] += cursor.rowcount


def scale_remove() -> Report:
    """Delete every row seed_scale made, children before parents, each table in one statement.
    Nothing else is touched: the demo data and the curricula stay as they are. Refuses (and
    deletes nothing) if a row that is not scale data points at a scale site, run or session."""
    report = Report()
    with transaction.atomic():
        unchecked = _without_row_checks()
        sites = scale_sites()
        people = scale_people()
        runs = CourseRun.objects.filter(site__in=sites)
        sessions = Session.objects.filter(run__in=runs)
        tutors = Tutor.objects.filter(Q(site__in=sites) | Q(user__in=people))
        enrolments = Enrolment.objects.filter(Q(run__in=runs) | Q(trainee__in=people))
        run_type = ContentType.objects.get_for_model(CourseRun)
        administrations = Administration.objects.filter(
            target_type=run_type, target_id__in=runs.values("pk")
        )
        responses = Response.objects.filter(
            Q(administration__in=administrations) | Q(respondent__in=people)
        )
        for queryset in (
            # The dashboard's figures of the scale sites, worked out again below.
            ChangeFigures.objects.filter(site__in=sites),
            SessionFigures.objects.filter(site__in=sites),
            CohortFigures.objects.filter(site__in=sites),
            LastingFigures.objects.filter(site__in=sites),
            ScaleScore.objects.filter(
                Q(response__in=responses) | Q(administration__in=administrations)
            ),
            GoalRating.objects.filter(Q(response__in=responses) | Q(goal__response__in=responses)),
            Goal.objects.filter(response__in=responses),
            Answer.objects.filter(response__in=responses),
            ReflectionReminder.objects.filter(
                Q(administration__in=administrations) | Q(person__in=people)
            ),
            responses,
            administrations,
            Pseudonym.objects.filter(person__in=people),
            Certificate.objects.filter(enrolment__in=enrolments),
            LessonProgress.objects.filter(enrolment__in=enrolments),
            Attendance.objects.filter(Q(session__in=sessions) | Q(enrolment__in=enrolments)),
            ReminderSent.objects.filter(Q(session__in=sessions) | Q(user__in=people)),
            ActivityLead.objects.filter(session__in=sessions),
            AssignmentOverride.objects.filter(Q(session__in=sessions) | Q(tutor__in=tutors)),
            TutorWithdrawal.objects.filter(Q(session__in=sessions) | Q(tutor__in=tutors)),
            enrolments,
            sessions,
            runs,
            InvitationCode.objects.filter(site__in=sites),
            ClosedDay.objects.filter(site__in=sites),
            WeeklyAvailability.objects.filter(tutor__in=tutors),
            TimeAway.objects.filter(tutor__in=tutors),
            Accreditation.objects.filter(tutor__in=tutors),
            tutors,
            Venue.objects.filter(site__in=sites),
            SiteMembership.objects.filter(Q(site__in=sites) | Q(user__in=people)),
            CalendarFeed.objects.filter(user__in=people),
            get_user_model().groups.through.objects.filter(user__in=people),
            sites,
        ):
            started = time.perf_counter()
            if unchecked:
                _refuse_if_pointed_at(queryset)
            _delete(report, queryset)
            report.steps.append((f"{queryset.model._meta.label}", time.perf_counter() - started))
        # Whatever else came to point at a generated person since (a login to the admin, an
        # export log) is left to the ORM, which knows what each relation to a user asks for;
        # everyone else goes in one statement.
        started = time.perf_counter()
        pointed_at = _pointed_at(people)
        if pointed_at:
            _deleted, by_model = people.filter(pk__in=pointed_at).delete()
            report.rows.update(by_model)
        _delete(report, people)
        if unchecked:
            _row_checks_restore()
        report.steps.append(("cms.User", time.perf_counter() - started))
    _figures_refresh(report)
    return report


def _figures_refresh(report: Report) -> None:
    """The dashboard reads figures worked out ahead: work them out for the new data now."""
    started = time.perf_counter()
    figures_refresh()
    report.steps.append(("dashboard figures", time.perf_counter() - started))


def _relations_to(model):
    """The foreign keys of other tables that point at `model` (as Django's deletion collector
    finds them)."""
    return [
        field_
        for field_ in model._meta.get_fields(include_hidden=True)
        if field_.auto_created and not field_.concrete and (field_.one_to_one or field_.one_to_many)
    ]


def _pointing(relation, queryset):
    name = relation.field.name
    target = relation.field.target_field.attname
    return relation.related_model._base_manager.filter(**{f"{name}__in": queryset.values(target)})


def _refuse_if_pointed_at(queryset) -> None:
    """With the database's own checks off, check before deleting: nothing may still point at
    the rows (everything of ours that did was deleted just before)."""
    for relation in _relations_to(queryset.model):
        if relation.on_delete is DO_NOTHING:
            continue
        if _pointing(relation, queryset).exists():
            raise ScaleError(
                f"{relation.related_model._meta.verbose_name_plural} that are not scale data "
                f"refer to scale {queryset.model._meta.verbose_name_plural}: nothing was removed."
            )


def _pointed_at(people) -> set[int]:
    """The generated people some row still points at."""
    found = set()
    for relation in _relations_to(people.model):
        if relation.on_delete is DO_NOTHING:
            continue
        found.update(
            _pointing(relation, people).values_list(relation.field.attname, flat=True).distinct()
        )
    return found
