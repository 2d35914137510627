"""What the evaluation engine holds about a person, for their download (cms.privacy.export):
reflections, knowledge-check attempts, the codes that stand for them in exports, reminders,
erasures and their own downloads of reflection answers. A fixed number of queries."""

from assessments.models import (
    Erasure,
    ExportLog,
    GoalRating,
    KnowledgeCheckAttempt,
    Pseudonym,
    ReflectionReminder,
    Response,
)
from assessments.reflections.responses import answers_rows_for
from cms.privacy.export import DataFile


def reflections_file(person) -> DataFile:
    """The same rows as the person's own reflections download (two queries)."""
    rows = tuple(
        (row.label, row.phase, row.question, row.answer, row.submitted_at)
        for row in answers_rows_for(person)
    )
    return DataFile(
        "reflections.csv",
        "your answers to the before and after reflections, sent and drafts, one row per answer "
        "(an empty Sent means not sent yet)",
        headings=("Reflection", "Before or after", "Question", "Answer", "Sent"),
        rows=rows,
    )


def _entered_by(response) -> str:
    if response.entered_by_id is None:
        return ""
    return response.entered_by.get_full_name() or "a member of staff"


def reflection_responses_file(person) -> DataFile:
    rows = tuple(
        (
            response.administration.label,
            response.administration.get_phase_display(),
            response.get_status_display(),
            response.started_at,
            response.submitted_at,
            response.share_with_tutors,
            _entered_by(response),
        )
        for response in Response.objects.filter(respondent=person)
        .select_related("administration", "entered_by")
        .order_by("started_at", "pk")
    )
    return DataFile(
        "reflection_responses.csv",
        "each reflection you began: whether you sent it, when, whether your tutors may read "
        "your written answers without your name, and who typed it in if you answered on paper",
        headings=(
            "Reflection",
            "Before or after",
            "Status",
            "Started",
            "Sent",
            "Tutors may read written answers",
            "Entered from your paper form by",
        ),
        rows=rows,
    )


def goals_file(person) -> DataFile:
    """Every rating of the person's own goals: where they wrote them, and each later rating."""
    rows = tuple(
        (
            rating.response.administration.label,
            rating.response.administration.get_phase_display()
            + (
                f" ({rating.response.administration.months} months)"
                if rating.response.administration.months
                else ""
            ),
            rating.goal.position,
            rating.goal.text,
            rating.rating,
            rating.no_longer_important,
            rating.helped,
            rating.goal.theme.name if rating.goal.theme else "",
            rating.response.get_goals_shared_display() if rating.response.goals_shared else "",
            rating.response.submitted_at,
        )
        for rating in GoalRating.objects.filter(response__respondent=person)
        .select_related("response__administration", "goal__theme")
        .order_by("goal_id", "response__started_at", "pk")
    )
    return DataFile(
        "goals.csv",
        "the goals you wrote in your own words and each time you rated them, from 0 to 10 "
        "(an empty Sent means not sent yet)",
        headings=(
            "Reflection",
            "When",
            "Goal number",
            "Goal",
            "Where you were (0 to 10)",
            "No longer important",
            "What helped",
            "Theme",
            "Tutors may see your goals",
            "Sent",
        ),
        rows=rows,
    )


def attempts_file(person) -> DataFile:
    rows = tuple(
        (
            attempt.knowledge_check.title,
            attempt.knowledge_check.lesson.title,
            attempt.submitted_at,
            attempt.correct_count,
            attempt.question_count,
            attempt.pass_mark,
            attempt.passed,
        )
        for attempt in KnowledgeCheckAttempt.objects.filter(user=person)
        .select_related("knowledge_check__lesson")
        .order_by("submitted_at", "pk")
    )
    return DataFile(
        "knowledge_check_attempts.csv",
        "each time you answered a lesson's knowledge check: how many you got right and whether "
        "you passed",
        headings=("Check", "Lesson", "Answered", "Right", "Questions", "Pass mark", "Passed"),
        rows=rows,
    )


def codes_file(person) -> DataFile:
    rows = tuple(
        (pseudonym.programme.title, pseudonym.code)
        for pseudonym in Pseudonym.objects.filter(person=person)
        .select_related("programme")
        .order_by("programme__title")
    )
    return DataFile(
        "reflection_codes.csv",
        "the code that stands for you, instead of your name, in each programme's exports of "
        "reflection answers",
        headings=("Programme", "Code"),
        rows=rows,
    )


def reminders_file(person) -> DataFile:
    rows = tuple(
        (
            reminder.administration.label,
            reminder.administration.get_phase_display(),
            reminder.sent_at,
        )
        for reminder in ReflectionReminder.objects.filter(person=person)
        .select_related("administration")
        .order_by("sent_at", "pk")
    )
    return DataFile(
        "reflection_reminders.csv",
        "the emails reminding you a reflection was ready",
        headings=("Reflection", "Before or after", "Sent"),
        rows=rows,
    )


def erasures_file(person) -> DataFile:
    rows = tuple(
        (erasure.requested_at, erasure.responses_erased)
        for erasure in Erasure.objects.filter(person=person).order_by("requested_at", "pk")
    )
    return DataFile(
        "reflection_erasures.csv",
        "each time you erased your reflection answers, and how many reflections were erased "
        "(the answers themselves are gone)",
        headings=("Erased", "Reflections erased"),
        rows=rows,
    )


def downloads_file(person) -> DataFile:
    rows = tuple(
        (log.exported_at, log.what, log.file_format, log.row_count)
        for log in ExportLog.objects.filter(exported_by=person).order_by("exported_at", "pk")
    )
    return DataFile(
        "reflection_downloads.csv",
        "each download of reflection answers you made (your own, or as staff), from our log",
        headings=("Downloaded", "What", "Format", "Rows"),
        rows=rows,
    )


def assessment_files(person) -> list[DataFile]:
    return [
        reflections_file(person),
        reflection_responses_file(person),
        goals_file(person),
        attempts_file(person),
        codes_file(person),
        reminders_file(person),
        erasures_file(person),
        downloads_file(person),
    ]
