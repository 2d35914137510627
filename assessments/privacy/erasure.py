"""Reflections' part of erasing a whole person (cms/privacy/erasure.py), and of the retention of
written answers.

The decision, for whole-person erasure and for retention alike: **aggregates survive because the
numbers stay and the words go.** Responses, their rated answers and their scale scores are kept,
still pointing at the (now anonymous) account, so the dashboard's counts and the matched
before/after analysis, which are aggregates over these rows, give the same result before and
after, and on every later recount. The written (free-text) answers are what can identify a
person ("my daughter drove me to the clinic in Ayr"); they are emptied. Pseudonyms are deleted:
a past export's code can no longer be joined to anything, and a later export draws a new one.

This differs from the per-reflection "erase my answers" of the account page
(`responses_erase`), which deletes the responses outright at the person's request and is kept as
it was: there the person chose to take their answers out of the totals."""

from assessments.models import (
    Answer,
    Erasure,
    Goal,
    GoalRating,
    ItemKind,
    KnowledgeCheckAttempt,
    Pseudonym,
    ReflectionReminder,
    Response,
)
from cms.privacy.erasure import ErasurePart


def written_answers(person):
    return Answer.objects.filter(response__respondent=person, item__kind=ItemKind.FREE_TEXT)


def assessments_erase(person) -> dict:
    return {
        "reflection responses kept without identity": Response.objects.filter(
            respondent=person
        ).count(),
        "written answers emptied": written_answers(person).exclude(text="").update(text=""),
        # A goal in the person's own words identifies them as a written answer does; its
        # ratings stay, so the goal figures do not change.
        "goals' words emptied": Goal.objects.filter(response__respondent=person)
        .exclude(text="")
        .update(text=""),
        "what helped emptied": GoalRating.objects.filter(response__respondent=person)
        .exclude(helped="")
        .update(helped=""),
        "pseudonyms": Pseudonym.objects.filter(person=person).delete()[0],
        "reflection reminders": ReflectionReminder.objects.filter(person=person).delete()[0],
        "knowledge check attempts kept without identity": KnowledgeCheckAttempt.objects.filter(
            user=person
        ).count(),
        # The note that they once erased reflections must not lead back to them.
        "reflection erasure notes unlinked": Erasure.objects.filter(person=person).update(
            person=None
        ),
    }


KEPT_ACT = "not personal about them: records a staff member's act; kept"

ASSESSMENTS_FIELDS = {
    "assessments.Response.respondent": "kept without identity; written answers emptied",
    "assessments.Pseudonym.person": "deleted",
    "assessments.ReflectionReminder.person": "deleted",
    "assessments.Erasure.person": "unlinked (set to nobody)",
    "assessments.KnowledgeCheckAttempt.user": "kept without identity (completion counts it)",
    "assessments.ExportLog.exported_by": KEPT_ACT,
    "assessments.InstrumentVersion.created_by": KEPT_ACT,
    "assessments.GoalTheme.created_by": KEPT_ACT,
    "assessments.Response.entered_by": KEPT_ACT,
    "assessments.KnowledgeCheck.locked_by": "not personal: who holds the editing lock; kept",
}


def assessments_erasure_part() -> ErasurePart:
    return ErasurePart(
        name="assessments",
        erase=assessments_erase,
        handles=ASSESSMENTS_FIELDS,
        goes=("the words you wrote in your reflections, your own goals included",),
        stays=(
            "your ratings in reflections and of your goals, without your name, so the before and "
            "after totals do not change",
        ),
    )
