"""A tutor's record of the sessions they co-delivered: the page /teach/record/ and its PDF.

Lay tutors turn over often and clinicians need evidence for their CPD: both need a record of
what they taught. Only sessions that have ended count, and none of a cancelled run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from courses.models import CourseRun, Session, Tutor
from courses.models.elearning import hours_text

NHS_BLUE = HexColor("#005eb8")
TEXT = HexColor("#212b32")


def _length():
    return ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


def _minutes(duration: timedelta | None) -> int:
    return int(duration.total_seconds() // 60) if duration else 0


@dataclass(frozen=True)
class TaughtSession:
    session: Session
    co_tutor: Tutor | None
    minutes: int

    @property
    def hours(self) -> str:
        return hours_text(self.minutes)


@dataclass(frozen=True)
class ProgrammeTotal:
    title: str
    sessions: int
    minutes: int

    @property
    def hours(self) -> str:
        return hours_text(self.minutes)


def teaching_record_for(user) -> dict:
    """The sessions `user` taught (as lay or clinical tutor) that have ended, newest first, each
    with its co-tutor and length, and the totals (sessions and hours) overall and by programme,
    counted by the database. Three queries, however many sessions."""
    tutor = Tutor.objects.filter(user=user).select_related("user", "site").first()
    if tutor is None:
        return {"tutor": None, "sessions": [], "by_programme": [], "total": None}
    taught = (
        Session.objects.filter(Q(lay_tutor=tutor) | Q(clinical_tutor=tutor))
        .filter(ends_at__lte=timezone.now())
        .exclude(run__status=CourseRun.Status.CANCELLED)
    )
    sessions = [
        TaughtSession(
            session=session, co_tutor=session.co_tutor_of(user.pk), minutes=_minutes(session.length)
        )
        for session in taught.select_related(
            "run__site", "run__programme", "lay_tutor__user", "clinical_tutor__user"
        )
        .annotate(length=_length())
        .order_by("-starts_at", "-pk")
    ]
    by_programme = [
        ProgrammeTotal(
            title=row["run__programme__title"],
            sessions=row["sessions"],
            minutes=_minutes(row["time"]),
        )
        for row in taught.values("run__programme_id", "run__programme__title")
        .annotate(sessions=Count("pk"), time=Sum(_length()))
        .order_by("run__programme__title")
    ]
    total = ProgrammeTotal(
        title="All programmes",
        sessions=sum(row.sessions for row in by_programme),
        minutes=sum(row.minutes for row in by_programme),
    )
    return {"tutor": tutor, "sessions": sessions, "by_programme": by_programme, "total": total}


def teaching_record_pdf(record: dict, *, service_name: str) -> bytes:
    """The same record on A4 pages (portrait), for the tutor to show."""
    tutor = record["tutor"]
    buffer = BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"Teaching record: {tutor.name}")
    pdf.setAuthor(service_name)
    pdf.setSubject(f"Sessions co-delivered by {tutor.name}")
    left, right = 50, width - 50

    def header():
        pdf.setFillColor(NHS_BLUE)
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(left, height - 50, service_name)
        pdf.setFillColor(TEXT)

    header()
    y = height - 90
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawString(left, y, "Record of sessions co-delivered")
    y -= 28
    pdf.setFont("Helvetica", 12)
    kind = tutor.get_kind_display().lower()
    pdf.drawString(left, y, f"{tutor.name}, {kind}, {tutor.site.name}")
    y -= 18
    pdf.drawString(left, y, f"As recorded on {date_format(timezone.localdate(), 'j F Y')}")
    y -= 30
    pdf.setFont("Helvetica-Bold", 13)
    total = record["total"]
    pdf.drawString(
        left,
        y,
        f"In all: {total.sessions} session{'s' if total.sessions != 1 else ''}, {total.hours}",
    )
    y -= 20
    pdf.setFont("Helvetica", 12)
    for row in record["by_programme"]:
        pdf.drawString(
            left + 12,
            y,
            f"{row.title}: {row.sessions} session{'s' if row.sessions != 1 else ''}, {row.hours}",
        )
        y -= 18
    y -= 16
    columns = (left, left + 80, left + 245, left + 345, left + 445)
    widths = (76, 160, 96, 96, right - left - 445)
    titles = ("Date", "Course", "Site", "Co-tutor", "Hours")

    def fit(text, width):
        while text and pdf.stringWidth(text, "Helvetica", 9) > width:
            text = text[:-2] + "…"
        return text

    def table_head(y):
        pdf.setFont("Helvetica-Bold", 10)
        for x, title in zip(columns, titles, strict=True):
            pdf.drawString(x, y, title)
        pdf.line(left, y - 4, right, y - 4)
        pdf.setFont("Helvetica", 9)
        return y - 18

    y = table_head(y)
    for row in record["sessions"]:
        if y < 60:
            pdf.showPage()
            header()
            y = table_head(height - 90)
        session = row.session
        cells = (
            date_format(timezone.localtime(session.starts_at), "j M Y"),
            f"Session {session.number}, {session.run.title}",
            session.run.site.name,
            row.co_tutor.name if row.co_tutor else "No co-tutor",
            row.hours,
        )
        for x, width, text in zip(columns, widths, cells, strict=True):
            pdf.drawString(x, y, fit(text, width))
        y -= 15
    if not record["sessions"]:
        pdf.drawString(left, y, "No sessions taught yet.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
