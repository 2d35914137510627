"""The leads' before-and-after page, the Reflection answers report and its downloads, and the
tutors' page of shared written answers: each shows only its own scope, names nobody, and costs a
fixed number of queries."""

import csv
import io
import re
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Answer,
    ExportLog,
    Goal,
    GoalRating,
    GoalsShared,
    Pseudonym,
    Response,
)
from cms.numbers import figure_text
from courses import errors
from courses.dashboard.figures import figures_refresh
from courses.models import TutorKind
from courses.reflections.report import (
    ANSWER_COLUMNS,
    GOAL_DOWNLOAD_COLUMNS,
    NO_ANSWERS,
    SESSION_FEEDBACK_COLUMNS,
)
from courses.reflections.views import (
    NO_PAIRS,
    NO_PAIRS_FILTERED,
    NO_SHARED_ANSWERS,
    RUN_NOT_OF_PROGRAMME,
    SHIFT_SUPPRESSED,
    SUPPRESSED,
)
from tests.assessments.matched_builders import SEVEN, answered, answered_both
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    SiteMembershipFactory,
    TutorFactory,
    UserFactory,
)

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

REPORT = "/admin/reports/reflection-answers/"
MARCH = datetime(2026, 3, 10, 12, tzinfo=UTC)
APRIL = datetime(2026, 4, 20, 12, tzinfo=UTC)
HILLSIDE_WORDS = "Hillside words, shared."


def site_url(slug="riverside"):
    return reverse("courses:site_reflections", args=[slug])


def run_url(run):
    return reverse("courses:run_reflections", args=[run.pk])


def _surveys(run, version):
    return (
        administration(version, "before", run, label=run.title, programme=run.programme),
        administration(version, "after", run, label=run.title, programme=run.programme),
    )


def _trainee(site, index, prefix):
    person = UserFactory(
        first_name=f"{prefix}first{index}",
        last_name=f"{prefix}last{index}",
        email=f"{prefix.lower()}{index}@example.com",
    )
    SiteMembershipFactory(site=site, user=person)
    return person


def fill(run, surveys, people, *, answers=SEVEN, share=lambda index: index != 1, when=None):
    """Each person answers before and after (the fixed data set, in turn), with a pseudonym."""
    before, after = surveys
    for index, person in enumerate(people):
        Pseudonym.objects.get_or_create(
            programme=run.programme, person=person, defaults={"code": f"MOT-{person.pk:06d}"}
        )
        before_answers, after_answers = answers[index % len(answers)]
        answered_both(
            person,
            before,
            after,
            before_answers,
            after_answers,
            share=share(index),
            submitted_at=when(index) if when else MARCH,
        )


@pytest.fixture
def reflections(workshop, people, hillside, programmes):
    """Riverside's "Spring group" (taught by the Riverside lay tutor in session 1) with seven
    people's before and after answers, April for the last two; a Hillside run with six people
    who all went from 0 to 10 and shared everything."""
    riverside_run = workshop["run"]
    taught = workshop["sessions"][0]
    taught.lay_tutor = TutorFactory(
        user=people["lay_tutor"], site=workshop["site"], kind=TutorKind.LAY
    )
    taught.save()
    version = version_with_items(programme=programmes["patient"])
    riverside_surveys = _surveys(riverside_run, version)
    riverside_people = [_trainee(workshop["site"], n, "River") for n in range(7)]
    fill(
        riverside_run,
        riverside_surveys,
        riverside_people,
        when=lambda index: APRIL if index >= 5 else MARCH,
    )

    hillside_run = CourseRunFactory(
        site=hillside, programme=programmes["patient"], title="Hillside group"
    )
    SessionFactory(run=hillside_run, number=1)
    hillside_surveys = _surveys(hillside_run, version)
    all_up = (
        {"a1": 0, "a2": 0, "e1": 1, "e2": 5},
        {"a1": 10, "a2": 10, "e1": 5, "e2": 1, "hope": HILLSIDE_WORDS},
    )
    fill(
        hillside_run,
        hillside_surveys,
        [_trainee(hillside, n, "Hill") for n in range(6)],
        answers=[all_up],
        share=lambda index: True,
    )
    return {
        "run": riverside_run,
        "surveys": riverside_surveys,
        "people": riverside_people,
        "hillside_run": hillside_run,
    }


def changes_of(response):
    return {change.scale_key: change for change in response.context["changes"]}


