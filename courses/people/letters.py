"""Letters to print: the messages queued for people who want post (`Letter` rows, written by
`courses.common.channels.tell`), printed by a lead or site administrator in a batch.

Printing a batch is one PDF, one letter a page, each addressed for a DL window envelope, and
marks its letters printed (when, by whom) in one transaction. A batch is the letters of a site
printed at the same moment: found again from any one of its letters, to print again."""

import logging
from io import BytesIO

from django.db import transaction
from django.db.models import Count, Max, Min, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from courses import errors
from courses.errors import CoursesError
from courses.models import Letter
from courses.workshops.record import NHS_BLUE, TEXT

logger = logging.getLogger(__name__)

# Where a DL window envelope's window falls on an A4 page folded in three: 20 to 25 mm from the
# left, about 45 mm from the top, about 90 by 40 mm.
ADDRESS_LEFT = 25 * mm
ADDRESS_TOP = 50 * mm
ADDRESS_WIDTH = 85 * mm
ADDRESS_LINES = 7
MARGIN = 20 * mm
# The letter itself starts below the first fold.
BODY_TOP = 105 * mm
# Points: 10 only when a letter would not fit on its page at 11; smaller is hard to read, so a
# longer letter goes on over a second page.
BODY_SIZES = (11, 10)


# --- reads ------------------------------------------------------------------------------------


def letters_waiting(site) -> QuerySet:
    """The site's letters not yet printed, oldest first, with whom each is to."""
    return (
        Letter.objects.filter(site=site, printed_at__isnull=True)
        .select_related("person")
        .order_by("created_at", "pk")
    )


def letters_waiting_summary(site) -> dict:
    """How many letters wait, and the newest's id (what "Print" prints up to). One query."""
    summary = Letter.objects.filter(site=site, printed_at__isnull=True).aggregate(
        count=Count("pk"), last_id=Max("pk")
    )
    return {"count": summary["count"], "last_id": summary["last_id"]}


def letter_batches(site) -> QuerySet:
    """The site's printed batches, newest first: when, by whom, how many letters, and the
    first letter's id (which names the batch)."""
    return (
        Letter.objects.filter(site=site, printed_at__isnull=False)
        .values("printed_at", "printed_by__first_name", "printed_by__last_name")
        .annotate(count=Count("pk"), first_id=Min("pk"))
        .order_by("-printed_at")
    )


def letter_batch(site, letter_id) -> list[Letter]:
    """The letters printed with letter `letter_id` of `site` (404 if it is not a printed letter
    of the site), in the order they were printed. Two queries."""
    letter = get_object_or_404(
        Letter.objects.only("printed_at"), pk=letter_id, site=site, printed_at__isnull=False
    )
    return list(
        Letter.objects.filter(site=site, printed_at=letter.printed_at)
        .select_related("person", "printed_by")
        .order_by("created_at", "pk")
    )


# --- writes -----------------------------------------------------------------------------------


@transaction.atomic
def letters_print(*, site, printed_by, up_to_id: int | None) -> int:
    """Mark the site's waiting letters printed, up to the newest the lead saw (`up_to_id`), so
    a letter queued since is left for the next batch. Returns the batch's first letter's id.
    Refuses when none is waiting (someone else printed them)."""
    waiting = Letter.objects.select_for_update().filter(site=site, printed_at__isnull=True)
    if up_to_id is not None:
        waiting = waiting.filter(pk__lte=up_to_id)
    ids = list(waiting.values_list("pk", flat=True))
    if not ids:
        raise CoursesError(errors.LETTERS_NONE_WAITING)
    Letter.objects.filter(pk__in=ids).update(printed_at=timezone.now(), printed_by=printed_by)
    logger.info(
        "Letters printed at site %s by user %s: %s letters (%s to %s).",
        site.pk,
        getattr(printed_by, "pk", None),
        len(ids),
        min(ids),
        max(ids),
    )
    return min(ids)


