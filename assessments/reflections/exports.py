"""Reflection answers for export: one row per answer, in long format, under a pseudonym.

A row carries the person's stable code for the programme (never a name or an email), the
instrument and version they answered, before or after, the item and the value. Free-text
answers leave only with the person's consent to share them. Every export is logged.
"""

from django.db.models import (
    CharField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from assessments.models import Answer, ExportLog, ItemKind, Pseudonym, Response

# The columns of an export, in order, with headings that say what each holds. Nothing else is
# selected, so no name or email can reach a spreadsheet by adding a column. A rating is a number
# ("number"), a choice or written answer words ("text"); "value" is either, as text, for reading.
COLUMNS = {
    "pseudonym": "Person (a code, the same for one person within a programme)",
    "instrument_slug": "Questionnaire code",
    "instrument_title": "Questionnaire",
    "version_number": "Questionnaire version",
    "phase": "Before or after the course, or follow-up",
    "months": "Follow-up: months after the course (0 otherwise)",
    "submitted_at": "Sent at",
    "item_key": "Question code",
    "item_text": "Question",
    "value": "Answer",
    "number": "Answer as a number (ratings and looking back)",
    "text": "Answer in words (choices and written answers)",
    "shared": "Agreed to share written answers with their tutors",
    "generated": "Made-up demonstration answer",
}


def answer_rows(responses: QuerySet[Response]) -> QuerySet[Answer]:
    """The answers of the submitted responses among `responses` (the caller's scope), each a
    dict of COLUMNS, ordered by pseudonym, instrument, version, phase and item."""
    pseudonym = Pseudonym.objects.filter(
        programme=OuterRef("response__administration__programme"),
        person=OuterRef("response__respondent"),
    ).values("code")[:1]
    return (
        Answer.objects.filter(
            response__in=responses.order_by().values("pk"),
            response__status=Response.Status.SUBMITTED,
        )
        # Written answers only with consent; ratings and choices always.
        .filter(~Q(item__kind=ItemKind.FREE_TEXT) | Q(response__share_with_tutors=True))
        .annotate(
            pseudonym=Coalesce(Subquery(pseudonym), Value(""), output_field=CharField()),
            instrument_slug=F("item__version__instrument__slug"),
            instrument_title=F("item__version__instrument__title"),
            version_number=F("item__version__number"),
            phase=F("response__administration__phase"),
            months=F("response__administration__months"),
            item_key=F("item__key"),
            item_text=F("item__text"),
            value=Coalesce(Cast("number", CharField()), F("text"), output_field=CharField()),
            submitted_at=F("response__submitted_at"),
            shared=F("response__share_with_tutors"),
            generated=F("response__generated"),
        )
        .order_by(
            "pseudonym",
            "instrument_slug",
            "version_number",
            "-phase",  # follow-up, before, then after
            "response__administration__months",
            "item__position",
            "pk",
        )
        .values(*COLUMNS)
    )


def export_log(*, user, what: str, file_format: str, filters: dict, row_count: int) -> ExportLog:
    """Record who exported what, when, in which format, with which filters and how many rows."""
    log = ExportLog(
        exported_by=user,
        what=what[:200],
        file_format=file_format[:10],
        filters=filters,
        row_count=row_count,
    )
    log.full_clean()
    log.save()
    return log