# --- the site's before-and-after page ----------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "site_admin"])
def test_leads_and_site_administrators_see_their_sites_change(client, people, reflections, role):
    client.force_login(people[role])

    response = client.get(site_url())

    assert response.status_code == 200
    agenda = changes_of(response)["agenda"]
    # Seven Riverside people; the six at Hillside do not count here.
    assert agenda.n == 7
    assert agenda.mean_change == pytest.approx(13 / 7)
    page = response.content.decode()
    assert "Confidence in agenda setting" in page
    assert "1.9 (0 to 3.7)" in page  # mean change and its 95% interval, one decimal place
    assert "5 of 7" in page  # improved
    assert "-0.9 (" in page  # looking back minus before: -5.5 / 6
    for word in _everything_said_by(reflections["people"]):
        assert word not in page
    assert reverse("courses:site_reflection_answers", args=["riverside"]) in page


def test_made_up_demo_answers_are_called_so(client, people, reflections):
    client.force_login(people["lead"])
    assert "Demonstration data" not in client.get(site_url()).text

    Response.objects.filter(respondent__in=reflections["people"][:3]).update(generated=True)

    page = client.get(site_url()).text
    assert "Demonstration data" in page
    assert "3 of the people counted here are made up" in page


def test_another_sites_lead_sees_only_their_own(client, people, reflections):
    client.force_login(people["other_lead"])

    assert client.get(site_url("riverside")).status_code == 404
    response = client.get(site_url("hillside"))
    agenda = changes_of(response)["agenda"]
    assert agenda.n == 6
    assert agenda.mean_change == 10
    assert agenda.effect_size is None  # everyone changed by 10


@pytest.mark.parametrize("role", ["trainee", "lay_tutor", "clinical_tutor"])
def test_trainees_and_tutors_may_not_see_a_sites_figures(client, people, reflections, role):
    client.force_login(people[role])

    assert client.get(site_url()).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, reflections):
    response = client.get(site_url())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_fewer_than_five_are_not_shown(client, people, reflections, workshop):
    # A second Riverside run with four people.
    run = CourseRunFactory(site=workshop["site"], programme=workshop["programme"], title="Small")
    surveys = _surveys(run, reflections["surveys"][0].version)
    fill(run, surveys, [_trainee(workshop["site"], n, "Small") for n in range(4)])
    client.force_login(people["lead"])

    response = client.get(site_url(), {"run": run.pk})

    assert response.status_code == 200
    assert all(change.suppressed for change in response.context["changes"])
    page = response.content.decode()
    assert SUPPRESSED in page
    assert "of 4" not in page


def test_the_period_filter_counts_after_reflections_sent_in_it(client, people, reflections):
    client.force_login(people["lead"])

    march = client.get(site_url(), {"submitted_from": "1/3/2026", "submitted_until": "31/3/2026"})
    april = client.get(site_url(), {"submitted_from": "2026-04-01"})

    assert changes_of(march)["agenda"].n == 5
    assert changes_of(march)["agenda"].shift_n == 5
    assert changes_of(april)["agenda"].suppressed  # two people
    assert SUPPRESSED in april.content.decode()


def test_the_programme_filter(client, people, reflections, programmes):
    client.force_login(people["lead"])

    patient = client.get(site_url(), {"programme": programmes["patient"].pk})
    professional = client.get(site_url(), {"programme": programmes["professional"].pk})

    assert changes_of(patient)["agenda"].n == 7
    assert professional.context["changes"] == []
    assert NO_PAIRS_FILTERED in professional.content.decode()


def test_a_site_with_no_pairs_says_so(client, people, workshop):
    client.force_login(people["lead"])

    response = client.get(site_url())

    assert response.status_code == 200
    assert NO_PAIRS.format(site=workshop["site"]) in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"programme": "abc"}, "programme", None),
        ({"programme": "9" * 30}, "programme", None),
        ({"run": "hillside"}, "run", None),
        ({"run": "9" * 30}, "run", None),
        ({"submitted_from": "31/02/2026"}, "submitted_from", None),
        ({"submitted_until": "tomorrow"}, "submitted_until", None),
        (
            {"submitted_from": "2/3/2026", "submitted_until": "1/3/2026"},
            "submitted_until",
            errors.DATES_REVERSED,
        ),
    ],
)
def test_bad_filters_show_the_error_and_no_results(
    client, people, reflections, query, field, message
):
    client.force_login(people["lead"])
    if query.get("run") == "hillside":
        query = {"run": reflections["hillside_run"].pk}  # another site's run is not a choice

    response = client.get(site_url(), query)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    if message:
        assert message in response.context["form"].errors[field]
    assert response.context["changes"] is None
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Change per scale" not in page


def test_a_run_of_another_programme_is_refused(client, people, reflections, programmes):
    client.force_login(people["lead"])

    response = client.get(
        site_url(),
        {"programme": programmes["professional"].pk, "run": reflections["run"].pk},
    )

    assert response.status_code == 400
    assert RUN_NOT_OF_PROGRAMME in response.context["form"].errors["run"]


