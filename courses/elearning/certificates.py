"""Certificates as PDF files, drawn with ReportLab (no browser or system library needed)."""

from io import BytesIO

from django.utils.formats import date_format
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

NHS_BLUE = HexColor("#005eb8")
TEXT = HexColor("#212b32")


def certificate_pdf(certificate, *, verify_url: str, service_name: str) -> bytes:
    """One landscape A4 page: the certificate of completion (e-learning) or of attendance (a
    course, with its dates, sessions attended, learning hours and, for professionals, the CPD
    statement)."""
    attendance = certificate.is_attendance
    heading = "Certificate of attendance" if attendance else "Certificate of completion"
    buffer = BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"Certificate {certificate.code}: {certificate.title}")
    pdf.setAuthor(service_name)
    pdf.setSubject(f"{heading} for {certificate.holder_name}")

    pdf.setStrokeColor(NHS_BLUE)
    pdf.setLineWidth(6)
    pdf.rect(28, 28, width - 56, height - 56)
    centre = width / 2

    pdf.setFillColor(NHS_BLUE)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawCentredString(centre, height - 90, service_name)
    pdf.setFillColor(TEXT)
    pdf.setFont("Helvetica-Bold", 34)
    pdf.drawCentredString(centre, height - 150, heading)
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(centre, height - 195, "This certifies that")
    pdf.setFont("Helvetica-Bold", 28)
    pdf.drawCentredString(centre, height - 238, certificate.holder_name)
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(centre, height - 278, "took part in" if attendance else "has completed")
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawCentredString(centre, height - 315, certificate.title)
    pdf.setFont("Helvetica", 16)
    if attendance:
        pdf.drawCentredString(centre, height - 350, certificate.dates_text)
        pdf.drawCentredString(
            centre,
            height - 378,
            f"attending {certificate.sessions_attended} of {certificate.sessions_total} "
            f"sessions: {certificate.hours_text} of learning",
        )
        if certificate.cpd_statement:
            pdf.setFont("Helvetica", 13)
            pdf.drawCentredString(centre, height - 412, certificate.cpd_statement)
    else:
        pdf.drawCentredString(
            centre, height - 350, f"on {date_format(certificate.issued_at, 'j F Y')}"
        )

    pdf.setFont("Helvetica", 12)
    pdf.drawCentredString(centre, 90, f"Verification code: {certificate.code}")
    pdf.drawCentredString(centre, 70, f"Check this certificate at {verify_url}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
