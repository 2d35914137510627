"""Certificates as PDF files, drawn with ReportLab (no browser or system library needed)."""

from io import BytesIO

from django.utils.formats import date_format
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

NHS_BLUE = HexColor("#005eb8")
TEXT = HexColor("#212b32")


def certificate_pdf(certificate, *, verify_url: str, service_name: str) -> bytes:
    buffer = BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"Certificate {certificate.code}: {certificate.module_title}")
    pdf.setAuthor(service_name)
    pdf.setSubject(f"Certificate of completion for {certificate.holder_name}")

    pdf.setStrokeColor(NHS_BLUE)
    pdf.setLineWidth(6)
    pdf.rect(28, 28, width - 56, height - 56)
    centre = width / 2

    pdf.setFillColor(NHS_BLUE)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawCentredString(centre, height - 90, service_name)
    pdf.setFillColor(TEXT)
    pdf.setFont("Helvetica-Bold", 34)
    pdf.drawCentredString(centre, height - 160, "Certificate of completion")
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(centre, height - 210, "This certifies that")
    pdf.setFont("Helvetica-Bold", 28)
    pdf.drawCentredString(centre, height - 255, certificate.holder_name)
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(centre, height - 300, "has completed")
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawCentredString(centre, height - 340, certificate.module_title)
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(centre, height - 380, f"on {date_format(certificate.issued_at, 'j F Y')}")

    pdf.setFont("Helvetica", 12)
    pdf.drawCentredString(centre, 90, f"Verification code: {certificate.code}")
    pdf.drawCentredString(centre, 70, f"Check this certificate at {verify_url}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
