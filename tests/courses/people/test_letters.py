"""Letters to print: the letters waiting for a site, printing them as one PDF (one letter a
page, addressed), marking them printed, printing a batch again, and who may."""

import base64
import re
import zlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import errors
from courses.common import links, wording
from courses.common.channels import tell
from courses.errors import CoursesError
from courses.models import Enrolment, Letter
from courses.people import letters
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def pdf_pages(content: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", content))


def pdf_text(content: bytes) -> str:
    """The strings drawn on the PDF's pages (reportlab writes ASCII85 and Flate streams)."""
    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)~>endstream", content, re.DOTALL):
        drawn = zlib.decompress(base64.a85decode(stream)).decode("latin-1")
        for string in re.findall(r"\(((?:\\.|[^\\)])*)\) Tj", drawn):
            text.append(re.sub(r"\\(.)", r"\1", string))
    return "\n".join(text)


@pytest.fixture
def site(workshop):
    site = workshop["site"]
    site.contact_phone = "01632 960 123"
    site.contact_email = "courses@riverside.example"
    site.save()
    return site


def writer(n=1):
    return UserFactory(
        email=None,
        first_name="Mary",
        last_name=f"Jones {n}",
        contact_by="letter",
        postal_address=f"{n} High Street\nLeeds\nLS1 1AA",
        verified=False,
    )


def booking_letter(workshop, person) -> Letter:
    """A booking confirmation queued as a letter, the way `channels.tell` queues it."""
    run = workshop["run"]
    enrolment = Enrolment.objects.create(trainee=person, run=run, site=run.site)
    tell(
        person,
        subject=f"Your place on {run.title}",
        template="courses/workshops/email/booking_confirmed.txt",
        context={
            "enrolment": enrolment,
            "trainee": person,
            "run": run,
            "sessions": list(run.sessions.select_related("venue").order_by("starts_at")),
            "venue": run.venue,
            "access": wording.access_notes(run.venue),
            "course_url": links.course_url(run.pk),
        },
        kind="booking confirmation",
        run=run,
    )
    return Letter.objects.filter(person=person).latest("pk")


def test_a_batch_is_one_addressed_page_a_letter_with_the_session_dates(workshop, site, people):
    first, second = booking_letter(workshop, writer(1)), booking_letter(workshop, writer(2))
    batch_id = letters.letters_print(site=site, printed_by=people["lead"], up_to_id=None)
    assert batch_id == first.pk
    batch = letters.letter_batch(site, second.pk)
    assert batch == [first, second]

    content = letters.letters_pdf(batch, site=site, service_name="Co-training")
    assert content.startswith(b"%PDF") and pdf_pages(content) == 2
    text = pdf_text(content)
    for line in (
        "Mary Jones 1",
        "1 High Street",
        "LS1 1AA",
        "2 High Street",
        "Phone: 01632 960 123",
    ):
        assert line in text
    session = timezone.localtime(workshop["sessions"][0].starts_at)
    assert f"Session 1: {session:%A} {session.day} {session:%B %Y}" in text
    assert "Your place on Spring group" in text and "Yours sincerely," in text


def test_printing_marks_the_letters_printed_up_to_the_newest_seen(workshop, site, people):
    seen = booking_letter(workshop, writer(1))
    later = booking_letter(workshop, writer(2))
    letters.letters_print(site=site, printed_by=people["lead"], up_to_id=seen.pk)
    seen.refresh_from_db()
    later.refresh_from_db()
    assert seen.printed_at == timezone.now() and seen.printed_by == people["lead"]
    assert later.printed_at is None  # queued after the lead looked: the next batch

    letters.letters_print(site=site, printed_by=people["lead"], up_to_id=later.pk)
    with pytest.raises(CoursesError) as refused:
        letters.letters_print(site=site, printed_by=people["lead"], up_to_id=later.pk)
    assert refused.value.message == errors.LETTERS_NONE_WAITING