# --- the PDF ----------------------------------------------------------------------------------


def letters_pdf(letters, *, site, service_name: str) -> bytes:
    """One A4 page a letter: the site as sender (top right), the person's name and postal
    address where a DL window envelope shows it (top left), the date, the subject, the words
    and the site's sign-off. A letter too long for its page goes on over the next."""
    buffer = BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"Letters from {site.name}")
    pdf.setAuthor(service_name)
    pdf.setSubject(f"{len(letters)} letter{'s' if len(letters) != 1 else ''} to print")
    for letter in letters:
        _letter_page(pdf, letter, site=site, width=width, height=height)
    if not letters:
        pdf.setFont("Helvetica", 12)
        pdf.drawString(MARGIN, height - MARGIN, "No letters.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def sender_lines(site) -> list[str]:
    lines = [site.name]
    if site.contact_phone:
        lines.append(f"Phone: {site.contact_phone}")
    if site.contact_email:
        lines.append(f"Email: {site.contact_email}")
    if site.opening_hours:
        lines.append(site.opening_hours)
    return lines


def address_lines(person) -> list[str]:
    """The name and postal address, one line each, as many as a window shows."""
    name = person.get_full_name() or person.username
    address = [line.strip(" ,") for line in person.postal_address.splitlines() if line.strip()]
    return [name, *address][:ADDRESS_LINES]


def _letter_page(pdf, letter, *, site, width, height) -> None:
    right = width - MARGIN
    # The sender, top right.
    y = height - MARGIN
    pdf.setFillColor(NHS_BLUE)
    for number, line in enumerate(sender_lines(site)):
        pdf.setFont("Helvetica-Bold" if number == 0 else "Helvetica", 11 if number == 0 else 9)
        pdf.drawRightString(right, y, line)
        y -= 13
    pdf.setFillColor(TEXT)
    # The date, under the sender.
    when = timezone.localtime(letter.printed_at or timezone.now())
    pdf.setFont("Helvetica", 10)
    pdf.drawRightString(right, y - 8, date_format(when, "j F Y"))
    # The address, in the envelope's window.
    y = height - ADDRESS_TOP
    pdf.setFont("Helvetica", 11)
    for line in address_lines(letter.person):
        for part in simpleSplit(line, "Helvetica", 11, ADDRESS_WIDTH)[:1]:
            pdf.drawString(ADDRESS_LEFT, y, part)
        y -= 14
    # The letter.
    top, bottom = height - BODY_TOP, MARGIN + 12
    width_available = right - MARGIN
    sign_off = ["", "Yours sincerely,", "", site.name]
    for size in BODY_SIZES:
        lines = []
        for paragraph in [*letter.body.splitlines(), *sign_off]:
            lines += simpleSplit(paragraph, "Helvetica", size, width_available) or [""]
        leading = size * 1.35
        # A blank line between paragraphs takes half a line: a booking letter, with its
        # sessions, the venue and whom to contact, then fits one page at 10 points.
        needed = sum(leading if line else leading / 2 for line in lines) + 2 * leading
        if top - needed >= bottom:
            break
    pdf.setFont("Helvetica-Bold", size + 2)
    y = top
    for part in simpleSplit(letter.subject, "Helvetica-Bold", size + 2, width_available):
        pdf.drawString(MARGIN, y, part)
        y -= leading + 2
    y -= leading / 2
    pdf.setFont("Helvetica", size)
    for line in lines:
        if y < bottom:
            pdf.showPage()
            pdf.setFillColor(TEXT)
            pdf.setFont("Helvetica", 9)
            pdf.drawString(MARGIN, height - MARGIN, f"{letter.subject} (continued)")
            pdf.setFont("Helvetica", size)
            y = height - MARGIN - 2 * leading
        pdf.drawString(MARGIN, y, line)
        y -= leading if line else leading / 2
    pdf.showPage()
