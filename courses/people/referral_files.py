"""Reading a referral file (CSV, with or without a byte order mark, or in Windows-1252 as older
Excel saves it; or an Excel workbook) and checking each row by the rules of adding a person by
hand (`clean_details`), without a query: matching rows with people already here is
`courses.people.referrals.plan`'s, for all rows at once."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from cms.models import Audience, ContactChannel
from courses import errors
from courses.errors import CoursesError
from courses.models import Referral
from courses.people.services import PersonDetails, PersonError, clean_details

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 40


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


def sample_file() -> bytes:
    """The sample file the page offers: the headings and three made-up rows."""
    from cms.spreadsheets import write_csv

    return write_csv([column.heading for column in COLUMNS], SAMPLE_ROWS)
