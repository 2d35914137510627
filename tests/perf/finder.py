"""Benchmark: the public course finder (/courses/) over 200 runs across 8 sites, against /healthz.

Builds (with bulk_create) 8 sites, each with 3 venues in its own postcode district, and 200 runs
of 7 weekly sessions: most open for booking over the next six months (some of them full), the
rest still being planned, cancelled or already finished, with 2,000 bookings and waiting-list
places among 600 trainees. Then renders, with Django's test client and no one signed in:
/healthz, the finder with no search, searched by town and by postcode district, and a run's page;
and the finder for a signed-in trainee; the home page for scale. Reports each page's median over
50 requests, its ratio to /healthz's median and its query count (the test suite asserts the count
does not grow with the runs). In-process, /healthz costs well under a millisecond, so every page
is hundreds of times it; the ratio the target speaks of (within 40x of /healthz) is the load
benchmark's throughput, where tests/perf/load.sh adds these runs to the demo site
(`finder.py --seed-only`) and serves the finder through gunicorn. Figures, not asserts: the
machines are shared and noisy. Run with `make bench` (or `python tests/perf/finder.py`).
"""

import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Towns of their own, so the runs can be added to the demo site's (Riverside, Hillside) too.
SITES = [
    ("Ashford Vale", "AV1"),
    ("Brookley", "BK4"),
    ("Eastgate", "EG2"),
    ("Northfield", "NF7"),
    ("Westbrook", "WB3"),
    ("Southmead", "SM9"),
    ("Kingsport", "KP5"),
    ("Lowmoor", "LM8"),
]
RUNS = 200
SESSIONS_PER_RUN = 7
TRAINEES = 600
BOOKINGS_PER_TRAINEE = 3  # about 2,000 bookings, some runs filled to a waiting list
REPEATS = 50
SEED = 2027


