"""What the evaluation engine contributes to a person's download (assessments.privacy.export):
reflections as their own download has them, knowledge-check attempts, codes, reminders, erasures
and their downloads of answers, each against the database, and nothing of anyone else's."""

import pytest

from assessments.knowledge_checks.services import knowledge_check_submit
from assessments.models import ExportLog, Item, ItemKind, Pseudonym, ReflectionReminder
from assessments.reflections.exports import export_log
from assessments.reflections.responses import (
    answers_rows_for,
    pseudonym_for,
    response_save,
    responses_erase,
)
from cms.privacy.export import local
from cms.privacy.services import personal_data_export
from tests.assessments.answering_builders import AFTER, BEFORE, make_course, offered, open_for
from tests.assessments.reflection_builders import open_now
from tests.cms.privacy.zip_reading import every_value, read_zip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def download(person):
    return read_zip(personal_data_export(person=person, produced_by=person).content)


@pytest.fixture
def trainee(db):
    return UserFactory(roles=["trainee"])


@pytest.fixture
def course(programmes, trainee):
    course = make_course(programme=programmes["patient"])
    neighbour = UserFactory(email="neighbour@example.com")
    both = {course.before.pk: open_now(), course.after.pk: open_now()}
    with (
        offered({trainee: [course.before, course.after], neighbour: [course.before]}),
        open_for({trainee: both, neighbour: both}),
    ):
        yield course, neighbour


def save(course, person, by_key, *, phase="before", submit=True, share=None):
    administration = course.before if phase == "before" else course.after
    return response_save(
        administration_id=administration.pk,
        respondent=person,
        answers=course.answers(by_key),
        share_with_tutors=share,
        submit=submit,
    )


def test_reflections_are_the_rows_of_their_own_download(course, trainee):
    course, neighbour = course
    save(course, trainee, BEFORE)
    save(
        course,
        trainee,
        {**AFTER, "hope": "I ask what matters now."},
        phase="after",
        share=True,
        submit=False,
    )
    save(course, neighbour, {**BEFORE, "heard": "friend"})

    files = download(trainee)

    expected = [
        {
            "Reflection": row.label,
            "Before or after": row.phase,
            "Question": row.question,
            "Answer": row.answer,
            "Sent": local(row.submitted_at) if row.submitted_at else "",
        }
        for row in answers_rows_for(trainee)
    ]
    assert files["reflections.csv"] == expected
    assert [row["Status"] for row in files["reflection_responses.csv"]] == ["Submitted", "Draft"]
    assert files["reflection_responses.csv"][1]["Tutors may read written answers"] == "Yes"
    assert [
        row["Entered from your paper form by"] for row in files["reflection_responses.csv"]
    ] == [
        "",
        "",
    ]
    assert "From a friend" not in every_value(files)


def test_codes_reminders_erasures_and_downloads(course, trainee, programmes):
    course, neighbour = course
    save(course, trainee, BEFORE)
    pseudonym = pseudonym_for(programme=programmes["patient"], person=trainee)
    pseudonym_for(programme=programmes["patient"], person=neighbour)
    ReflectionReminder.objects.create(administration=course.before, person=trainee)
    export_log(
        user=trainee,
        what="My reflections (their own answers)",
        file_format="csv",
        filters={},
        row_count=5,
    )
    export_log(
        user=neighbour, what="Someone else's download", file_format="csv", filters={}, row_count=1
    )

    files = download(trainee)

    assert files["reflection_codes.csv"] == [
        {"Programme": "Moving on Together", "Code": pseudonym.code}
    ]
    other_code = Pseudonym.objects.exclude(person=trainee).get().code
    assert other_code not in every_value(files)

    erasure = responses_erase(person=trainee)
    files = download(trainee)

    assert [row["Before or after"] for row in files["reflection_reminders.csv"]] == ["Before"]
    assert files["reflection_erasures.csv"] == [
        {"Erased": local(erasure.requested_at), "Reflections erased": "1"}
    ]
    assert files["reflection_downloads.csv"] == [
        {
            "Downloaded": local(ExportLog.objects.get(exported_by=trainee).exported_at),
            "What": "My reflections (their own answers)",
            "Format": "csv",
            "Rows": "5",
        }
    ]
    # Erased answers and codes are gone from the download too.
    assert files["reflections.csv"] == []
    assert files["reflection_codes.csv"] == []


def test_knowledge_check_attempts(check, lesson, people):
    trainee = people["trainee"]
    right = {q.id: [o.id for o in q.options if o.correct] for q in check.question_list()}
    knowledge_check_submit(check=check, user=trainee, answers=right)
    knowledge_check_submit(check=check, user=people["lay_tutor"], answers=right)

    [row] = download(trainee)["knowledge_check_attempts.csv"]

    assert (row["Check"], row["Lesson"], row["Passed"]) == (check.title, lesson.title, "Yes")
    assert row["Right"] == row["Questions"]


def test_goals_are_in_the_download_with_each_rating_and_nobody_elses(course, trainee):
    course, neighbour = course
    Item.objects.create(
        version=course.version,
        key="own-goals",
        position=50,
        kind=ItemKind.GOALS,
        text="Your goals",
        required=False,
    )
    posted = {"goal-1-text": "Walk to the shops", "goal-1-rating": "3", "goals_shared": "no"}
    for person, text in [(trainee, "Walk to the shops"), (neighbour, "Neighbour's own goal")]:
        response_save(
            administration_id=course.before.pk,
            respondent=person,
            answers=course.answers(BEFORE),
            share_with_tutors=None,
            submit=True,
            goals={**posted, "goal-1-text": text},
        )
    goal = trainee.reflection_responses.get().goals.get()
    response_save(
        administration_id=course.after.pk,
        respondent=trainee,
        answers=course.answers(AFTER),
        share_with_tutors=False,
        submit=True,
        goals={f"goal-{goal.pk}-rating": "7", f"goal-{goal.pk}-helped": "A walking group"},
    )

    rows = download(trainee)["goals.csv"]

    assert [
        (row["When"], row["Goal"], row["Where you were (0 to 10)"], row["What helped"])
        for row in rows
    ] == [
        ("Before", "Walk to the shops", "3", ""),
        ("After", "Walk to the shops", "7", "A walking group"),
    ]
    assert rows[0]["Tutors may see your goals"] == "No, keep my goals to myself"
    assert "Neighbour's own goal" not in every_value(download(trainee))
