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

# --- before-and-after reflections ---------------------------------------------------------------
# A question is named as people see it: its number in the form ("question 3").

NOT_YOURS = "This reflection is not one of yours."
NOT_OPEN_YET = "This reflection opens on {date}. You can answer it from then."
CLOSED = "This reflection closed on {date}, so answers can no longer be sent."
ALREADY_SUBMITTED = (
    "You have already sent your answers to this reflection. You can read them, but not change them."
)
NOT_AN_ITEM = "One of the answers sent is not for a question in this reflection."
OUT_OF_RANGE = "Question {number}: choose one of the points shown."
NOT_A_CHOICE = "Question {number}: choose one of the answers shown."
ONE_VALUE_ONLY = "Question {number}: give one answer only."
TOO_LONG = "Question {number}: write {limit} characters or fewer (you wrote {length})."
REQUIRED = "Answer question {number}: choose one of the points shown."
REQUIRED_CHOICE = "Answer question {number}: choose an answer."
REQUIRED_WRITTEN = "Answer question {number}: write your answer."
CONSENT_REQUIRED = "Choose whether your tutors may read your written answers, without your name."
RESPONSE_BUSY = "We could not save your answers just now. Please try again."