def test_only_the_sites_letters_are_printed(workshop, site, people, hillside):
    mine = booking_letter(workshop, writer(1))
    theirs = Letter.objects.create(person=writer(2), site=hillside, subject="Hello", body="Hi")
    letters.letters_print(site=site, printed_by=people["lead"], up_to_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.printed_at is None
    assert letters.letter_batch(site, mine.pk) == [mine]


@pytest.mark.parametrize(("lines", "pages"), [(28, 1), (80, 2)])
def test_a_long_letter_shrinks_to_fit_its_page_or_goes_on_over_the_next(
    workshop, site, lines, pages
):
    body = "\n".join(f"Line {n}." for n in range(lines))
    letter = Letter(person=writer(1), site=site, subject="A long one", body=body)
    content = letters.letters_pdf([letter], site=site, service_name="Co-training")
    assert pdf_pages(content) == pages
    text = pdf_text(content)
    assert f"Line {lines - 1}." in text and "Yours sincerely," in text
    assert ("A long one (continued)" in text) == (pages == 2)


# --- the pages -----------------------------------------------------------------------------


URL = "/sites/riverside/letters/"


def test_the_lead_prints_the_waiting_letters_and_can_print_them_again(
    client, workshop, site, people
):
    client.force_login(people["lead"])
    assert "No letters are waiting to be printed." in client.get(URL).text
    first, second = booking_letter(workshop, writer(1)), booking_letter(workshop, writer(2))
    page = client.get(URL).text
    assert "Waiting to be printed (2)" in page and "Print 2 letters" in page
    assert "Mary Jones 1" in page

    printed = client.post(URL, {"up_to": str(second.pk)})
    batch_url = f"{URL}printed/{first.pk}/"
    assert printed["Location"] == batch_url
    batch = client.get(batch_url).text
    assert "2 letters to print" in batch and "Download the PDF (2 pages)" in batch
    pdf = client.get(f"{batch_url}letters.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith('attachment; filename="letters-riverside-')
    assert pdf_pages(pdf.content) == 2

    page = client.get(URL).text
    assert "No letters are waiting to be printed." in page
    assert "2 letters, printed" in page and "Print again" in page
    assert pdf_pages(client.get(f"{URL}printed/{second.pk}/letters.pdf").content) == 2

    again = client.post(URL, {"up_to": str(second.pk)}, follow=True)
    assert errors.LETTERS_NONE_WAITING in again.text


@pytest.mark.parametrize("up_to", ["", "abc", "-1", "99999999999999999999999"])
def test_a_bad_form_prints_everything_waiting_and_never_fails(
    client, workshop, site, people, up_to
):
    booking_letter(workshop, writer(1))
    client.force_login(people["site_admin"])
    assert client.post(URL, {"up_to": up_to}).status_code == 302
    assert not Letter.objects.filter(printed_at__isnull=True).exists()


def test_who_may_see_and_print_letters(client, workshop, site, people):
    letter = booking_letter(workshop, writer(1))
    letters.letters_print(site=site, printed_by=people["lead"], up_to_id=None)
    batch = f"{URL}printed/{letter.pk}/"
    for url in (URL, batch, f"{batch}letters.pdf"):
        assert client.get(url).status_code == 302  # to the login page
        for key, status in (("trainee", 403), ("lay_tutor", 403), ("other_lead", 404)):
            client.force_login(people[key])
            assert client.get(url).status_code == status, (key, url)
        for key in ("lead", "site_admin"):
            client.force_login(people[key])
            assert client.get(url).status_code == 200, (key, url)
        client.logout()
    client.force_login(people["lead"])
    unprinted = booking_letter(workshop, writer(2))
    assert client.get(f"{URL}printed/{unprinted.pk}/").status_code == 404


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_letters_page_takes_as_many_queries_for_many_letters_as_for_one(
    client, workshop, site, people, frozen_clock
):
    client.force_login(people["lead"])
    first = booking_letter(workshop, writer(1)).pk
    letters.letters_print(site=site, printed_by=people["lead"], up_to_id=None)
    booking_letter(workshop, writer(2))
    one = count_queries(client, URL), count_queries(client, f"{URL}printed/{first}/")
    frozen_clock.shift(60)
    for n in range(3, 7):
        booking_letter(workshop, writer(n))
    letters.letters_print(site=site, printed_by=people["lead"], up_to_id=None)
    for n in range(7, 10):
        booking_letter(workshop, writer(n))
    assert (
        Letter.objects.filter(printed_at__isnull=False).values("printed_at").distinct().count() == 2
    )
    many = count_queries(client, URL), count_queries(client, f"{URL}printed/{first}/")
    assert many == one
