"""StreamField blocks for knowledge checks: a question with its options, each option with feedback.

Their templates show the correct answers, so they are for authors (the admin's block previews)
and must never be rendered on a page a learner sees before submitting: learners' pages render
`selectors.questions_for_display`, which carries no correctness.
"""

from django.db import models
from wagtail import blocks


class QuestionKind(models.TextChoices):
    SINGLE = "single", "One answer"
    MULTIPLE = "multiple", "One or more answers (choose all that apply)"


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=300, label="Answer")
    correct = blocks.BooleanBlock(required=False, help_text="Tick if this answer is right.")
    feedback = blocks.TextBlock(
        rows=2,
        help_text="Shown after the person submits: why this answer is right or not quite right.",
    )

    class Meta:
        icon = "radio-full"
        template = "assessments/blocks/option.html"
        label = "Option"
        preview_value = {
            "text": "Agreeing together at the start what the consultation will cover",
            "correct": True,
            "feedback": "Yes. Agenda setting puts both people's lists on the table first.",
        }


class QuestionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=500, label="Question")
    kind = blocks.ChoiceBlock(
        choices=QuestionKind.choices,
        default=QuestionKind.SINGLE,
        help_text="For one or more answers, say “Choose all that apply” in the question.",
    )
    options = blocks.ListBlock(OptionBlock(), min_num=2, max_num=8)

    class Meta:
        icon = "help"
        template = "assessments/blocks/question.html"
        label = "Question"
        preview_value = {
            "text": "Which of these is agenda setting?",
            "kind": QuestionKind.SINGLE,
            "options": [
                {
                    "text": "Agreeing together at the start what the consultation will cover",
                    "correct": True,
                    "feedback": "Yes. Agenda setting puts both people's lists on the table first.",
                },
                {
                    "text": "Writing a care plan at the end of the consultation",
                    "correct": False,
                    "feedback": "Not quite. A care plan records what was agreed at the end.",
                },
            ],
        }


class QuestionsBlock(blocks.StreamBlock):
    question = QuestionBlock()
