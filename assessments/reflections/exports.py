"""Reflection answers for export: one row per answer, in long format, under a pseudonym.

A row carries the person's stable code for the programme (never a name or an email), the
instrument and version they answered, before or after, the item and the value. Free-text
answers leave only with the person's consent to share them. Every export is logged.

People's own goals leave the same way (`goal_rows`, one row per rating of a goal): the ratings,
the rating when the goal was written and "no longer important" always; the goal's words and what
helped are the person's own words, like a written answer, so they leave only when the person
let their tutors see their goals (the choice they made when writing them, without or with their
name: the name itself never leaves).

A row leaves only under a code: erasing a whole person deletes their codes (and empties their
words), so nothing they gave is in a later export, not even as an anonymous rating that the
course and the time it was sent could lead back to them. Erasing one's reflections deletes them.
"""

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from assessments.models import (
    Answer,
    ExportLog,
    GoalRating,
    GoalsShared,
    ItemKind,
    Phase,
    Pseudonym,
    Response,
)

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


def _pseudonym():
    """The code of the row's person in the row's programme (rows reach it through `response`)."""
    return Pseudonym.objects.filter(
        programme=OuterRef("response__administration__programme"),
        person=OuterRef("response__respondent"),
    ).values("code")


def answer_rows(responses: QuerySet[Response]) -> QuerySet[Answer]:
    """The answers of the submitted responses among `responses` (the caller's scope), each a
    dict of COLUMNS, ordered by pseudonym, instrument, version, phase and item. People without
    a code in the programme (erased) are left out."""
    pseudonym = _pseudonym()
    return (
        Answer.objects.filter(
            response__in=responses.order_by().values("pk"),
            response__status=Response.Status.SUBMITTED,
        )
        .filter(Exists(pseudonym))
        # Written answers only with consent; ratings and choices always.
        .filter(~Q(item__kind=ItemKind.FREE_TEXT) | Q(response__share_with_tutors=True))
        .annotate(
            pseudonym=Subquery(pseudonym[:1]),
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


# A goal's rows, in order: one per rating (the one given when it was written, then after the
# course and at each follow-up).
GOAL_COLUMNS = {
    "pseudonym": COLUMNS["pseudonym"],
    "instrument_slug": COLUMNS["instrument_slug"],
    "version_number": COLUMNS["version_number"],
    "phase": COLUMNS["phase"],
    "months": COLUMNS["months"],
    "submitted_at": COLUMNS["submitted_at"],
    "goal_number": "Goal number (1 to 3, in the order the person wrote them)",
    "goal_text": "Goal, in the person's words (only if they let their tutors see their goals)",
    "rating": "Where they were, 0 to 10 (empty if no longer important and not rated)",
    "before_rating": "Where they were when they wrote the goal, 0 to 10 (after and follow-up)",
    "no_longer_important": "No longer important to them",
    "helped_text": "What helped, in their words (only if they let their tutors see their goals)",
    "shared": "Let their tutors see their goals",
    "generated": COLUMNS["generated"],
}

# The order of a goal's ratings: when it was written, after the course, then each follow-up.
_PHASE_ORDER = Case(
    When(response__administration__phase=Phase.BEFORE, then=Value(0)),
    When(response__administration__phase=Phase.AFTER, then=Value(1)),
    default=Value(2),
)


def goal_rows(responses: QuerySet[Response]) -> QuerySet[GoalRating]:
    """Every rating of people's own goals in the submitted responses among `responses` (the
    caller's scope), each a dict of GOAL_COLUMNS, ordered by pseudonym, questionnaire, goal and
    time. One query. People without a code in the programme (erased) are left out."""
    pseudonym = _pseudonym()
    let_see = Q(goal__response__goals_shared__in=[GoalsShared.WITHOUT_NAME, GoalsShared.WITH_NAME])
    return (
        GoalRating.objects.filter(
            response__in=responses.order_by().values("pk"),
            response__status=Response.Status.SUBMITTED,
        )
        .filter(Exists(pseudonym))
        .annotate(
            pseudonym=Subquery(pseudonym[:1]),
            instrument_slug=F("response__administration__version__instrument__slug"),
            version_number=F("response__administration__version__number"),
            phase=F("response__administration__phase"),
            months=F("response__administration__months"),
            submitted_at=F("response__submitted_at"),
            goal_number=F("goal__position"),
            # The person's own words leave only with their consent, as written answers do.
            goal_text=Case(When(let_see, then=F("goal__text")), default=Value("")),
            helped_text=Case(When(let_see, then=F("helped")), default=Value("")),
            shared=Case(
                When(let_see, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            generated=F("response__generated"),
            phase_order=_PHASE_ORDER,
        )
        .order_by(
            "pseudonym",
            "instrument_slug",
            "goal__response_id",
            "goal__position",
            "phase_order",
            "response__administration__months",
            "pk",
        )
        .values(*GOAL_COLUMNS)
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