def test_the_site_page_query_count_stays_fixed(
    client, people, reflections, workshop, django_assert_num_queries
):
    client.force_login(people["lead"])
    query = {"programme": workshop["programme"].pk, "run": reflections["run"].pk}
    with CaptureQueriesContext(connection) as seven:
        client.get(site_url(), query)
    more = [_trainee(workshop["site"], n, "More") for n in range(30)]
    fill(reflections["run"], reflections["surveys"], more)

    # session, user, roles, site, choices of programme and run, the chosen programme and run,
    # one aggregate query for the scales and four for people's own goals
    with django_assert_num_queries(len(seven)):
        response = client.get(site_url(), query)

    assert len(seven) == 13
    assert changes_of(response)["agenda"].n == 37


def test_the_unfiltered_page_query_count(client, people, reflections, django_assert_num_queries):
    client.force_login(people["lead"])

    with django_assert_num_queries(11):  # four of them for people's own goals
        response = client.get(site_url())

    assert response.status_code == 200


def test_shift_suppressed_message_shows(client, people, reflections):
    client.force_login(people["lead"])
    for person in reflections["people"][:3]:
        for score in person.reflection_responses.get(administration__phase="after").scores.all():
            score.retrospective_score = None
            score.save()

    response = client.get(site_url())

    assert changes_of(response)["agenda"].shift_suppressed
    assert SHIFT_SUPPRESSED in response.content.decode()


# --- the Reflection answers report and its downloads ----------------------------------------------


def read_csv(response):
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(response):
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


HEADINGS = list(ANSWER_COLUMNS.values())
# Where each column is, by its key.
AT = {key: index for index, key in enumerate(ANSWER_COLUMNS)}


def _everything_said_by(people):
    words = set()
    for person in people:
        words |= {person.email, person.first_name, person.last_name}
    return words


@pytest.mark.parametrize("role", ["lead", "site_admin"])
def test_the_csv_export_holds_the_sites_answers_under_pseudonyms(client, people, reflections, role):
    client.force_login(people[role])

    response = client.get(REPORT, {"export": "csv"})

    today = timezone.localdate().isoformat()
    assert f'filename="reflection-answers-{today}.csv"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = read_csv(response)
    assert rows[0] == HEADINGS
    riverside_codes = {f"MOT-{person.pk:06d}" for person in reflections["people"]}
    assert {row[AT["pseudonym"]] for row in rows[1:]} == riverside_codes
    assert {row[AT["site"]] for row in rows[1:]} == {"Riverside Health Board"}
    text = repr(rows)
    assert HILLSIDE_WORDS not in text
    assert "@" not in text
    for word in _everything_said_by(reflections["people"]):
        assert word not in text
    # Written answers only from those who agreed to share (all but the second here).
    shared = {row[AT["text"]] for row in rows if row[AT["item_key"]] == "hope"}
    assert shared == {"I speak first.", "Goals stick."}
    log = ExportLog.objects.get()
    assert (log.exported_by, log.what, log.file_format, log.filters, log.row_count) == (
        people[role],
        "Reflection answers",
        "csv",
        {},
        len(rows) - 1,
    )


def test_the_xlsx_export_parses_back_and_is_logged_with_its_filters(
    client, people, reflections, programmes
):
    client.force_login(people["lead"])

    response = client.get(
        REPORT, {"export": "xlsx", "programme": programmes["patient"].pk, "phase": "before"}
    )

    today = timezone.localdate().isoformat()
    assert f'filename="reflection-answers-{today}.xlsx"' in response["Content-Disposition"]
    rows = read_xlsx(response)
    assert rows[0] == HEADINGS
    assert {row[AT["before_or_after"]] for row in rows[1:]} == {"Before"}
    assert len(rows) - 1 == 7 * 4 + 2  # four ratings each, two said how they heard
    assert "@" not in repr(rows)
    log = ExportLog.objects.get()
    assert log.file_format == "xlsx"
    assert log.filters == {"programme": programmes["patient"].pk, "phase": "before"}
    assert log.row_count == len(rows) - 1


def test_another_sites_lead_exports_only_theirs(client, people, reflections):
    client.force_login(people["other_lead"])

    rows = read_csv(client.get(REPORT, {"export": "csv"}))

    shared = {row[AT["text"]] for row in rows if row[AT["item_key"]] == "hope"}
    assert shared == {HILLSIDE_WORDS}
    riverside_codes = {f"MOT-{person.pk:06d}" for person in reflections["people"]}
    assert not riverside_codes & {row[AT["pseudonym"]] for row in rows}


