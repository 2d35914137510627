"""Reading a referral file and checking its rows: encodings, Excel, headings, limits, and each
problem with its row, column and reason."""

import io
from datetime import date

import pytest
from openpyxl import Workbook

from courses import errors
from courses.people.referral_files import (
    MAX_ROWS,
    ReferralError,
    column_letter,
    nhs_number_is_valid,
    parse_rows,
    read_table,
)

TODAY = date(2026, 11, 18)  # rows are checked against a day passed in, not the clock
HEADINGS = ["First name", "Last name", "Mobile", "Referrer"]


def csv_bytes(rows, *, encoding="utf-8"):
    return "\r\n".join(",".join(row) for row in rows).encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def parsed(rows, **options):
    return parse_rows(read_table("referrals.csv", csv_bytes(rows, **options)), today=TODAY)


def test_a_utf8_csv_with_a_byte_order_mark_reads_its_first_heading():
    content = "\ufeff" + "First name,Last name,Mobile\r\nSiobhán,Ó Briain,07700 900123\r\n"
    rows = parse_rows(read_table("r.csv", content.encode("utf-8")), today=TODAY)
    assert rows[0]["values"]["first_name"] == "Siobhán"
    assert rows[0]["values"]["mobile"] == "+447700900123"


def test_a_windows_1252_csv_is_read_as_excel_saved_it():
    rows = parsed([HEADINGS, ["Zoë", "O’Neill", "07700 900123", "Dr Patel"]], encoding="cp1252")
    assert (rows[0]["values"]["first_name"], rows[0]["values"]["last_name"]) == ("Zoë", "O’Neill")


def test_an_excel_file_is_read_by_its_values_and_numbers_stay_whole():
    content = xlsx_bytes(
        [
            ["First name", "Last name", "Mobile", "NHS number", "Date of birth"],
            ["Margaret", "Hughes", 7700900123, 9434765919, date(1948, 2, 14)],
        ]
    )
    (row,) = parse_rows(read_table("referrals.xlsx", content), today=TODAY)
    assert row["errors"] == []
    values = row["values"]
    assert (values["mobile"], values["nhs_number"]) == ("+447700900123", "9434765919")
    assert values["date_of_birth"] == "1948-02-14"


def test_a_formula_in_an_excel_cell_is_kept_as_the_text_typed():
    content = xlsx_bytes(
        [
            ["First name", "Last name", "Mobile", "Notes"],
            ["Alan", "Jones", "07700 900123", "=1+1"],
        ]
    )
    (row,) = parse_rows(read_table("referrals.xlsx", content), today=TODAY)
    assert row["values"]["notes"] == "=1+1"


def test_headings_are_matched_whatever_their_case_and_spacing():
    rows = parsed([[" FIRST  NAME ", "surname", "mobile_number"], ["Ann", "Lee", "07700900123"]])
    assert rows[0]["values"]["last_name"] == "Lee"


@pytest.mark.parametrize(
    ("file_name", "content", "message"),
    [
        ("r.csv", b"", errors.REFERRAL_FILE_EMPTY),
        ("r.csv", b"\r\n,,\r\n", errors.REFERRAL_FILE_EMPTY),
        ("r.csv", b"First name,Last name\r\n", errors.REFERRAL_FILE_NO_ROWS),
        ("r.pdf", b"%PDF-1.4", errors.REFERRAL_FILE_TYPE),
        ("r.xlsx", b"not a workbook", errors.REFERRAL_FILE_UNREADABLE.format(kind="an Excel file")),
        ("r.csv", b"x" * (2 * 1024 * 1024 + 1), errors.REFERRAL_FILE_TOO_BIG.format(limit="2 MB")),
    ],
)
def test_a_file_that_cannot_be_read_as_a_whole_is_refused_saying_why(file_name, content, message):
    with pytest.raises(ReferralError) as refused:
        read_table(file_name, content)
    assert refused.value.message == message


def test_more_than_2000_rows_are_refused():
    rows = [HEADINGS] + [["Ann", f"Lee{n}", "07700 900123", ""] for n in range(MAX_ROWS + 1)]
    with pytest.raises(ReferralError) as refused:
        read_table("r.csv", csv_bytes(rows))
    assert refused.value.message == errors.REFERRAL_FILE_TOO_MANY_ROWS.format(limit="2,000")
    assert len(read_table("r.csv", csv_bytes(rows[:-1]))) == MAX_ROWS + 1  # 2,000 are fine


@pytest.mark.parametrize(
    ("headings", "message"),
    [
        (
            ["First name", "Last name", "Phone no"],
            errors.REFERRAL_COLUMN_UNKNOWN.format(letter="C", heading="Phone no"),
        ),
        (
            ["First name", "Surname", "Last name"],
            errors.REFERRAL_COLUMN_TWICE.format(heading="Last name"),
        ),
        (["First name", "Mobile"], errors.REFERRAL_COLUMN_MISSING.format(heading="Last name")),
    ],
)
def test_bad_headings_are_refused_naming_the_column(headings, message):
    with pytest.raises(ReferralError) as refused:
        parsed([headings, ["Ann", "Lee", "07700 900123"]])
    assert refused.value.message == message


