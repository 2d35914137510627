"""Writes of cms.privacy: every copy made of everything held about a person is recorded."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cms.models import PersonalDataExport
from cms.privacy.export import Production, export_filename, export_zip, files_for

REFERENCE_REQUIRED = "Enter the reference of the written request"
RECEIVED_ON_REQUIRED = "Enter the date the written request was received"
RECEIVED_IN_THE_FUTURE = "The date the written request was received must be today or in the past"


@dataclass(frozen=True)
class Download:
    filename: str
    content: bytes
    record: PersonalDataExport


@transaction.atomic
def personal_data_export(
    *,
    person,
    produced_by,
    reference: str = "",
    request_received_on: date | None = None,
    now: datetime | None = None,
) -> Download:
    """Everything held about `person` as a zip, recorded (who, for whom, when, and for a written
    request its reference and date). The record is written first, so the copy lists itself.

    `produced_by` is the person themselves for their own download; anyone else must give the
    written request's reference and the date it was received."""
    now = now or timezone.now()
    reference = " ".join(reference.split())
    if produced_by.pk != person.pk:
        errors = {}
        if not reference:
            errors["reference"] = REFERENCE_REQUIRED
        if request_received_on is None:
            errors["request_received_on"] = RECEIVED_ON_REQUIRED
        elif request_received_on > timezone.localdate(now):
            errors["request_received_on"] = RECEIVED_IN_THE_FUTURE
        if errors:
            raise ValidationError(errors)
    record = PersonalDataExport(
        person=person,
        produced_by=produced_by,
        produced_at=now,
        reference=reference,
        request_received_on=request_received_on,
    )
    record.full_clean()
    record.save()
    files = files_for(person)
    production = Production(
        made_at=now,
        produced_by=produced_by if record.for_written_request else None,
        reference=record.reference,
        request_received_on=record.request_received_on,
    )
    return Download(
        filename=export_filename(now, reference=record.reference),
        content=export_zip(person, files, production),
        record=record,
    )
