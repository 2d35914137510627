"""Referral lists: a lead uploads a CSV or Excel file of the people referred to their site, sees a
preview (each row new, matching someone already here, already imported, or with errors, each
error with its row, column and reason), and confirms. Confirming imports the good rows of the
preview exactly as shown, and lists the bad rows to fix and upload again; the same row is never
imported twice at a site (its `row_key`), from the same file or another.

Each row is checked by the same rules as a person a lead adds by hand (`clean_details`), but
saved in bulk, and matched against the people already here in a handful of queries (by sets of
email addresses, mobile numbers, NHS numbers and dates of birth), so 500 rows take a few queries,
not a few per row. Then the "to contact" list: referred people not yet booked, oldest first."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format

from courses import errors
from courses.models import Enrolment, PersonRecord, Referral, ReferralImport, ReferralOutcome
from courses.people.referral_files import (
    COLUMNS,
    MAX_BYTES,
    ReferralError,
    Status,
    parse_rows,
    read_table,
    sample_file,
)

__all__ = ["COLUMNS", "MAX_BYTES", "ReferralError", "sample_file"]

REFERRALS_PER_PAGE = 25
# A preview nobody confirmed holds people's details for nothing: it is forgotten after a week.
PREVIEW_KEPT_DAYS = 7


# --- matching rows with people already here -----------------------------------------------------


def _full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip() or "Someone"


def plan(*, site, rows: list[dict]) -> list[dict]:
    """Each good row's status: new, a match with someone already here (and why), or already
    imported (skipped). Five queries however many rows: by the sets of email addresses, mobile
    numbers, NHS numbers, dates of birth and row keys."""
    good = [row for row in rows if row["values"] is not None]
    emails = {row["values"]["email"] for row in good} - {""}
    mobiles = {row["values"]["mobile"] for row in good} - {""}
    nhs_numbers = {row["values"]["nhs_number"] for row in good} - {""}
    births = {row["values"]["date_of_birth"] for row in good} - {""}
    keys = {row["values"]["row_key"] for row in good}
    people = get_user_model().objects
    by_email = (
        {
            email.lower(): (pk, _full_name(first, last))
            for pk, email, first, last in people.filter(email__in=emails).values_list(
                "pk", "email", "first_name", "last_name"
            )
        }
        if emails
        else {}
    )
    by_mobile = (
        {
            mobile: (pk, _full_name(first, last))
            for pk, mobile, first, last in people.filter(mobile__in=mobiles).values_list(
                "pk", "mobile", "first_name", "last_name"
            )
        }
        if mobiles
        else {}
    )
    by_nhs = (
        {
            nhs: (pk, _full_name(first, last))
            for nhs, pk, first, last in Referral.objects.filter(
                nhs_number__in=nhs_numbers
            ).values_list("nhs_number", "person_id", "person__first_name", "person__last_name")
        }
        if nhs_numbers
        else {}
    )
    by_birth = (
        {
            (first.casefold(), last.casefold(), born.isoformat()): (pk, _full_name(first, last))
            for born, pk, first, last in Referral.objects.filter(
                date_of_birth__in=births
            ).values_list("date_of_birth", "person_id", "person__first_name", "person__last_name")
        }
        if births
        else {}
    )
    imported = (
        set(Referral.objects.filter(site=site, row_key__in=keys).values_list("row_key", flat=True))
        if keys
        else set()
    )

    in_file: dict[tuple, int] = {}  # (what, value) -> the row of this file with a new person
    keys_seen: dict[str, int] = {}
    for row in rows:
        values = row["values"]
        row.update(person_id=None, same_as_row=None, reason="")
        if values is None:
            row["status"] = Status.ERROR
            continue
        if values["row_key"] in imported:
            row.update(status=Status.SKIPPED, reason="Already imported")
            continue
        if values["row_key"] in keys_seen:
            row.update(
                status=Status.SKIPPED, reason=f"The same as row {keys_seen[values['row_key']]}"
            )
            continue
        keys_seen[values["row_key"]] = row["row"]
        birth = (
            values["first_name"].casefold(),
            values["last_name"].casefold(),
            values["date_of_birth"],
        )
        found = [
            (by_email.get(values["email"]), "the same email address"),
            (by_mobile.get(values["mobile"]), "the same mobile number"),
            (by_nhs.get(values["nhs_number"]), "the same NHS number"),
            (
                by_birth.get(birth) if values["date_of_birth"] else None,
                "the same name and date of birth",
            ),
        ]
        found = [(person, why) for person, why in found if person is not None]
        by_address, by_number = by_email.get(values["email"]), by_mobile.get(values["mobile"])
        if by_address and by_number and by_address[0] != by_number[0]:
            row.update(
                status=Status.ERROR,
                values=None,
                errors=[{"column": "Mobile", "reason": errors.REFERRAL_TWO_PEOPLE}],
            )
            continue
        if found:
            (person_id, name), why = found[0]
            row.update(status=Status.MATCH, person_id=person_id, reason=f"{name}: {why}")
            continue
        earlier = [
            (in_file.get(("email", values["email"])), "the same email address"),
            (in_file.get(("mobile", values["mobile"])), "the same mobile number"),
            (in_file.get(("nhs", values["nhs_number"])), "the same NHS number"),
            (in_file.get(("birth", birth)), "the same name and date of birth"),
        ]
        earlier = [(number, why) for number, why in earlier if number is not None]
        if earlier:
            number, why = earlier[0]
            row.update(
                status=Status.MATCH, same_as_row=number, reason=f"The person in row {number}: {why}"
            )
            continue
        row.update(status=Status.NEW)
        for what, value in (
            ("email", values["email"]),
            ("mobile", values["mobile"]),
            ("nhs", values["nhs_number"]),
            ("birth", birth if values["date_of_birth"] else ""),
        ):
            if value:
                in_file.setdefault((what, value), row["row"])
    return rows


def counts_of(rows: list[dict]) -> dict[str, int]:
    counted = {Status.NEW: 0, Status.MATCH: 0, Status.SKIPPED: 0, Status.ERROR: 0}
    for row in rows:
        counted[row["status"]] += 1
    return counted


# --- services -----------------------------------------------------------------------------------


@transaction.atomic
def referral_import_preview(*, site, file_name: str, content: bytes, uploaded_by) -> ReferralImport:
    """Read an uploaded referral file and keep its preview (nobody is added yet). Refused,
    naming why, for a file that cannot be read as a whole: not CSV or Excel, too big, empty,
    more than 2,000 rows, a column heading we do not know, a needed column missing."""
    rows = plan(
        site=site, rows=parse_rows(read_table(file_name, content), today=timezone.localdate())
    )
    counted = counts_of(rows)
    return ReferralImport.objects.create(
        site=site,
        file_name=(file_name or "referrals")[-255:],
        file_sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=uploaded_by,
        rows=rows,
        new_count=counted[Status.NEW],
        matched_count=counted[Status.MATCH],
        skipped_count=counted[Status.SKIPPED],
        error_count=counted[Status.ERROR],
    )


def referral_import_confirm(*, referral_import: ReferralImport, confirmed_by) -> ReferralImport:
    """Import the good rows of a previewed file: a person (without an account) for each new row,
    a referral for each new or matching row. Rows with errors are left for the lead to fix and
    upload again. Refused when the file was already confirmed; safe to press twice."""
    try:
        with transaction.atomic():
            return _confirm(referral_import=referral_import, confirmed_by=confirmed_by)
    except IntegrityError as error:
        raise ReferralError(errors.REFERRAL_CHANGED_MEANWHILE) from error


def _confirm(*, referral_import, confirmed_by):
    from courses.models import Site

    # One import at a time per site, so two leads confirming files with the same row add it once.
    site = Site.objects.select_for_update().get(pk=referral_import.site_id)
    batch = ReferralImport.objects.select_for_update().get(pk=referral_import.pk)
    if batch.confirmed_at is not None:
        raise ReferralError(
            errors.REFERRAL_ALREADY_CONFIRMED.format(date=_when(batch.confirmed_at))
        )
    # Checked again: someone may have been added, or the same rows imported, since the preview.
    rows = plan(site=site, rows=batch.rows)
    now = timezone.now()
    user_model = get_user_model()
    new_rows = [row for row in rows if row["status"] == Status.NEW]
    people = user_model.objects.bulk_create(
        [
            user_model(
                first_name=row["values"]["first_name"],
                last_name=row["values"]["last_name"],
                email=row["values"]["email"] or None,
                mobile=row["values"]["mobile"],
                postal_address=row["values"]["postal_address"],
                audience=row["values"]["audience"],
                contact_by=row["values"]["contact_by"],
                password=make_password(None),
            )
            for row in new_rows
        ]
    )
    person_of_row = {row["row"]: person.pk for row, person in zip(new_rows, people, strict=True)}
    PersonRecord.objects.bulk_create(
        [
            PersonRecord(person=person, site=site, added_by=confirmed_by, added_at=now)
            for person in people
        ]
    )
    referrals = []
    for row in rows:
        if row["status"] not in (Status.NEW, Status.MATCH):
            continue
        values = row["values"]
        person_id = (
            row["person_id"] or person_of_row.get(row["row"]) or person_of_row[row["same_as_row"]]
        )
        referrals.append(
            Referral(
                person_id=person_id,
                site=site,
                referred_on=date.fromisoformat(values["referred_on"]),
                referrer=values["referrer"],
                notes=values["notes"],
                date_of_birth=date.fromisoformat(values["date_of_birth"])
                if values["date_of_birth"]
                else None,
                nhs_number=values["nhs_number"],
                import_batch=batch,
                row_key=values["row_key"],
                created_at=now,
            )
        )
    Referral.objects.bulk_create(referrals)
    counted = counts_of(rows)
    batch.confirmed_at = now
    # What is kept once imported: each row's number, status and problems, not the people's details.
    batch.rows = [
        {"row": row["row"], "status": row["status"], "errors": row["errors"]} for row in rows
    ]
    batch.new_count = counted[Status.NEW]
    batch.matched_count = counted[Status.MATCH]
    batch.skipped_count = counted[Status.SKIPPED]
    batch.error_count = counted[Status.ERROR]
    batch.save()
    return batch


def referral_previews_forget(*, now=None) -> int:
    """Delete the previews not confirmed within PREVIEW_KEPT_DAYS (the rows they keep name
    people). Safe to run twice. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=PREVIEW_KEPT_DAYS)
    return ReferralImport.objects.filter(
        confirmed_at__isnull=True, uploaded_at__lt=cutoff
    ).delete()[0]