def test_the_report_lists_answers_and_filters(client, people, reflections, programmes):
    client.force_login(people["lead"])

    page = client.get(REPORT)
    professional = client.get(REPORT, {"programme": programmes["professional"].pk})
    forged = client.get(REPORT, {"programme": "abc"})

    assert page.status_code == 200
    assert "Reflection answers" in page.content.decode()
    assert f"MOT-{reflections['people'][0].pk:06d}" in page.content.decode()
    assert HILLSIDE_WORDS not in page.content.decode()
    assert professional.status_code == 200
    assert "MOT-" not in professional.content.decode()
    assert forged.status_code == 200
    assert "MOT-" not in forged.content.decode()
    assert not ExportLog.objects.exists()  # reading the list is not an export


def test_a_lead_with_no_answers_sees_the_empty_state(client, people, workshop):
    client.force_login(people["lead"])

    response = client.get(REPORT)

    assert NO_ANSWERS in response.content.decode()


@pytest.mark.parametrize(
    ("role", "location"),
    [("trainee", "/accounts/login/"), ("lay_tutor", "/admin/"), ("clinical_tutor", "/admin/")],
)
def test_trainees_and_tutors_cannot_open_or_export_the_report(
    client, people, reflections, role, location
):
    client.force_login(people[role])

    for query in ({}, {"export": "csv"}):
        response = client.get(REPORT, query)
        assert response.status_code == 302
        assert response["Location"].split("?")[0] == location
    assert not ExportLog.objects.exists()


def test_the_report_menu_item_shows_to_leads_and_site_administrators_only(client, people):
    def has_item(role):
        client.force_login(people[role])
        return REPORT in client.get("/admin/").content.decode()

    assert has_item("lead")
    assert has_item("site_admin")
    assert not has_item("lay_tutor")
    assert not has_item("clinical_tutor")


def test_a_superuser_exports_every_site(client, reflections):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    rows = read_csv(client.get(REPORT, {"export": "csv"}))

    assert len({row[AT["pseudonym"]] for row in rows[1:]}) == 13


def test_the_export_query_count_stays_fixed(client, people, reflections, workshop):
    client.force_login(people["lead"])
    # The first export of a process also fills Django's content-type cache (the export log's
    # reference index asks for its type): measure from the second, alone or in any order.
    read_csv(client.get(REPORT, {"export": "csv"}))
    with CaptureQueriesContext(connection) as seven:
        read_csv(client.get(REPORT, {"export": "csv"}))
    fill(
        reflections["run"],
        reflections["surveys"],
        [_trainee(workshop["site"], n, "More") for n in range(20)],
    )

    with CaptureQueriesContext(connection) as twenty_seven:
        rows = read_csv(client.get(REPORT, {"export": "csv"}))

    assert len({row[AT["pseudonym"]] for row in rows[1:]}) == 27
    assert len(twenty_seven) == len(seven)


# --- the tutors' page of shared written answers ----------------------------------------------------


def test_a_tutor_reads_the_shared_answers_of_their_run_without_names(client, people, reflections):
    client.force_login(people["lay_tutor"])

    response = client.get(run_url(reflections["run"]))

    assert response.status_code == 200
    [question] = response.context["questions"]
    assert question.text == "What has changed for you?"
    assert question.phase == "After"
    # All but the second agreed to share; four wrote nothing. Sorted by text.
    assert question.answers == ["Goals stick.", "I speak first."]
    page = response.content.decode()
    assert "A list helps." not in page  # person 1 did not agree
    assert HILLSIDE_WORDS not in page
    for word in _everything_said_by(reflections["people"]):
        assert word not in page
    assert "2026" not in page  # no dates


def test_the_shared_answers_page_when_nobody_shared(client, people, reflections):
    Response.objects.update(share_with_tutors=False)
    client.force_login(people["lay_tutor"])

    response = client.get(run_url(reflections["run"]))

    assert response.context["questions"] == []
    assert NO_SHARED_ANSWERS in response.content.decode()


@pytest.mark.parametrize(
    ("role", "run", "status"),
    [
        ("lay_tutor", "hillside_run", 404),  # not their run
        ("clinical_tutor", "run", 404),  # a tutor, but not of this run
        ("trainee", "run", 403),
        ("lead", "run", 403),
        ("site_admin", "run", 403),
        ("other_lead", "run", 403),
    ],
)
def test_only_the_runs_tutors_read_its_shared_answers(
    client, people, reflections, role, run, status
):
    client.force_login(people[role])

    assert client.get(run_url(reflections[run])).status_code == status