def build():
    """Sites, venues, runs, sessions, trainees and their bookings, on the live programmes (made
    when there are none). Returns (one trainee, one open run, counts)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from cms.curricula.vocabulary import Track
    from cms.models import ProgrammePage
    from cms.roles import Role
    from cms.services import home_page_ensure
    from courses.models import CourseRun, Enrolment, Session, Site, Venue
    from tests.factories import programme_page

    rng = random.Random(SEED)
    zone = timezone.get_current_timezone()
    programmes = list(ProgrammePage.objects.live().order_by("track", "path")[:2])
    if len(programmes) < 2:
        home_page_ensure(title="Benchmark", introduction="Benchmark.")
        programmes = [
            programme_page(title="Moving on Together", track=Track.PATIENT),
            programme_page(title="Working in Partnership", track=Track.PROFESSIONAL),
        ]
    sites = Site.objects.bulk_create(
        Site(name=f"{town} Health Board", slug=town.lower().replace(" ", "-")) for town, _ in SITES
    )
    venues = Venue.objects.bulk_create(
        Venue(
            site=site,
            name=f"{town} {kind}",
            address=f"{number} {street}\n{town}",
            postcode=f"{district} {number}{letters}",
            capacity=24,
            step_free=number % 2 == 1,
            hearing_loop=number % 3 == 0,
        )
        for site, (town, district) in zip(sites, SITES, strict=True)
        for number, kind, street, letters in (
            (1, "Library", "High Street", "AA"),
            (2, "Health Centre", "Station Road", "BD"),
            (3, "Community Hall", "Mill Lane", "EF"),
        )
    )
    today = timezone.localdate()
    statuses = [CourseRun.Status.OPEN] * 8 + [CourseRun.Status.PLANNING, CourseRun.Status.CANCELLED]
    runs = CourseRun.objects.bulk_create(
        CourseRun(
            programme=programmes[n % 2],
            site=venues[n % len(venues)].site,
            venue=venues[n % len(venues)],
            title=f"{programmes[n % 2].title}, group {n + 1}",
            capacity=rng.choice((8, 10, 12, 16)),
            minimum_group=6,
            status=rng.choice(statuses),
        )
        for n in range(RUNS)
    )
    sessions = []
    starts_of = {}
    for run in runs:
        # One run in ten finished before today; the others start over the next 26 weeks.
        weeks = -12 if rng.random() < 0.1 else rng.randrange(1, 27)
        start = today + timedelta(weeks=weeks)
        start += timedelta(days=(rng.randrange(5) - start.weekday()) % 7)
        start_time = rng.choice((clock(10), clock(13, 30), clock(18)))
        starts_of[run.pk] = datetime.combine(start, start_time, zone)
        for number in range(1, SESSIONS_PER_RUN + 1):
            starts = starts_of[run.pk] + timedelta(weeks=number - 1)
            sessions.append(
                Session(
                    run=run,
                    number=number,
                    venue=run.venue,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=3),
                )
            )
    Session.objects.bulk_create(sessions)

    password = make_password(None)
    trainees = get_user_model().objects.bulk_create(
        get_user_model()(
            email=f"finder.bench.trainee{n}@example.com",
            first_name=f"Trainee{n}",
            last_name="Bench",
            password=password,
        )
        for n in range(TRAINEES)
    )
    group, _ = Group.objects.get_or_create(name=Role.TRAINEE.value)
    group.user_set.add(*trainees)
    bookable = [run for run in runs if run.status == CourseRun.Status.OPEN]
    taken = dict.fromkeys((run.pk for run in runs), 0)
    enrolments = []
    for trainee in trainees:
        for run in rng.sample(bookable, BOOKINGS_PER_TRAINEE):
            full = taken[run.pk] >= run.capacity
            taken[run.pk] += 1
            enrolments.append(
                Enrolment(
                    trainee=trainee,
                    run=run,
                    site=run.site,
                    status=Enrolment.Status.WAITLISTED if full else Enrolment.Status.BOOKED,
                )
            )
    Enrolment.objects.bulk_create(enrolments)
    now = timezone.now()
    open_run = next(
        run
        for run in sorted(bookable, key=lambda run: starts_of[run.pk])
        if starts_of[run.pk] > now
    )
    counts = (
        f"{len(sites)} sites, {len(venues)} venues, {len(runs)} runs "
        f"({len(bookable)} opened), {len(sessions):,} sessions, {len(trainees)} trainees, "
        f"{len(enrolments):,} bookings and waiting-list places"
    )
    return trainees[0], open_run, counts


def measure():
    database = Path(tempfile.mkdtemp()) / "finder.sqlite3"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from courses.workshops.finder import open_runs

    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    trainee, run, counts = build()
    built = time.perf_counter() - started
    listed = open_runs().count()

    anonymous, signed_in = Client(), Client()
    signed_in.force_login(trainee)
    pages = [
        ("/healthz", "/healthz", anonymous),
        ("home page, anonymous (for scale)", "/", anonymous),
        ("finder, anonymous, no search", "/courses/", anonymous),
        ("finder, anonymous, town", "/courses/?place=Eastgate", anonymous),
        ("finder, anonymous, postcode", "/courses/?place=eg2+2bd", anonymous),
        ("finder, anonymous, town, page 2", "/courses/?place=Brookley&page=2", anonymous),
        ("finder, trainee, town", "/courses/?place=Eastgate", signed_in),
        ("a run's page, anonymous", f"/courses/{run.pk}/", anonymous),
    ]
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor}"
    )
    print(f"data (built in {built:.1f} s): {counts}; {listed} runs the finder lists")
    floor = None
    for name, url, client in pages:
        response = client.get(url)  # warm: templates, content types, the session
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}, not 200")
        timings = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            client.get(url)
            timings.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        median = statistics.median(timings)
        floor = floor or median
        print(
            f"  {name:<34} {url:<36} median {median * 1000:6.1f} ms "
            f"(min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f}) over {REPEATS}, "
            f"{median / floor:5.1f}x /healthz, {len(queries)} queries"
        )


def seed_only():
    """For tests/perf/load.sh: add the runs to the database DATABASE_URL names (the demo's)."""
    import django

    django.setup()
    from django.db import transaction

    with transaction.atomic():
        _, _, counts = build()
    print(f"added for the finder: {counts}")


if __name__ == "__main__":
    seed_only() if "--seed-only" in sys.argv else measure()
