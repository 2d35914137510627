"""Benchmark: the pairing planner over 500 sessions and 200 tutors.

Builds (with bulk_create) 72 runs of 7 weekly sessions over six months at three venues, some of
them half staffed already, and a pool of 100 lay and 100 clinical tutors with varied weekly
availability, monthly caps, accreditation (some expiring during the period) and time away; then
times `plan_for` over the whole period. Reports the median of 5 runs and the query count, on
SQLite and, when DATABASE_URL names a PostgreSQL server, on a throwaway test database there too.
Figures, not asserts: the machines are shared and noisy. Run with `make bench` (or
`python tests/perf/planner.py`).
"""

import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

RUNS = 72
SESSIONS_PER_RUN = 7
TUTORS_PER_KIND = 100
REPEATS = 5
SEED = 2027
# Monthly caps: varied (the pool covers every session it is free for), then every tutor at one
# session a month (the pool runs short, so the repair and the proof do their most work).
SCENARIOS = [("varied caps, 1 to 5 a month", (1, 5)), ("tight pool, every cap 1 a month", (1, 1))]


def build(caps, site_name="Benchmark Health Board"):
    """The site, its venues, runs, sessions and tutor pool. Returns (site, first day, last day)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from cms.curricula.vocabulary import Track
    from cms.services import home_page_ensure
    from courses.models import (
        Accreditation,
        CourseRun,
        Session,
        Site,
        TimeAway,
        Tutor,
        TutorKind,
        Venue,
        WeeklyAvailability,
    )
    from tests.factories import programme_page

    rng = random.Random(SEED)
    zone = timezone.get_current_timezone()
    home_page_ensure(title="Benchmark", introduction="Benchmark.")
    programmes = [
        programme_page(title="Moving on Together", track=Track.PATIENT),
        programme_page(title="Working in Partnership", track=Track.PROFESSIONAL),
    ]
    site = Site.objects.create(name=site_name, slug="benchmark", travel_buffer_minutes=30)
    venues = Venue.objects.bulk_create(
        Venue(site=site, name=name, address=f"{name}, Riverside", capacity=20)
        for name in ("Riverside Library", "Eastgate Health Centre", "Northfield Community Hall")
    )
    today = timezone.localdate()
    first_day = today + timedelta(days=1)
    last_day = first_day + timedelta(days=182)

    # Tutors: 100 of each kind.
    password = make_password(None)
    users = get_user_model().objects.bulk_create(
        get_user_model()(
            email=f"bench.tutor{n}@example.com",
            first_name=f"Tutor{n}",
            last_name=f"Bench{n:03d}",
            password=password,
        )
        for n in range(2 * TUTORS_PER_KIND)
    )
    tutors = Tutor.objects.bulk_create(
        Tutor(
            user=user,
            site=site,
            kind=TutorKind.LAY if n < TUTORS_PER_KIND else TutorKind.CLINICAL,
            monthly_cap=rng.randint(*caps),
            is_active=rng.random() > 0.05,
        )
        for n, user in enumerate(users)
    )
    slots = [(8, 22), (9, 13), (13, 17), (17, 21), (9, 17), (12, 21)]
    accreditations, availability, away = [], [], []
    for tutor in tutors:
        for programme, chance in zip(programmes, (0.85, 0.6), strict=True):
            if rng.random() < chance:
                expires = (
                    first_day + timedelta(days=rng.randint(30, 150))
                    if rng.random() < 0.1
                    else today + timedelta(days=730)
                )
                accreditations.append(
                    Accreditation(
                        tutor=tutor,
                        programme=programme,
                        accredited_on=today - timedelta(days=365),
                        expires_on=expires,
                    )
                )
        for weekday in rng.sample(range(6), rng.randint(2, 5)):
            start, end = rng.choice(slots)
            availability.append(
                WeeklyAvailability(
                    tutor=tutor, weekday=weekday, starts_at=clock(start), ends_at=clock(end)
                )
            )
        if rng.random() < 0.3:
            begins = first_day + timedelta(days=rng.randint(0, 170))
            away.append(
                TimeAway(
                    tutor=tutor,
                    first_day=begins,
                    last_day=begins + timedelta(days=rng.randint(3, 14)),
                )
            )
    Accreditation.objects.bulk_create(accreditations)
    WeeklyAvailability.objects.bulk_create(availability)
    TimeAway.objects.bulk_create(away)

    # Runs: 72 groups of 7 weekly sessions starting over the first 19 weeks.
    times = [(clock(10), 180), (clock(13, 30), 180), (clock(18), 90)]
    runs = CourseRun.objects.bulk_create(
        CourseRun(
            programme=programmes[0] if n % 3 else programmes[1],
            site=site,
            venue=venues[n % 3],
            title=f"Benchmark group {n + 1}",
            capacity=12,
            minimum_group=6,
        )
        for n in range(RUNS)
    )
    lay = [t for t in tutors if t.kind == TutorKind.LAY]
    clinical = [t for t in tutors if t.kind == TutorKind.CLINICAL]
    sessions = []
    for run in runs:
        start_time, minutes = rng.choice(times)
        # A few groups meet on Sundays, when nobody in the pool teaches: the planner explains.
        weekday = 6 if rng.random() < 0.05 else rng.randrange(6)
        start = first_day + timedelta(weeks=rng.randrange(19))
        start += timedelta(days=(weekday - start.weekday()) % 7)
        # One group in ten already has its pair for the first three sessions (demo run D's gap).
        staffed = rng.random() < 0.1
        pair = (rng.choice(lay), rng.choice(clinical))
        for number in range(1, SESSIONS_PER_RUN + 1):
            starts = datetime.combine(start + timedelta(weeks=number - 1), start_time, zone)
            sessions.append(
                Session(
                    run=run,
                    number=number,
                    venue=run.venue,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=minutes),
                    lay_tutor=pair[0] if staffed and number <= 3 else None,
                    clinical_tutor=pair[1] if staffed and number <= 3 else None,
                )
            )
    Session.objects.bulk_create(sessions)
    return site, first_day, last_day, len(sessions), len(tutors)


def measure():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from courses.workshops.planner.search import plan_for

    setup_test_environment()
    test_database = None
    if connection.vendor == "postgresql":
        # A throwaway test_<name> database: the one DATABASE_URL names is left alone.
        test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    try:
        for name, caps in SCENARIOS:
            with transaction.atomic():
                started = time.perf_counter()
                site, first_day, last_day, session_count, tutor_count = build(caps)
                built = time.perf_counter() - started
                timings = []
                for _ in range(REPEATS):
                    started = time.perf_counter()
                    plan = plan_for(site=site, first_day=first_day, last_day=last_day)
                    timings.append(time.perf_counter() - started)
                with CaptureQueriesContext(connection) as queries:
                    plan_for(site=site, first_day=first_day, last_day=last_day)
                transaction.set_rollback(True)
            print(
                f"planner on {connection.vendor}, {name}: {session_count} sessions "
                f"({plan.places} empty places), {tutor_count} tutors, "
                f"{first_day:%d %b %Y} to {last_day:%d %b %Y} (data built in {built:.1f} s)"
            )
            print(
                f"  plan_for: median {statistics.median(timings):.2f} s over {REPEATS} runs "
                f"(min {min(timings):.2f}, max {max(timings):.2f}), {len(queries)} queries; "
                f"{plan.filled} places filled, {plan.sessions_made_ready} sessions made ready, "
                f"{len(plan.uncovered)} places explained, "
                f"most places possible {'proved' if plan.proved_best else 'NOT proved'}"
            )
    finally:
        if test_database:
            connection.creation.destroy_test_db(test_database, verbosity=0)


def main():
    if os.environ.get("PLANNER_BENCH_CHILD"):
        measure()
        return
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    databases = [f"sqlite:///{Path(tempfile.mkdtemp()) / 'planner.sqlite3'}"]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        databases.append(os.environ["DATABASE_URL"])
    for url in databases:
        environment = {
            **os.environ,
            "PLANNER_BENCH_CHILD": "1",
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        }
        # Django reads its database once per process: one child per database.
        subprocess.run([sys.executable, __file__], env=environment, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
