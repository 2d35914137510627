"""Benchmark: previewing and importing a 500-row referral list (CSV and Excel), on PostgreSQL.

For each format, five times over: a fresh site gets a generated file of 500 referrals (a tenth of
them matching people already there by email, the rest new; some with NHS numbers and dates of
birth), previewed (read, checked, matched, kept) and then confirmed (500 people and referrals
saved in bulk). Reports the median and slowest times of each step, the query counts (which must
not grow with the rows) and the preview page's render. The issue's target: 500 rows previewed and
imported in under 5 s.

The database: REFERRALS_BENCH_DATABASE_URL when set (its data is replaced); otherwise a fresh
database on the server DATABASE_URL names (or postgres://postgres@127.0.0.1:5432), made here and
dropped at the end. Figures, not asserts. Run with `make bench` (or
`python tests/perf/referrals.py`).
"""

import io
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.on_postgres import run_on_postgres  # noqa: E402

ROWS = 500
REPEATS = 5
HEADINGS = [
    "First name",
    "Last name",
    "Date of birth",
    "NHS number",
    "Email",
    "Mobile",
    "Group",
    "Referrer",
    "Referred on",
    "Notes",
]


def nhs_number(serial: int) -> str | None:
    """A 10-digit number with a valid check digit, from a serial (None when none fits)."""
    digits = f"{900000000 + serial:09d}"
    total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else digits + str(check)


def generated_rows(run: int) -> list[list]:
    from django.utils import timezone

    referred_on = f"{timezone.localdate() - timedelta(days=14):%d/%m/%Y}"
    rows = []
    for n in range(ROWS):
        serial = run * 10_000 + n
        rows.append(
            [
                f"Person{serial}",
                "Tester",
                f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1940 + n % 50}" if n % 2 else "",
                (nhs_number(serial) or "") if n % 3 == 0 else "",
                f"known{serial}@example.com"
                if n % 10 == 0
                else (f"p{serial}@example.com" if n % 4 else ""),
                f"07700 9{serial % 100_000:05d}" if n % 4 == 0 else "",
                "patient",
                "Dr Patel, Riverside Surgery",
                referred_on,
                "Prefers mornings" if n % 5 == 0 else "",
            ]
        )
    return rows


def csv_content(rows) -> bytes:
    from cms.spreadsheets import write_csv

    return write_csv(HEADINGS, rows)


def xlsx_content(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def measure():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from courses.people import referrals
    from tests.factories import SiteFactory, UserFactory

    setup_test_environment()
    call_command("migrate", verbosity=0)
    lead = UserFactory(email="bench.lead@example.com", is_superuser=True)
    client = Client()
    client.force_login(lead)
    for kind, make, name in (
        ("CSV", csv_content, "referrals.csv"),
        ("Excel", xlsx_content, "referrals.xlsx"),
    ):
        previews, confirms, totals, renders = [], [], [], []
        preview_queries = confirm_queries = page_queries = 0
        for repeat in range(REPEATS):
            run = repeat + (0 if kind == "CSV" else REPEATS)
            site = SiteFactory(slug=f"bench-{kind.lower()}-{repeat}")
            rows = generated_rows(run)
            # A tenth of the rows are people already here (by email).
            for row in rows[::10]:
                UserFactory(email=row[4])
            content = make(rows)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                batch = referrals.referral_import_preview(
                    site=site, file_name=name, content=content, uploaded_by=lead
                )
                previewed = time.perf_counter() - started
            preview_queries = len(queries)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/sites/{site.slug}/referrals/imports/{batch.pk}/")
            renders.append(time.perf_counter() - started)
            page_queries = len(queries)
            assert response.status_code == 200, response.status_code
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                batch = referrals.referral_import_confirm(referral_import=batch, confirmed_by=lead)
                confirmed = time.perf_counter() - started
            confirm_queries = len(queries)
            assert (batch.new_count + batch.matched_count, batch.error_count) == (ROWS, 0), (
                batch.new_count,
                batch.matched_count,
                batch.error_count,
            )
            previews.append(previewed)
            confirms.append(confirmed)
            totals.append(previewed + confirmed)
        print(
            f"  {kind}, {ROWS} rows ({len(content) / 1024:.0f} KiB), {REPEATS} runs: "
            f"preview median {statistics.median(previews) * 1000:.0f} ms "
            f"(max {max(previews) * 1000:.0f}), {preview_queries} queries; "
            f"confirm median {statistics.median(confirms) * 1000:.0f} ms "
            f"(max {max(confirms) * 1000:.0f}), {confirm_queries} queries; "
            f"both {statistics.median(totals):.2f} s (target: under 5 s); "
            f"preview page {statistics.median(renders) * 1000:.0f} ms, {page_queries} queries"
        )


def main():
    run_on_postgres("referrals", measure, __file__)


if __name__ == "__main__":
    main()