OUTCOMES_TO_RECORD = (
    ReferralOutcome.NOT_INTERESTED,
    ReferralOutcome.COULD_NOT_REACH,
    ReferralOutcome.TO_CONTACT,
)


@transaction.atomic
def referral_outcome_record(
    *, referral: Referral, outcome: str, note: str, recorded_by
) -> Referral:
    """What came of contacting a referred person: not interested, could not reach (with a note),
    or back to "to contact". Booked is never recorded: it is read from their bookings."""
    if outcome not in OUTCOMES_TO_RECORD:
        raise ReferralError(errors.REFERRAL_OUTCOME_CHOOSE)
    note = (note or "").strip()
    try:
        Referral._meta.get_field("outcome_note").clean(note, None)
    except ValidationError as error:
        raise ReferralError(" ".join(error.messages)) from error
    referral.outcome = outcome
    referral.outcome_note = note
    referral.contacted_at = timezone.now()
    referral.contacted_by = recorded_by
    referral.save(update_fields=["outcome", "outcome_note", "contacted_at", "contacted_by"])
    return referral


# --- selectors ----------------------------------------------------------------------------------


def referral_import_for_site(*, site, import_id: int) -> ReferralImport:
    return get_object_or_404(ReferralImport.objects.filter(site=site), pk=import_id)


