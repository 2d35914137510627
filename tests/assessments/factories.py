"""Knowledge checks for tests. Questions are StreamField raw data with fresh ids."""

import uuid

import factory

from assessments.models import KnowledgeCheck


def option(text, correct=False, feedback=None):
    return {
        "type": "item",
        "id": str(uuid.uuid4()),
        "value": {"text": text, "correct": correct, "feedback": feedback or f"About {text}."},
    }


def question(text, *options, kind="single"):
    return {
        "type": "question",
        "id": str(uuid.uuid4()),
        "value": {"text": text, "kind": kind, "options": list(options)},
    }


def three_questions():
    return [
        question(
            "Which of these is agenda setting?",
            option("Agreeing what to cover", True, "Yes: both lists on the table first."),
            option("Taking a history", False, "Not quite: that explores one problem."),
            option("Writing a care plan", False, "Not quite: that comes at the end."),
        ),
        question(
            "What is the best first response?",
            option("Explore it at once", False, "Not quite: other concerns may be missed."),
            option("Ask what else", True, "Yes: hear the whole list first."),
        ),
        question(
            "Which are part of agenda setting? Choose all that apply.",
            option("Adding your own items", True, "Yes: the clinician's items count too."),
            option("Prioritising together", True, "Yes: that is the heart of it."),
            option("Strict order of raising", False, "Not quite: order is not importance."),
            kind="multiple",
        ),
    ]


class KnowledgeCheckFactory(factory.django.DjangoModelFactory):
    """Three questions (one answer, one answer, one or more answers); two right to pass.
    Pass `lesson=` a LessonPage."""

    class Meta:
        model = KnowledgeCheck

    title = "Check your understanding"
    pass_mark = 2
    questions = factory.LazyFunction(three_questions)