def test_an_unknown_run_is_not_found(client, people, reflections):
    client.force_login(people["lay_tutor"])

    assert client.get(reverse("courses:run_reflections", args=[987654])).status_code == 404


def test_the_shared_answers_query_count_stays_fixed(
    client, people, reflections, workshop, django_assert_num_queries
):
    client.force_login(people["lay_tutor"])
    more = [_trainee(workshop["site"], n, "More") for n in range(20)]
    fill(reflections["run"], reflections["surveys"], more, share=lambda index: True)

    # session, user, roles, the run, the answers
    with django_assert_num_queries(5):
        response = client.get(run_url(reflections["run"]))

    assert len(response.context["questions"][0].answers) > 10


def test_written_answers_cannot_run_as_formulas_in_the_csv(client, people, reflections):
    from assessments.models import Answer

    Answer.objects.filter(text="I speak first.").update(text='=HYPERLINK("http://evil.test")')
    client.force_login(people["lead"])

    rows = read_csv(client.get(REPORT, {"export": "csv"}))

    written = {row[AT["text"]] for row in rows if row[AT["item_key"]] == "hope"}
    assert written == {'\'=HYPERLINK("http://evil.test")', "Goals stick."}


def test_the_runs_to_filter_by_come_first_session_first(workshop, programmes):
    """1 March 2027 after 15 January 2027, whatever their titles; a run without sessions last."""
    from courses.reflections.views import ReflectionFilterForm

    site, zone = workshop["site"], timezone.get_current_timezone()
    march = CourseRunFactory(site=site, programme=programmes["patient"], title="A March group")
    SessionFactory(run=march, number=1, starts_at=datetime(2027, 3, 1, 10, tzinfo=zone))
    january = CourseRunFactory(site=site, programme=programmes["patient"], title="B January")
    SessionFactory(run=january, number=1, starts_at=datetime(2027, 1, 15, 10, tzinfo=zone))
    workshop["run"].sessions.all().delete()

    form = ReflectionFilterForm(site=site)

    assert [run.title for run in form.fields["run"].queryset] == [
        "B January",
        "A March group",
        workshop["run"].title,
    ]


# --- "Download the answers" on the results page ----------------------------------------------------


def download_url(slug="riverside"):
    return reverse("courses:site_reflection_answers", args=[slug])


PARTS = {
    "answers": (0, "answers.csv"),
    "goals": (1, "goals.csv"),
    "feedback": (2, "session-feedback.csv"),
}


def read_download(response, part="answers"):
    """The rows of one part of the download: a file of the zip of CSV files, or a sheet of the
    workbook (the answers by default, the sheet that opens)."""
    assert response.status_code == 200
    sheet, name = PARTS[part]
    if response["Content-Type"] == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert archive.namelist() == [name for _sheet, name in PARTS.values()]
            text = archive.read(name).decode("utf-8")
        return list(csv.reader(io.StringIO(text)))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Answers", "Own goals", "Feedback after sessions"]
    chosen = workbook.active if part == "answers" else workbook.worksheets[sheet]
    return [list(row) for row in chosen.iter_rows(values_only=True)]


def test_the_results_page_offers_the_download_with_its_choices(client, people, reflections):
    client.force_login(people["lead"])
    run = reflections["run"]

    page = client.get(site_url(), {"run": run.pk}).content.decode()

    assert f'action="{download_url()}"' in page
    assert f'name="run" value="{run.pk}"' in page  # the run chosen travels with the download
    assert 'name="file_format" value="csv"' in page
    assert 'name="file_format" value="xlsx"' in page
    assert "Download the answers</button>" in page


def test_the_csv_has_site_course_cohort_and_phase_columns_and_yes_no(client, people, reflections):
    client.force_login(people["lead"])
    run = reflections["run"]

    response = client.get(download_url(), {"file_format": "csv"})

    today = timezone.localdate().isoformat()
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="reflection-answers-riverside-{today}.zip"'
    )
    assert "no-store" in response["Cache-Control"]
    rows = read_download(response)
    assert rows[0] == list(ANSWER_COLUMNS.values())
    assert "Cohort start date (the course's first session" in rows[0][AT["cohort_starts_on"]]
    body = rows[1:]
    first_session = timezone.localdate(run.sessions.order_by("starts_at").first().starts_at)
    assert {row[AT["site"]] for row in body} == {"Riverside Health Board"}
    assert {row[AT["course"]] for row in body} == {"Spring group"}
    assert {row[AT["cohort_starts_on"]] for row in body} == {first_session.isoformat()}
    assert {row[AT["before_or_after"]] for row in body} == {"Before", "After"}
    # Yes or No where the reflection asked; "Not asked" where it had no written questions.
    assert {row[AT["shared"]] for row in body} <= {"Yes", "No", "Not asked"}
    assert {"Yes", "No"} <= {row[AT["shared"]] for row in body}
    assert {row[AT["generated"]] for row in body} == {"No"}
    assert {row[AT["pseudonym"]] for row in body} == {
        f"MOT-{person.pk:06d}" for person in reflections["people"]
    }
    for word in _everything_said_by(reflections["people"]):
        assert word not in repr(rows)
    log = ExportLog.objects.get()
    assert (log.what, log.file_format, log.filters, log.row_count) == (
        "Reflection answers: Riverside Health Board",
        "csv",
        {"site": run.site_id},
        len(body),
    )


