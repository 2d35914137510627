import pytest

from assessments.models import ExportLog, Pseudonym, Response
from assessments.reflections.exports import COLUMNS, answer_rows, export_log
from tests.assessments.matched_builders import SEVEN, answered, answered_both
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import UserFactory


@pytest.fixture
def course(programmes):
    programme = programmes["patient"]
    version = version_with_items(programme=programme)
    target = UserFactory()
    return {
        "programme": programme,
        "version": version,
        "before": administration(version, "before", target, programme=programme),
        "after": administration(version, "after", target, programme=programme),
    }


def _person(course, code=None, **names):
    person = UserFactory(**names)
    if code:
        Pseudonym.objects.create(programme=course["programme"], person=person, code=code)
    return person


def test_one_row_per_answer_under_the_pseudonym(course):
    person = _person(course, "MOT-7K2Q9P", first_name="Ada", last_name="Lovelace")
    before_answers, after_answers = SEVEN[0]
    answered_both(
        person, course["before"], course["after"], before_answers, after_answers, share=True
    )

    rows = list(answer_rows(Response.objects.all()))

    assert len(rows) == len(before_answers) + len(after_answers)
    assert all(set(row) == set(COLUMNS) for row in rows)
    assert {row["pseudonym"] for row in rows} == {"MOT-7K2Q9P"}
    assert {row["instrument_slug"] for row in rows} == {"partnership-skills"}
    assert {row["version_number"] for row in rows} == {1}
    # Before first, then after, each in the order of the questionnaire.
    assert [(row["phase"], row["item_key"]) for row in rows[:5]] == [
        ("before", "a1"),
        ("before", "a2"),
        ("before", "e1"),
        ("before", "e2"),
        ("before", "heard"),
    ]
    by_item = {(row["phase"], row["item_key"]): row for row in rows}
    assert by_item["before", "a1"]["value"] == "3"
    assert by_item["before", "heard"]["value"] == "gp"
    assert by_item["after", "hope"]["value"] == "I speak first."
    assert by_item["after", "hope"]["item_text"] == "What has changed for you?"
    everything = repr(rows)
    assert "Ada" not in everything
    assert "Lovelace" not in everything
    assert person.email not in everything
    assert "@" not in everything


@pytest.mark.parametrize("share", [False, None])
def test_free_text_leaves_only_with_consent(course, share):
    person = _person(course, "MOT-AAAAAA")
    before_answers, after_answers = SEVEN[0]
    answered_both(
        person, course["before"], course["after"], before_answers, after_answers, share=share
    )

    rows = list(answer_rows(Response.objects.all()))

    assert "hope" not in {row["item_key"] for row in rows}
    assert "I speak first." not in repr(rows)
    # The ratings and choices are still there.
    assert len(rows) == len(before_answers) + len(after_answers) - 1


def test_only_submitted_responses_in_the_callers_scope(course):
    included = _person(course, "MOT-INCLUD")
    answered(included, course["before"], SEVEN[0][0])
    answered(_person(course, "MOT-DRAFTS"), course["before"], SEVEN[1][0], status="draft")
    other_version = version_with_items(slug="elsewhere")
    elsewhere = administration(other_version, "before", UserFactory())
    answered(_person(course, "MOT-ELSEWH"), elsewhere, SEVEN[2][0])

    rows = list(answer_rows(Response.objects.filter(administration=course["before"])))

    assert {row["pseudonym"] for row in rows} == {"MOT-INCLUD"}


def test_no_pseudonym_yet_is_blank_and_pseudonyms_are_per_programme(course, programmes):
    person = _person(course)
    Pseudonym.objects.create(programme=programmes["professional"], person=person, code="WIP-XXXX")
    answered(person, course["before"], SEVEN[0][0])

    rows = list(answer_rows(Response.objects.all()))

    assert {row["pseudonym"] for row in rows} == {""}


def test_rows_are_one_query(course, django_assert_num_queries):
    for index in range(6):
        before_answers, after_answers = SEVEN[index]
        answered_both(
            _person(course, f"MOT-{index:06d}"),
            course["before"],
            course["after"],
            before_answers,
            after_answers,
            share=True,
        )

    with django_assert_num_queries(1):
        rows = list(answer_rows(Response.objects.all()))

    assert len({row["pseudonym"] for row in rows}) == 6


def test_export_log_records_who_what_format_filters_and_rows(people):
    log = export_log(
        user=people["lead"],
        what="Reflection answers",
        file_format="csv",
        filters={"programme": "3"},
        row_count=42,
    )

    stored = ExportLog.objects.get()
    assert stored == log
    assert stored.exported_by == people["lead"]
    assert (stored.what, stored.file_format, stored.filters, stored.row_count) == (
        "Reflection answers",
        "csv",
        {"programme": "3"},
        42,
    )
    assert stored.exported_at is not None


def test_system_administrators_read_the_export_log_and_nobody_else(client, people):
    export_log(
        user=people["lead"],
        what="Reflection answers",
        file_format="xlsx",
        filters={"programme": 3},
        row_count=42,
    )
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get("/admin/export_log/")
    assert page.status_code == 200
    assert "Reflection answers" in page.text
    assert "42" in page.text
    assert client.get("/admin/export_log/new/").status_code == 302  # nothing is added by hand

    for role in ("lead", "site_admin", "lay_tutor"):
        client.force_login(people[role])
        assert client.get("/admin/export_log/").status_code == 302
