"""The "Your reflections" part of a person's account page (cms.account.sections)."""

from django.urls import reverse

from assessments.models import Response
from cms.account.sections import Link, Section


def reflections_section(person) -> Section | None:
    """Download and erase, for people who have answered (or begun answering) a reflection.
    One query."""
    if not Response.objects.filter(respondent=person).exists():
        return None
    return Section(
        heading="Your reflections",
        text="Your answers to the before and after reflections are yours: you can download "
        "them or erase them at any time. Erasing cannot be undone.",
        links=(
            Link("Download your answers (a spreadsheet file)", reverse("assessments:download")),
            Link("Erase your answers", reverse("assessments:erase")),
        ),
    )