def referral_for_site(*, site, referral_id: int) -> Referral:
    return get_object_or_404(
        Referral.objects.filter(site=site).select_related("person"), pk=referral_id
    )


@dataclass(frozen=True)
class ImportPreview:
    batch: ReferralImport
    rows: list[dict]
    errors: list[dict]  # one per problem: row, column, reason
    imported_before: ReferralImport | None  # the same file, confirmed earlier at this site
    total: int


def import_preview(batch: ReferralImport) -> ImportPreview:
    """The preview page: every row with its status, and every problem. Two queries."""
    before = (
        ReferralImport.objects.filter(
            site_id=batch.site_id, file_sha256=batch.file_sha256, confirmed_at__isnull=False
        )
        .exclude(pk=batch.pk)
        .order_by("confirmed_at")
        .first()
    )
    problems = [
        {"row": row["row"], **problem} for row in batch.rows for problem in row.get("errors", ())
    ]
    return ImportPreview(batch, batch.rows, problems, before, len(batch.rows))


def _booked_here(site):
    return Exists(
        Enrolment.objects.filter(
            trainee=OuterRef("person"),
            run__site=site,
            status__in=Enrolment.ON_THE_COURSE,
            enrolled_at__date__gte=OuterRef("referred_on"),
        )
    )


def referrals_for_site(site, *, show: str = "to_contact") -> QuerySet[Referral]:
    """The site's referrals, oldest first, each with `booked` (the person holds a booking on a
    run of the site made on or after the referral date). `show="to_contact"`: only those not
    booked and with no outcome yet; otherwise all."""
    referrals = (
        Referral.objects.filter(site=site)
        .annotate(booked=_booked_here(site))
        .select_related("person")
        .order_by("referred_on", "pk")
    )
    if show == "to_contact":
        referrals = referrals.filter(booked=False, outcome=ReferralOutcome.TO_CONTACT)
    return referrals


