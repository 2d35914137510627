"""Downloads of the programme dashboard's tables: parsed back as CSV and XLSX, dated, logged,
within the user's sites, with a fixed number of queries, and a clear answer to a bad request."""

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import ExportLog
from courses.dashboard.exports import FORMATS, as_csv, as_xlsx
from courses.dashboard.figures import figures_refresh
from courses.dashboard.tables import TABLE_KEYS, Column, DashboardFilterForm, Table, table_for
from courses.models import Attendance, Enrolment
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    SiteMembershipFactory,
    UserFactory,
)

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HILLSIDE_RUN = "Hillside evening group"
RIVERSIDE_RUN = "Riverside spring group"


def export_url(key, fmt="csv", **filters):
    url = reverse("courses:programme_export", args=[key, fmt])
    if filters:
        url += "?" + "&".join(f"{name}={value}" for name, value in filters.items())
    return url


def today():
    return timezone.localdate()


def add_run(site, programme, title, *, trainees=3, weeks_ago=4):
    """A run that began `weeks_ago` weeks ago with two sessions, `trainees` people booked (the
    first completed, the last withdrawn) and a register for the first session."""
    run = CourseRunFactory(site=site, programme=programme, title=title, status="open")
    first = timezone.now() - timedelta(weeks=weeks_ago)
    sessions = [
        SessionFactory(run=run, number=number, starts_at=first + timedelta(weeks=number - 1))
        for number in (1, 2)
    ]
    for index in range(trainees):
        person = UserFactory(email=f"{site.slug}.{title.split()[1]}.{index}@example.com")
        SiteMembershipFactory(site=site, user=person)
        status = Enrolment.Status.BOOKED
        if index == 0:
            status = Enrolment.Status.COMPLETED
        elif index == trainees - 1:
            status = Enrolment.Status.WITHDRAWN
        enrolment = Enrolment.objects.create(
            trainee=person,
            run=run,
            site=site,
            status=status,
            enrolled_at=first - timedelta(days=7),
            completed_at=timezone.now() if status == Enrolment.Status.COMPLETED else None,
        )
        Attendance.objects.create(
            session=sessions[0],
            enrolment=enrolment,
            status=Attendance.Status.PRESENT if index < 2 else Attendance.Status.ABSENT,
        )
    return run


@pytest.fixture
def scene(people, riverside, hillside, programmes):
    runs = {
        "riverside": add_run(riverside, programmes["patient"], RIVERSIDE_RUN),
        "hillside": add_run(hillside, programmes["patient"], HILLSIDE_RUN),
    }
    figures_refresh()
    return runs


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def read_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return workbook.active


# --- the files -------------------------------------------------------------------------------


TABLE = Table(
    key="runs",
    title="Completion per run",
    columns=[
        Column("run", "Course run"),
        Column("enrolled", "Enrolled", numeric=True),
        Column("rate", "Completion (%)", numeric=True),
        Column("first", "First session"),
        Column("venue", "Venue"),
    ],
    rows=[
        {"run": "Spring group", "enrolled": 12, "rate": 58.3, "first": date(2026, 3, 2),
         "venue": None, "_url": "/programme/runs/1/"},
        {"run": "=HYPERLINK(\"http://x\")", "enrolled": 0, "rate": None, "first": None,
         "venue": "-1 Main Street"},
    ],
)  # fmt: skip


def test_the_csv_has_the_headings_and_every_row_with_people_s_text_made_inert():
    rows = list(csv.reader(io.StringIO(as_csv(TABLE).decode("utf-8"))))
    assert rows == [
        ["Course run", "Enrolled", "Completion (%)", "First session", "Venue"],
        ["Spring group", "12", "58.3", "2026-03-02", ""],
        ['\'=HYPERLINK("http://x")', "0", "", "", "'-1 Main Street"],
    ]


