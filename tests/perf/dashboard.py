"""Benchmark: the programme dashboard (/programme/) at 1,000 and at 100,000 trainees, on PostgreSQL.

Seeds a synthetic programme with `seed_scale --trainees 1000`, signs in its programme lead (a member
of every scale site), renders the page 20 times with Django's test client and reports the median and
the query count; then `seed_scale --replace --trainees 100000` and the same. The query count must
not grow with the data (the test suite asserts it at small scale); the render time should grow with
the rows shown, not stored (target: under 500 ms at 100,000 on a 2-core machine). The page reads
figures worked out ahead (courses/dashboard/figures.py); the time to work them out, which the
scheduled task spends every 10 minutes, is reported too.

The database: DASHBOARD_BENCH_DATABASE_URL when set (a PostgreSQL database you made for it: its
data is replaced); otherwise a fresh one on the server DATABASE_URL names (or
postgres://postgres@127.0.0.1:5432), created here and dropped at the end. Figures, not asserts:
the machines are shared and noisy. Run with `make bench` (or `python tests/perf/dashboard.py`).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.on_postgres import run_on_postgres  # noqa: E402

SIZES = (1_000, 100_000)
REPEATS = 20
PAGE = "/programme/"
BENCH_SECRET = "BENCHMARKLEADSECONDFACTORXXXXXXX"  # base32, for the benchmark's lead only


def sign_in_lead(client):
    """The seed's programme lead, a member of every scale site. Leads must have a second factor
    before they see the dashboard (cms.middleware): the lead is given an authenticator app."""
    from django.contrib.auth import get_user_model

    from cms.second_factors.services import authenticator_app_ensure
    from courses.demo.scale import LEAD_EMAIL

    lead = get_user_model().objects.get(email=LEAD_EMAIL)
    authenticator_app_ensure(user=lead, secret=BENCH_SECRET)
    client.force_login(lead)
    return lead


def counts():
    from django.contrib.auth import get_user_model

    from courses.models import Attendance, CourseRun, Enrolment, Session, Site

    return (
        f"{Site.objects.count()} sites, {get_user_model().objects.count():,} people, "
        f"{CourseRun.objects.count():,} runs, {Session.objects.count():,} sessions, "
        f"{Enrolment.objects.count():,} enrolments, {Attendance.objects.count():,} register lines"
    )


def measure():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    results = []
    for index, trainees in enumerate(SIZES):
        arguments = ["seed_scale", "--trainees", str(trainees)]
        if index:
            arguments.insert(1, "--replace")
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command(*arguments, stdout=quiet)
        seeded = time.perf_counter() - started
        # Fresh planner statistics, as autovacuum would have them on a live database.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        # The figures the page reads, worked out again as the scheduled task would.
        from courses.dashboard.figures import figures_refresh

        refreshed = figures_refresh()
        client = Client()
        sign_in_lead(client)
        response = client.get(PAGE)  # warm: templates, content types, the session
        if response.status_code != 200:
            raise SystemExit(f"{PAGE} answered {response.status_code}, not 200")
        timings = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            client.get(PAGE)
            timings.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGE)
        median = statistics.median(timings)
        results.append((trainees, median, len(queries)))
        slowest = sorted(queries.captured_queries, key=lambda query: -float(query["time"]))[:3]
        print(f"  {trainees:,} trainees (seeded in {seeded:.1f} s): {counts()}")
        print(
            f"    {PAGE}: median {median * 1000:.0f} ms over {REPEATS} renders "
            f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}), "
            f"{len(queries)} queries, {len(response.content) / 1024:.0f} KiB"
        )
        print(
            f"    figures worked out (the 10-minute task): {refreshed.seconds:.1f} s, "
            f"{refreshed.rows:,} rows"
        )
        for query in slowest:
            print(f"      {float(query['time']) * 1000:6.0f} ms  {query['sql'][:90]}")
    (small, small_time, small_queries), (large, large_time, large_queries) = results
    print(
        f"  {large:,} vs {small:,} trainees: render time x{large_time / small_time:.1f}, "
        f"queries {small_queries} and {large_queries}"
        + ("" if small_queries == large_queries else " (NOT the same)")
    )


def main():
    run_on_postgres("dashboard", measure, __file__)


if __name__ == "__main__":
    main()