def test_column_letters_go_on_past_z():
    assert [column_letter(index) for index in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


@pytest.mark.parametrize(
    ("number", "valid"),
    [("9434765919", True), ("9434765918", False), ("1234567881", True), ("123456789", False)],
)
def test_the_nhs_number_check_digit(number, valid):
    assert nhs_number_is_valid(number) is valid


ALL = [
    "First name",
    "Last name",
    "Date of birth",
    "NHS number",
    "Email",
    "Mobile",
    "Postal address",
    "Group",
    "How to contact",
    "Referrer",
    "Referred on",
    "Notes",
]
GOOD = [
    "Margaret",
    "Hughes",
    "14/02/1948",
    "943 476 5919",
    "",
    "07700 900123",
    "",
    "patient",
    "text",
    "Dr Patel",
    "02/11/2026",
    "",
]


def row_with(**changes):
    row = dict(zip(ALL, GOOD, strict=True))
    row.update(changes)
    return [row[heading] for heading in ALL]


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"First name": ""}, "First name", errors.PERSON_FIRST_NAME_REQUIRED),
        ({"Last name": " "}, "Last name", errors.PERSON_LAST_NAME_REQUIRED),
        (
            {"Mobile": "", "How to contact": ""},
            "Email, Mobile, Postal address",
            errors.PERSON_NO_WAY_TO_REACH,
        ),
        ({"Mobile": "0161 496 0000"}, "Mobile", "Enter a UK mobile number"),
        ({"How to contact": "letter"}, "How to contact", errors.PERSON_CHANNEL_NEEDS_ADDRESS),
        ({"How to contact": "email"}, "How to contact", errors.PERSON_CHANNEL_NEEDS_EMAIL),
        ({"How to contact": "pigeon"}, "How to contact", errors.REFERRAL_CHANNEL_UNKNOWN),
        ({"Group": "visitor"}, "Group", errors.REFERRAL_GROUP_UNKNOWN),
        ({"Date of birth": "14th Feb"}, "Date of birth", errors.REFERRAL_BAD_DATE),
        ({"Date of birth": "19/11/2026"}, "Date of birth", errors.REFERRAL_DATE_OF_BIRTH_FUTURE),
        ({"Date of birth": "01/01/1890"}, "Date of birth", errors.REFERRAL_DATE_TOO_EARLY),
        ({"Referred on": "31/02/2026"}, "Referred on", errors.REFERRAL_BAD_DATE),
        ({"Referred on": "19/11/2026"}, "Referred on", errors.REFERRAL_REFERRED_ON_FUTURE),
        ({"NHS number": "943 476 591"}, "NHS number", errors.REFERRAL_NHS_NUMBER_LENGTH),
        ({"NHS number": "943 476 5918"}, "NHS number", errors.REFERRAL_NHS_NUMBER_CHECK),
        ({"Email": "not an address"}, "Email", "Enter a valid email address."),
        ({"Referrer": "x" * 201}, "Referrer", "Ensure this value has at most 200 characters"),
    ],
)
def test_each_problem_is_given_with_its_row_column_and_reason(changes, column, reason):
    rows = parsed([ALL, row_with(), row_with(**changes)])
    assert rows[0]["errors"] == []
    assert rows[1]["row"] == 3  # as a spreadsheet numbers it: the headings are row 1
    assert rows[1]["status"] == "error"
    assert rows[1]["values"] is None
    assert [problem["column"] for problem in rows[1]["errors"]] == [column]
    assert rows[1]["errors"][0]["reason"].startswith(reason)


def test_several_problems_in_one_row_are_all_given():
    (row,) = parsed([ALL, row_with(**{"Date of birth": "soon", "NHS number": "12", "Group": "x"})])
    assert [problem["column"] for problem in row["errors"]] == [
        "Date of birth",
        "NHS number",
        "Group",
    ]


def test_empty_cells_take_their_defaults():
    (row,) = parsed([["First name", "Last name", "Email"], ["Tom", "Reid", "Tom.Reid@Example.com"]])
    values = row["values"]
    assert values["audience"] == "condition"  # a patient
    assert values["contact_by"] == "email"  # the first way to reach them the row has
    assert values["email"] == "tom.reid@example.com"
    assert values["referred_on"] == TODAY.isoformat()


def test_a_phone_only_row_is_texted_and_a_postal_only_row_gets_letters():
    rows = parsed(
        [
            ["First name", "Last name", "Mobile", "Postal address"],
            ["Ann", "Lee", "07700 900123", ""],
            ["Bob", "Lee", "", "4 Mill Lane"],
        ]
    )
    assert [row["values"]["contact_by"] for row in rows] == ["text", "letter"]


def test_the_row_key_ignores_case_and_spacing_but_not_the_person():
    rows = parsed(
        [
            ["First name", "Last name", "Mobile", "Notes"],
            ["Ann", "Lee", "07700 900123", "first"],
            ["ANN ", "lee", "+44 7700 900123", "second"],
            ["Ann", "Lee", "07700 900124", ""],
        ]
    )
    keys = [row["values"]["row_key"] for row in rows]
    assert keys[0] == keys[1] != keys[2]
