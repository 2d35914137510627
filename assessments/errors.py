"""One exception for assessments, and the messages people see (tests import these)."""


class AssessmentError(Exception):
    """A submission or action refused. `errors` maps a question id to the message for that
    question, so a form can show each next to its question; `message` says it all in one."""

    def __init__(self, message, errors=None):
        self.message = message
        self.errors = dict(errors or {})
        super().__init__(message)


ANSWER_MISSING = "Answer question {number}: choose an answer."
ANSWERS_MISSING = "Answer question {number}: choose one or more answers."
ONE_ANSWER_ONLY = "Question {number}: choose only one answer."
NOT_AN_OPTION = "Question {number}: that answer is not one of the options."
NOT_A_QUESTION = "That question is not part of this knowledge check."
ANSWERS_NEED_ATTENTION = "Some answers need attention."