def test_the_excel_file_holds_numbers_as_numbers_and_dates_as_dates(client, people, reflections):
    client.force_login(people["lead"])

    rows = read_download(client.get(download_url(), {"file_format": "xlsx"}))

    assert rows[0] == list(ANSWER_COLUMNS.values())
    ratings = [row for row in rows[1:] if row[AT["item_key"]] == "a1"]
    assert ratings
    # Full precision: each rating is the number the person gave, stored as a number.
    stored = sorted(
        Answer.objects.filter(
            item__key="a1", response__respondent__in=reflections["people"]
        ).values_list("number", flat=True)
    )
    assert sorted(row[AT["number"]] for row in ratings) == stored
    assert all(type(row[AT["number"]]) is int for row in ratings)
    assert all(row[AT["text"]] is None for row in ratings)
    assert all(isinstance(row[AT["cohort_starts_on"]], datetime) for row in ratings)
    assert all(isinstance(row[AT["submitted_at"]], datetime) for row in ratings)
    written = {row[AT["text"]] for row in rows[1:] if row[AT["item_key"]] == "hope"}
    assert written == {"I speak first.", "Goals stick."}


def test_the_download_keeps_to_the_programme_and_run_chosen(
    client, people, reflections, programmes
):
    client.force_login(people["lead"])
    other = CourseRunFactory(site=reflections["run"].site, programme=programmes["patient"])

    chosen = read_download(
        client.get(download_url(), {"file_format": "csv", "run": reflections["run"].pk})
    )
    nothing = read_download(client.get(download_url(), {"file_format": "csv", "run": other.pk}))
    professional = read_download(
        client.get(
            download_url(), {"file_format": "csv", "programme": programmes["professional"].pk}
        )
    )

    assert len(chosen) > 1
    assert nothing == [list(ANSWER_COLUMNS.values())]
    assert professional == [list(ANSWER_COLUMNS.values())]


def test_another_leads_site_is_not_found_and_other_roles_are_refused(client, people, reflections):
    client.force_login(people["other_lead"])
    assert client.get(download_url(), {"file_format": "csv"}).status_code == 404
    for role in ("trainee", "lay_tutor", "clinical_tutor"):
        client.force_login(people[role])
        assert client.get(download_url(), {"file_format": "csv"}).status_code == 403
    client.logout()
    assert client.get(download_url(), {"file_format": "csv"}).status_code == 302
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize("file_format", ["", "pdf"])
def test_a_missing_or_unknown_format_says_what_to_choose(client, people, reflections, file_format):
    client.force_login(people["lead"])

    response = client.get(download_url(), {"file_format": file_format})

    assert response.status_code == 400
    assert "Choose CSV or Excel." in response.content.decode()
    assert not ExportLog.objects.exists()


def test_another_sites_run_is_refused_with_a_message(client, people, reflections):
    client.force_login(people["lead"])

    response = client.get(
        download_url(), {"file_format": "csv", "run": reflections["hillside_run"].pk}
    )

    assert response.status_code == 400
    assert "Course run:" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_the_download_query_count_stays_fixed(client, people, reflections, workshop):
    client.force_login(people["lead"])
    with CaptureQueriesContext(connection) as seven:
        read_download(client.get(download_url(), {"file_format": "xlsx"}))
    fill(
        reflections["run"],
        reflections["surveys"],
        [_trainee(workshop["site"], n, "More") for n in range(20)],
    )

    with CaptureQueriesContext(connection) as twenty_seven:
        rows = read_download(client.get(download_url(), {"file_format": "xlsx"}))

    assert len({row[AT["pseudonym"]] for row in rows[1:]}) == 27
    assert len(twenty_seven) == len(seven)


# --- people's own goals and the feedback after each session, in the same download ----------------

GOALS_AT = {key: index for index, key in enumerate(GOAL_DOWNLOAD_COLUMNS)}
FEEDBACK_AT = {key: index for index, key in enumerate(SESSION_FEEDBACK_COLUMNS)}
GOAL_CHOICES = [GoalsShared.WITH_NAME, GoalsShared.NO, GoalsShared.WITHOUT_NAME]


