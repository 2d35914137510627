"""Every CSV the project serves makes text people typed inert for spreadsheet programs: the
admin listings and reports (walked from the URL resolver, so a new one is covered without being
named here) and the project's own downloads, each fed a hostile name."""

import csv
import io
import zipfile

import openpyxl
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.log_actions import log

from cms.roles import Role
from cms.spreadsheets import safe_cell, write_xlsx_sheets, write_zip
from courses.models import ClosedDay, Enrolment, TutorKind
from tests.factories import SiteMembershipFactory, TutorFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example/","Alan")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize(
    ("text", "kept_as"),
    [
        ("=1+1", "'=1+1"),
        ("+44 7700", "'+44 7700"),
        ("-rm", "'-rm"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("I speak first.", "I speak first."),
        ("", ""),
        (7, 7),
        (-2.5, -2.5),
    ],
)
def test_safe_cell_makes_formulas_inert(text, kept_as):
    assert safe_cell(text) == kept_as


def spreadsheet_urls(resolver=None, prefix=""):
    """Every admin address whose view can export a spreadsheet and takes no argument."""
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from spreadsheet_urls(entry, prefix + pattern)
        elif isinstance(entry, URLPattern) and "<" not in pattern and "(" not in pattern:
            view_class = getattr(entry.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, SpreadsheetExportMixin):
                yield "/" + prefix + pattern


@pytest.fixture
def hostile(riverside, programmes, elearning, people):
    """A hostile name everywhere a person's text reaches a listing: a tutor, a venue, a closed
    day, a learner, and the site history of their edits."""
    lead = people["lead"]
    person = UserFactory(first_name=HOSTILE, last_name=HOSTILE, email="evil@example.com")
    SiteMembershipFactory(site=riverside, user=person)
    tutor = TutorFactory(user=person, site=riverside, kind=TutorKind.LAY)
    venue = VenueFactory(site=riverside, name=HOSTILE, address=HOSTILE)
    closed = ClosedDay.objects.create(site=riverside, date="2027-05-03", reason=HOSTILE)
    for instance in (tutor, venue, closed):
        log(instance, "wagtail.edit", user=lead)
    module, _lesson = elearning
    learner = UserFactory(first_name=HOSTILE, last_name="Learner", roles=[Role.TRAINEE.value])
    Enrolment.objects.create(trainee=learner, module=module, site=riverside)
    return {"tutor": tutor, "venue": venue}


def cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8"))) for cell in row]


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return response, body


def test_every_admin_export_writes_hostile_text_as_text(hostile):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    urls = sorted(set(spreadsheet_urls()))
    assert {"/admin/venues/", "/admin/tutors/", "/admin/closed_days/"} <= set(urls)
    assert "/admin/reports/site-history/" in urls

    carried = set()
    for url in urls:
        response, body = download(client, f"{url}?export=csv")
        if not response["Content-Type"].startswith("text/csv"):
            continue  # a listing without exports
        found = cells(body)
        assert not [cell for cell in found if cell.startswith(FORMULA_STARTS)], url
        if any(cell.startswith("'" + HOSTILE) or HOSTILE in cell for cell in found):
            carried.add(url)

    assert {
        "/admin/venues/",
        "/admin/tutors/",
        "/admin/closed_days/",
        "/admin/reports/site-history/",
    } <= carried


def test_the_learners_progress_download_writes_hostile_names_as_text(client, people, hostile):
    client.force_login(people["lead"])

    _response, body = download(client, "/learn/progress/?format=csv")

    found = cells(body)
    assert "'" + HOSTILE + " Learner" in found
    assert not [cell for cell in found if cell.startswith(FORMULA_STARTS)]


def test_the_dashboards_downloads_write_hostile_names_as_text(client, people, hostile, programmes):
    from datetime import timedelta

    from django.utils import timezone

    from courses.dashboard.figures import figures_refresh
    from courses.models import Accreditation

    today = timezone.localdate()
    Accreditation.objects.create(
        tutor=hostile["tutor"],
        programme=programmes["patient"],
        accredited_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=30),
    )
    figures_refresh()
    client.force_login(people["lead"])

    _response, body = download(client, "/programme/export/expiring.csv")

    found = cells(body)
    assert any(cell.startswith("'" + HOSTILE) for cell in found)
    assert not [cell for cell in found if cell.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize(
    ("role", "url", "what"),
    [
        ("lead", "/learn/progress/?format=csv", "E-learning progress"),
        ("lead", "/programme/export/runs.csv", "Programme dashboard: "),
        ("lead", "/programme/export/runs.xlsx", "Programme dashboard: "),
        ("trainee", "/reflections/download/", "My reflections"),
    ],
)
def test_personal_downloads_are_never_cached_and_are_logged(client, people, role, url, what):
    from assessments.models import ExportLog

    client.force_login(people[role])

    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    logged = ExportLog.objects.get()
    assert (logged.exported_by, logged.what.startswith(what)) == (people[role], True)


def test_a_certificate_download_is_never_cached_and_is_logged(client, people, elearning):
    from django.utils import timezone

    from assessments.models import ExportLog
    from courses.models import Certificate

    enrolment = Enrolment.objects.get(trainee=people["trainee"])
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        code="LOGGED234567",
        holder_name="Ann Person",
        title="Preparing",
        issued_at=timezone.now(),
    )
    client.force_login(people["trainee"])

    response = client.get(f"/learn/certificates/{certificate.code}/pdf/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert ExportLog.objects.get().what == f"Certificate {certificate.code} (PDF)"


def test_a_workbook_of_several_sheets_opens_on_the_first_and_a_zip_keeps_its_files_in_order():
    content = write_xlsx_sheets(
        [("Answers", ["Code", "Rating"], [["MOT-1", 3]]), ("Own goals", ["Goal"], [["=1+1"]])]
    )
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Answers", "Own goals"]
    assert [list(row) for row in workbook.active.values] == [["Code", "Rating"], ["MOT-1", 3]]
    assert workbook["Own goals"]["A2"].data_type == "s"  # text, never a formula

    archive = zipfile.ZipFile(io.BytesIO(write_zip([("b.csv", b"1"), ("a.csv", b"2")])))
    assert archive.namelist() == ["b.csv", "a.csv"]
    assert archive.read("a.csv") == b"2"
