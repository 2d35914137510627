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

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format

from cms.models import Audience, ContactChannel
from courses import errors
from courses.errors import CoursesError
from courses.models import Enrolment, PersonRecord, Referral, ReferralImport, ReferralOutcome
from courses.people.services import PersonDetails, PersonError, clean_details

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 40
REFERRALS_PER_PAGE = 25


class ReferralError(CoursesError):
    """A refused upload, import or outcome. Nothing was changed."""


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    hint: str
    other_names: tuple[str, ...] = ()
    required: bool = False


# The columns a referral file may have, in the order the sample file and the page list them.
COLUMNS = (
    Column("first_name", "First name", "Needed.", ("forename", "given name"), required=True),
    Column("last_name", "Last name", "Needed.", ("surname", "family name"), required=True),
    Column("date_of_birth", "Date of birth", "Optional, like 25/12/1950.", ("dob", "birth date")),
    Column("nhs_number", "NHS number", "Optional, 10 digits.", ("nhs no", "nhs")),
    Column(
        "email", "Email", "At least one of email, mobile and postal address.", ("email address",)
    ),
    Column("mobile", "Mobile", "A UK mobile number, like 07700 900123.", ("mobile number",)),
    Column("postal_address", "Postal address", "For letters.", ("address",)),
    Column(
        "group",
        "Group",
        "Patient, professional or both. Empty: a patient.",
        ("audience", "condition or professional", "patient or professional"),
    ),
    Column(
        "contact_by",
        "How to contact",
        "Email, text or letter. Empty: email if they have one, else text, else letter.",
        ("contact by", "contact", "channel"),
    ),
    Column(
        "referrer",
        "Referrer",
        "Who referred them, like Dr Patel, Riverside Surgery.",
        ("referred by",),
    ),
    Column(
        "referred_on",
        "Referred on",
        "The referral date, like 3/11/2026. Empty: today.",
        ("referral date", "date referred"),
    ),
    Column("notes", "Notes", "Optional.", ("note",)),
)
COLUMN_HEADINGS = {column.key: column.heading for column in COLUMNS}
_HEADINGS = {
    name: column.key
    for column in COLUMNS
    for name in (column.heading.casefold(), column.key.replace("_", " "), *column.other_names)
}

SAMPLE_ROWS = (
    (
        "Margaret",
        "Hughes",
        "14/02/1948",
        "943 476 5919",
        "",
        "07700 900123",
        "",
        "patient",
        "text",
        "Dr Patel, Riverside Surgery",
        "02/11/2026",
        "Prefers mornings",
    ),
    (
        "Tom",
        "Reid",
        "",
        "",
        "tom.reid@example.com",
        "",
        "",
        "patient",
        "",
        "Nurse Khan",
        "03/11/2026",
        "",
    ),
    (
        "Ann",
        "Lee",
        "",
        "",
        "",
        "",
        "4 Mill Lane, Riverton RV1 2AB",
        "patient",
        "letter",
        "Dr Patel, Riverside Surgery",
        "03/11/2026",
        "Hard of hearing: write, do not call",
    ),
)

GROUPS = {
    "patient": Audience.CONDITION,
    "condition": Audience.CONDITION,
    "long-term condition": Audience.CONDITION,
    "long term condition": Audience.CONDITION,
    "professional": Audience.PROFESSIONAL,
    "both": Audience.BOTH,
    "": Audience.CONDITION,
}
CHANNELS = {
    "email": ContactChannel.EMAIL,
    "e-mail": ContactChannel.EMAIL,
    "text": ContactChannel.TEXT,
    "text message": ContactChannel.TEXT,
    "sms": ContactChannel.TEXT,
    "letter": ContactChannel.LETTER,
    "post": ContactChannel.LETTER,
    "letter by post": ContactChannel.LETTER,
}
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y")

# Which column a refusal of `clean_details` is about.
DETAIL_COLUMNS = {
    errors.PERSON_FIRST_NAME_REQUIRED: "First name",
    errors.PERSON_LAST_NAME_REQUIRED: "Last name",
    errors.PERSON_GROUP_REQUIRED: "Group",
    errors.PERSON_NO_WAY_TO_REACH: "Email, Mobile, Postal address",
    errors.PERSON_CHANNEL_NEEDS_EMAIL: "How to contact",
    errors.PERSON_CHANNEL_NEEDS_MOBILE: "How to contact",
    errors.PERSON_CHANNEL_NEEDS_ADDRESS: "How to contact",
}
USER_FIELDS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "mobile": "Mobile",
    "postal_address": "Postal address",
}
REFERRAL_FIELDS = {"referrer": "Referrer", "notes": "Notes"}