@dataclass(frozen=True)
class ReferralLine:
    referral: Referral
    outcome: str
    book_url: str | None
    tel: str  # for the link: +447700900123
    phone: str  # as people read it: 07700 900123


def mobile_shown(mobile: str) -> str:
    """A UK mobile number as people write it (07700 900123); any other as kept."""
    if mobile.startswith("+447") and len(mobile) == 13:
        return f"0{mobile[3:7]} {mobile[7:]}"
    return mobile


def book_url(slug: str, person_id: int) -> str | None:
    """The page to book the person on a run (built by the people area); None until it exists."""
    try:
        return reverse("courses:person_book", args=(slug, person_id))
    except NoReverseMatch:
        return None


def referral_lines(site, referrals) -> list[ReferralLine]:
    """A page of the list as it is shown: the outcome in words (booked when they are), the Book
    link, the mobile number to call."""
    lines = []
    for referral in referrals:
        outcome = (
            ReferralOutcome.BOOKED.label if referral.booked else referral.get_outcome_display()
        )
        lines.append(
            ReferralLine(
                referral=referral,
                outcome=outcome,
                book_url=None if referral.booked else book_url(site.slug, referral.person_id),
                tel=referral.person.mobile,
                phone=mobile_shown(referral.person.mobile),
            )
        )
    return lines


def referral_counts(site) -> dict[str, int]:
    """How many referrals the site has, and how many are still to contact. One query."""
    from django.db.models import Count, Q

    return (
        Referral.objects.filter(site=site)
        .annotate(booked=_booked_here(site))
        .aggregate(
            total=Count("pk"),
            to_contact=Count("pk", filter=Q(booked=False, outcome=ReferralOutcome.TO_CONTACT)),
        )
    )


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def imported_message(batch: ReferralImport) -> str:
    """What the lead is told after confirming: every number out of the file's rows."""
    total = batch.new_count + batch.matched_count + batch.skipped_count + batch.error_count
    parts = [
        f"{batch.new_count} new {'person' if batch.new_count == 1 else 'people'} added",
        f"{batch.matched_count} referral{'' if batch.matched_count == 1 else 's'} added for "
        "people already here",
        f"{batch.skipped_count} already imported",
    ]
    message = f"Imported {batch.file_name}: of {total} rows, " + ", ".join(parts) + "."
    if batch.error_count:
        message += (
            f" {batch.error_count} row{' had errors and was' if batch.error_count == 1 else 's had errors and were'}"
            " not imported: fix them in your file and upload it again."
        )
    return message