def wrote_goals(surveys, people):
    """Each person wrote one goal before (rated 2) and rated it 6 after, saying what helped; the
    first let their tutors see it with their name, the second kept it to themselves, the third
    shared it without their name, and so on in turn."""
    before, after = surveys
    for index, person in enumerate(people):
        first = before.responses.get(respondent=person)
        first.goals_shared = GOAL_CHOICES[index % 3]
        first.save()
        goal = Goal.objects.create(response=first, position=1, text=f"Goal of {person.first_name}")
        GoalRating.objects.create(response=first, goal=goal, rating=2)
        GoalRating.objects.create(
            response=after.responses.get(respondent=person),
            goal=goal,
            rating=6,
            before_rating=2,
            helped=f"What helped {person.first_name}",
        )


def gave_feedback(session, people, *, debrief_by=None):
    """The people's one-minute feedback on the session (written answers shared by all but the
    second), and a tutor's debrief."""
    run = session.run
    feedback = administration(
        version_with_items(slug=f"one-minute-{session.pk}"),
        "session",
        session,
        label=f"{run.title}, session {session.number}",
        programme=run.programme,
    )
    for index, person in enumerate(people):
        answered(
            person,
            feedback,
            {"a1": index % 5 + 1, "hope": f"Today I spoke first ({index})."},
            share=index != 1,
            submitted_at=session.ends_at,
        )
    if debrief_by is not None:
        debrief = administration(
            version_with_items(slug=f"debrief-{session.pk}"),
            "debrief",
            session,
            label=f"{run.title}, session {session.number}",
            programme=run.programme,
        )
        answered(debrief_by, debrief, {"a1": 2, "hope": "The debrief's own words."})
    return feedback


@pytest.fixture
def goals_and_feedback(reflections, workshop, people):
    riverside = reflections["people"]
    wrote_goals(reflections["surveys"], riverside[:3])
    session = workshop["sessions"][1]
    gave_feedback(session, riverside[:4], debrief_by=people["lay_tutor"])
    hillside_session = reflections["hillside_run"].sessions.get()
    hillside_people = [
        response.respondent
        for response in Response.objects.filter(
            administration__target_id=reflections["hillside_run"].pk,
            administration__phase="before",
        ).select_related("respondent")[:2]
    ]
    gave_feedback(hillside_session, hillside_people)
    return {"session": session}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_download_holds_the_goals_under_codes_with_their_words_only_where_shared(
    client, people, reflections, goals_and_feedback, file_format
):
    client.force_login(people["lead"])

    rows = read_download(client.get(download_url(), {"file_format": file_format}), "goals")

    assert rows[0] == list(GOAL_DOWNLOAD_COLUMNS.values())
    body = rows[1:]
    first, second, third = reflections["people"][:3]
    code = {person: f"MOT-{person.pk:06d}" for person in (first, second, third)}
    # Each goal's ratings in turn: when it was written, then after the course.
    assert [
        (
            row[GOALS_AT["pseudonym"]],
            row[GOALS_AT["before_or_after"]],
            str(row[GOALS_AT["rating"]]),
        )
        for row in body
    ] == [
        (code[person], phase, rating)
        for person in sorted(code, key=code.get)
        for phase, rating in (("Before", "2"), ("After", "6"))
    ]
    words = {row[GOALS_AT["pseudonym"]]: row for row in body if row[GOALS_AT["helped_text"]]}
    # The goal's words and what helped only from those who let their tutors see their goals.
    assert set(words) == {code[first], code[third]}
    assert words[code[first]][GOALS_AT["helped_text"]] == f"What helped {first.first_name}"
    shared = {row[GOALS_AT["pseudonym"]]: row[GOALS_AT["shared"]] for row in body}
    assert shared == {code[first]: "Yes", code[second]: "No", code[third]: "Yes"}
    assert {row[GOALS_AT["site"]] for row in body} == {"Riverside Health Board"}
    assert {row[GOALS_AT["course"]] for row in body} == {"Spring group"}
    after = [row for row in body if row[GOALS_AT["before_or_after"]] == "After"]
    assert {str(row[GOALS_AT["before_rating"]]) for row in after} == {"2"}
    assert len(after) == 3
    assert {str(row[GOALS_AT["months"]]) for row in body} == {"0"}
    # Names never: not even of the person who let their tutors see their name.
    for word in _everything_said_by([second]) | {first.email, first.last_name, third.last_name}:
        assert word not in repr(rows)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_download_holds_the_sites_session_feedback_but_not_the_debriefs(
    client, people, reflections, goals_and_feedback, file_format
):
    client.force_login(people["lead"])
    session = goals_and_feedback["session"]

    response = client.get(download_url(), {"file_format": file_format})
    rows = read_download(response, "feedback")

    assert rows[0] == list(SESSION_FEEDBACK_COLUMNS.values())
    body = rows[1:]
    assert {row[FEEDBACK_AT["site"]] for row in body} == {"Riverside Health Board"}
    assert {row[FEEDBACK_AT["course"]] for row in body} == {"Spring group"}
    assert {str(row[FEEDBACK_AT["session_number"]]) for row in body} == {"2"}
    day = timezone.localdate(session.starts_at)
    assert {row[FEEDBACK_AT["session_on"]] for row in body} == {
        day.isoformat() if file_format == "csv" else datetime.combine(day, datetime.min.time())
    }
    four = reflections["people"][:4]
    assert {row[FEEDBACK_AT["pseudonym"]] for row in body} == {
        f"MOT-{person.pk:06d}" for person in four
    }
    ratings = sorted(int(row[FEEDBACK_AT["number"]]) for row in body if row[FEEDBACK_AT["number"]])
    assert ratings == [1, 2, 3, 4]
    # Written answers as for the reflections: only from those who agreed to share them.
    written = {row[FEEDBACK_AT["text"]] for row in body if row[FEEDBACK_AT["item_key"]] == "hope"}
    assert written == {f"Today I spoke first ({index})." for index in (0, 2, 3)}
    everything = repr(rows)
    assert "The debrief's own words." not in everything
    for word in _everything_said_by(four):
        assert word not in everything
    assert ExportLog.objects.get().row_count == sum(
        len(read_download(response, part)) - 1 for part in PARTS
    )