class Status:
    NEW = "new"
    MATCH = "match"
    SKIPPED = "skipped"
    ERROR = "error"


# --- reading the file ---------------------------------------------------------------------------


def read_table(file_name: str, content: bytes) -> list[list]:
    """The file's rows of cells (the first its headings), or ReferralError. Formulas in an Excel
    file are read as the text typed, never worked out; fully empty rows are left out."""
    if not content:
        raise ReferralError(errors.REFERRAL_FILE_EMPTY)
    if len(content) > MAX_BYTES:
        raise ReferralError(errors.REFERRAL_FILE_TOO_BIG.format(limit="2 MB"))
    name = (file_name or "").lower()
    if name.endswith(".xlsx"):
        rows = _read_xlsx(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        rows = _read_csv(content)
    else:
        raise ReferralError(errors.REFERRAL_FILE_TYPE)
    rows = [row[:MAX_COLUMNS] for row in rows if any(_text(cell) for cell in row[:MAX_COLUMNS])]
    if not rows:
        raise ReferralError(errors.REFERRAL_FILE_EMPTY)
    if len(rows) == 1:
        raise ReferralError(errors.REFERRAL_FILE_NO_ROWS)
    return rows


def _read_csv(content: bytes) -> list[list]:
    if content.startswith(b"\xef\xbb\xbf"):
        text = content[3:].decode("utf-8", errors="replace")
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            # Excel on Windows saves "CSV" (not "CSV UTF-8") in Windows-1252.
            text = content.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ReferralError(errors.REFERRAL_FILE_UNREADABLE.format(kind="a CSV file"))
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise ReferralError(
                    errors.REFERRAL_FILE_TOO_MANY_ROWS.format(limit=f"{MAX_ROWS:,}")
                )
    except csv.Error as error:
        raise ReferralError(errors.REFERRAL_FILE_UNREADABLE.format(kind="a CSV file")) from error
    return rows


def _read_xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise ReferralError(errors.REFERRAL_FILE_UNREADABLE.format(kind="an Excel file")) from error
    except Exception as error:  # openpyxl's own InvalidFileException and parser errors
        raise ReferralError(errors.REFERRAL_FILE_UNREADABLE.format(kind="an Excel file")) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ReferralError(errors.REFERRAL_FILE_EMPTY)
        rows = []
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            if not any(_text(cell) for cell in row):
                continue
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                raise ReferralError(
                    errors.REFERRAL_FILE_TOO_MANY_ROWS.format(limit=f"{MAX_ROWS:,}")
                )
    except ReferralError:
        raise
    except Exception as error:
        raise ReferralError(errors.REFERRAL_FILE_UNREADABLE.format(kind="an Excel file")) from error
    finally:
        workbook.close()
    return rows


def _text(cell) -> str:
    """A cell as text, trimmed: a whole number stays whole (Excel keeps 9434765919 as 9434765919.0)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def read_headings(headings: list) -> dict[int, str]:
    """Column index -> column key, or ReferralError naming the first unknown, repeated or
    missing heading."""
    found: dict[int, str] = {}
    for index, cell in enumerate(headings):
        heading = _text(cell)
        if not heading:
            continue
        key = _HEADINGS.get(" ".join(heading.replace("_", " ").casefold().split()))
        if key is None:
            raise ReferralError(
                errors.REFERRAL_COLUMN_UNKNOWN.format(letter=column_letter(index), heading=heading)
            )
        if key in found.values():
            raise ReferralError(errors.REFERRAL_COLUMN_TWICE.format(heading=COLUMN_HEADINGS[key]))
        found[index] = key
    for column in COLUMNS:
        if column.required and column.key not in found.values():
            raise ReferralError(errors.REFERRAL_COLUMN_MISSING.format(heading=column.heading))
    return found


# --- checking a row -----------------------------------------------------------------------------


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (NHS Digital's data dictionary)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _date(cell) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell)
    if not text:
        return None
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date()  # noqa: DTZ007 (a day, not an instant)
        except ValueError:
            continue
    raise ValueError(text)


def _field_errors(model, values: dict, headings: dict) -> list[dict]:
    found = []
    for name, heading in headings.items():
        try:
            model._meta.get_field(name).clean(values[name], None)
        except ValidationError as error:
            found.append({"column": heading, "reason": " ".join(error.messages)})
    return found


def row_key(values: dict) -> str:
    """What identifies a referral row: the name, date of birth or NHS number, and the contact
    details, each normalised (so a change of case or spacing is the same row)."""
    parts = (
        values["first_name"].casefold(),
        values["last_name"].casefold(),
        values["date_of_birth"],
        values["nhs_number"],
        values["email"],
        values["mobile"],
        " ".join(values["postal_address"].casefold().replace(",", " ").split()),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def check_row(cells: dict[str, object], *, today: date) -> tuple[dict | None, list[dict]]:
    """One row's values as they are saved, or the problems with it (column and reason)."""
    problems: list[dict] = []
    text = {column.key: _text(cells.get(column.key)) for column in COLUMNS}
    mobile = text["mobile"]
    if mobile.isdigit() and len(mobile) == 10 and mobile.startswith("7"):
        mobile = "0" + mobile  # a spreadsheet kept 07700 900123 as the number 7700900123
    dates = {}
    for key in ("date_of_birth", "referred_on"):
        try:
            dates[key] = _date(cells.get(key))
        except ValueError:
            problems.append({"column": COLUMN_HEADINGS[key], "reason": errors.REFERRAL_BAD_DATE})
            dates[key] = None
            continue
        if dates[key] is not None and dates[key].year <= 1900:
            problems.append(
                {"column": COLUMN_HEADINGS[key], "reason": errors.REFERRAL_DATE_TOO_EARLY}
            )
    if dates["date_of_birth"] and dates["date_of_birth"] >= today:
        problems.append({"column": "Date of birth", "reason": errors.REFERRAL_DATE_OF_BIRTH_FUTURE})
    if dates["referred_on"] and dates["referred_on"] > today:
        problems.append({"column": "Referred on", "reason": errors.REFERRAL_REFERRED_ON_FUTURE})
    nhs_number = "".join(text["nhs_number"].replace("-", " ").split())
    if nhs_number and (len(nhs_number) != 10 or not nhs_number.isdigit()):
        problems.append({"column": "NHS number", "reason": errors.REFERRAL_NHS_NUMBER_LENGTH})
    elif nhs_number and not nhs_number_is_valid(nhs_number):
        problems.append({"column": "NHS number", "reason": errors.REFERRAL_NHS_NUMBER_CHECK})
    audience = GROUPS.get(text["group"].casefold())
    if audience is None:
        problems.append({"column": "Group", "reason": errors.REFERRAL_GROUP_UNKNOWN})
    channel = CHANNELS.get(text["contact_by"].casefold())
    if channel is None and text["contact_by"]:
        problems.append({"column": "How to contact", "reason": errors.REFERRAL_CHANNEL_UNKNOWN})
    elif channel is None:
        channel = (
            ContactChannel.EMAIL
            if text["email"]
            else ContactChannel.TEXT
            if mobile
            else ContactChannel.LETTER
            if text["postal_address"]
            else ContactChannel.EMAIL
        )
    details = PersonDetails(
        first_name=text["first_name"],
        last_name=text["last_name"],
        audience=audience or Audience.CONDITION,
        email=text["email"],
        mobile=mobile,
        postal_address=text["postal_address"],
        contact_by=channel or ContactChannel.EMAIL,
    )
    values = None
    try:
        values = clean_details(details, check_taken=False)
    except PersonError as error:
        column = DETAIL_COLUMNS.get(error.message, "Mobile")
        if not any(problem["column"] == column for problem in problems):
            problems.append({"column": column, "reason": error.message})
    if values is not None:
        problems += _field_errors(get_user_model(), values, USER_FIELDS)
    problems += _field_errors(Referral, text, REFERRAL_FIELDS)
    if problems:
        return None, problems
    values.update(
        date_of_birth=dates["date_of_birth"].isoformat() if dates["date_of_birth"] else "",
        nhs_number=nhs_number,
        referrer=text["referrer"],
        referred_on=(dates["referred_on"] or today).isoformat(),
        notes=text["notes"],
    )
    values["row_key"] = row_key(values)
    return values, []


def parse_rows(rows: list[list], *, today: date) -> list[dict]:
    """Each data row, numbered as a spreadsheet shows it (the headings are row 1): its values,
    or its problems."""
    columns = read_headings(rows[0])
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {key: row[index] if index < len(row) else None for index, key in columns.items()}
        values, problems = check_row(cells, today=today)
        name = " ".join(
            part for part in (_text(cells.get("first_name")), _text(cells.get("last_name"))) if part
        )
        parsed.append(
            {
                "row": number,
                "name": name[:300],
                "status": Status.ERROR if problems else Status.NEW,
                "values": values,
                "errors": problems,
            }
        )
    return parsed


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
    tel: str


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


def sample_file() -> bytes:
    """The sample file the page offers: the headings and three made-up rows."""
    from cms.spreadsheets import write_csv

    return write_csv([column.heading for column in COLUMNS], SAMPLE_ROWS)


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