def test_the_xlsx_has_a_bold_heading_numbers_as_numbers_and_dates_as_dates():
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx(TABLE))).active
    assert sheet.title == "Completion per run"
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == [
        "Course run", "Enrolled", "Completion (%)", "First session", "Venue"
    ]  # fmt: skip
    assert all(cell.font.bold for cell in rows[0])
    assert not rows[1][0].font.bold
    assert [cell.value for cell in rows[1]] == [
        "Spring group", 12, 58.3, datetime(2026, 3, 2), None
    ]  # fmt: skip
    assert rows[1][1].data_type == "n"
    assert rows[1][3].is_date
    # Text that looks like a formula stays text.
    assert rows[2][0].value == '=HYPERLINK("http://x")'
    assert rows[2][0].data_type == "s"
    assert len(rows) == 3


# --- the view --------------------------------------------------------------------------------


def test_a_lead_downloads_a_dated_csv_of_the_table_and_it_is_logged(client, people, scene):
    client.force_login(people["lead"])
    response = client.get(export_url("runs"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="programme-runs-{today():%Y-%m-%d}.csv"'
    )
    rows = read_csv(response)
    form = DashboardFilterForm(None, user=people["lead"])
    table = table_for(people["lead"], form.filters(), "runs")
    assert rows[0] == [column.label for column in table.columns]
    assert len(rows) == len(table.rows) + 1
    assert RIVERSIDE_RUN in "\n".join(",".join(row) for row in rows)
    log = ExportLog.objects.get()
    assert log.exported_by == people["lead"]
    assert log.what == f"Programme dashboard: {table.title}"
    assert log.file_format == "csv"
    assert log.filters == {}
    assert log.row_count == len(table.rows)


def test_a_site_administrator_downloads_the_xlsx(client, people, scene):
    client.force_login(people["site_admin"])
    response = client.get(export_url("runs", "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="programme-runs-{today():%Y-%m-%d}.xlsx"'
    )
    sheet = read_xlsx(response)
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert all(cell.font.bold for cell in next(sheet.iter_rows()))
    assert any(RIVERSIDE_RUN in row for row in rows)
    log = ExportLog.objects.get()
    assert (log.file_format, log.row_count) == ("xlsx", len(rows) - 1)


def test_the_filters_of_the_page_apply_and_are_logged_as_ids_and_strings(
    client, people, scene, riverside, programmes
):
    client.force_login(people["lead"])
    since = today() - timedelta(weeks=8)
    until = today()
    response = client.get(
        export_url(
            "runs",
            site=riverside.pk,
            programme=programmes["patient"].pk,
            since=since.isoformat(),
            until=until.isoformat(),
        )
    )
    assert response.status_code == 200
    assert RIVERSIDE_RUN in response.content.decode()
    log = ExportLog.objects.get()
    assert log.filters == {
        "site": riverside.pk,
        "programme": programmes["patient"].pk,
        "since": since.isoformat(),
        "until": until.isoformat(),
    }
    # A period before the run began leaves it out.
    response = client.get(
        export_url(
            "runs",
            since=(today() - timedelta(weeks=60)).isoformat(),
            until=(today() - timedelta(weeks=50)).isoformat(),
        )
    )
    assert response.status_code == 200
    assert RIVERSIDE_RUN not in response.content.decode()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", TABLE_KEYS)
def test_every_table_downloads_within_the_lead_s_sites_and_without_emails(
    client, people, scene, key, fmt
):
    client.force_login(people["lead"])
    response = client.get(export_url(key, fmt))
    assert response.status_code == 200
    if fmt == "csv":
        rows = read_csv(response)
    else:
        rows = [["" if v is None else str(v) for v in row] for row in read_xlsx(response).values]
    text = "\n".join(",".join(row) for row in rows)
    assert rows[0]  # a heading row
    assert "Hillside" not in text
    assert HILLSIDE_RUN not in text
    assert "@example.com" not in text
    assert ExportLog.objects.get().row_count == len(rows) - 1


def test_a_tutor_without_a_name_is_not_shown_by_their_email(client, people, riverside, programmes):
    from courses.models import Accreditation, TutorKind
    from tests.factories import TutorFactory

    tutor = TutorFactory(
        site=riverside,
        kind=TutorKind.LAY,
        user=UserFactory(first_name="", last_name="", email="nameless.tutor@example.com"),
    )
    Accreditation.objects.create(
        tutor=tutor,
        programme=programmes["patient"],
        accredited_on=today() - timedelta(days=300),
        expires_on=today() + timedelta(days=30),
    )
    client.force_login(people["lead"])
    for key in ("expiring", "load"):
        text = client.get(export_url(key)).content.decode()
        assert len(read_csv(client.get(export_url(key)))) == 2
        assert "@" not in text
        assert f"Tutor {tutor.pk} (no name on their account)" in text


def test_another_site_s_lead_sees_only_their_own_site(client, people, scene):
    client.force_login(people["other_lead"])
    text = client.get(export_url("runs")).content.decode()
    assert HILLSIDE_RUN in text
    assert RIVERSIDE_RUN not in text
    text = client.get(export_url("sites")).content.decode()
    assert "Riverside" not in text


# The session, the user and their roles (3); the user's sites (1); the table (1, the gaps 2: the
# sessions and the gaps per site); the export log (7: the user checked, the row, Wagtail's
# reference index).
EXPORT_QUERIES = {key: 3 + 1 + 1 + 7 for key in TABLE_KEYS} | {"gaps": 3 + 1 + 2 + 7}


def test_the_export_costs_the_same_queries_for_more_rows(
    client, people, scene, riverside, programmes, django_assert_num_queries
):
    client.force_login(people["lead"])
    for key in TABLE_KEYS:
        client.get(export_url(key))  # warm: content types, the session
    for key in TABLE_KEYS:
        with django_assert_num_queries(EXPORT_QUERIES[key]):
            client.get(export_url(key, "xlsx"))
    counts = {}
    for size in ("small", "larger"):
        if size == "larger":
            for number in range(3):
                add_run(riverside, programmes["professional"], f"Extra group{number} run")
            figures_refresh()
        for key in TABLE_KEYS:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(export_url(key)).status_code == 200
            counts.setdefault(key, []).append(len(queries))
    assert {key: small for key, (small, _) in counts.items()} == EXPORT_QUERIES
    assert {key: larger for key, (_, larger) in counts.items()} == EXPORT_QUERIES


# --- what a wrong request gets ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/programme/export/nonsense.csv",
        "/programme/export/runs.pdf",
        "/programme/export/runs.CSV",
        "/programme/export/_url.csv",
    ],
)
def test_an_unknown_table_or_format_is_not_found(client, people, path):
    client.force_login(people["lead"])
    assert client.get(path).status_code == 404
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "since=2026-13-45",
        "programme=abc",
        "programme=99999999999999999999999",
        "site=HILLSIDE",  # another site's id: not one of the lead's choices
    ],
)
def test_filters_that_make_no_sense_are_a_bad_request_with_a_plain_message(
    client, people, hillside, query
):
    client.force_login(people["lead"])
    query = query.replace("HILLSIDE", str(hillside.pk))
    response = client.get(f"{export_url('runs')}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "These filters cannot be used for a download" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_a_period_that_ends_before_it_begins_is_a_bad_request(client, people):
    client.force_login(people["lead"])
    response = client.get(export_url("runs", since="2026-05-01", until="2026-04-01"))
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        ("trainee", 403),
        ("lay_tutor", 403),
        ("clinical_tutor", 403),
        ("other_lead", 200),
        ("lead", 200),
        ("site_admin", 200),
    ],
)
def test_who_may_download(client, people, role, status):
    if role:
        client.force_login(people[role])
    response = client.get(export_url("funnel"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("account_login"))
    assert ExportLog.objects.count() == (1 if status == 200 else 0)


def test_only_get(client, people):
    client.force_login(people["lead"])
    assert client.post(export_url("runs")).status_code == 405