def test_the_feedback_keeps_to_the_run_and_programme_chosen(
    client, people, reflections, goals_and_feedback, programmes
):
    client.force_login(people["lead"])
    other = CourseRunFactory(site=reflections["run"].site, programme=programmes["patient"])

    def feedback(**choices):
        return read_download(
            client.get(download_url(), {"file_format": "csv", **choices}), "feedback"
        )

    # Four people's rating and written answer, but the second person's words, not shared.
    assert len(feedback(run=reflections["run"].pk)) == 1 + 4 * 2 - 1
    assert feedback(run=other.pk) == [list(SESSION_FEEDBACK_COLUMNS.values())]
    assert feedback(programme=programmes["professional"].pk) == [
        list(SESSION_FEEDBACK_COLUMNS.values())
    ]
    assert read_download(
        client.get(download_url(), {"file_format": "csv", "run": other.pk}), "goals"
    ) == [list(GOAL_DOWNLOAD_COLUMNS.values())]


def test_the_download_query_count_stays_fixed_with_goals_and_feedback(
    client, people, reflections, goals_and_feedback, workshop
):
    client.force_login(people["lead"])
    with CaptureQueriesContext(connection) as few:
        read_download(client.get(download_url(), {"file_format": "xlsx"}))
    more = [_trainee(workshop["site"], n, "More") for n in range(12)]
    fill(reflections["run"], reflections["surveys"], more)
    wrote_goals(reflections["surveys"], more)
    gave_feedback(workshop["sessions"][2], more)

    with CaptureQueriesContext(connection) as many:
        response = client.get(download_url(), {"file_format": "xlsx"})

    assert len(read_download(response, "goals")) == 1 + 2 * 15
    assert len(read_download(response, "feedback")) == 1 + 2 * 16 - 2
    assert len(many) == len(few)


# --- one rounding rule: the results page and the dashboard agree ------------------------------------


def _cells(page: str, heading: str) -> list[str]:
    pattern = re.escape(f'<span class="nhsuk-table-responsive__heading">{heading} </span>')
    return re.findall(pattern + r"([^<(]+?)[\s(<]", page)


def test_the_dashboard_and_the_results_page_show_the_same_means(client, people, reflections):
    figures_refresh()
    client.force_login(people["lead"])

    results = client.get(site_url()).content.decode()
    dashboard = client.get("/programme/").content.decode()

    for heading in ("Before (mean)", "After (mean)"):
        assert _cells(results, heading) == _cells(dashboard, heading)
        assert _cells(results, heading)
    # The change, and its interval's ends, by the same rule.
    assert _cells(results, "Change (95% confidence interval)") == _cells(dashboard, "Change (mean)")
    agenda = changes_of(client.get(site_url()))["agenda"]
    assert _cells(results, "Before (mean)")[0] == figure_text(agenda.mean_before)
    assert figure_text(agenda.mean_before) == "4.1"  # 29 / 7 = 4.142857...
