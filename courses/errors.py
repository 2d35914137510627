"""One exception for course delivery, and the messages people see (tests import these)."""


class CoursesError(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(message)


NOT_ELEARNING = "This module is taught in workshops, not as e-learning."
NOT_PUBLISHED = "This module is not available yet."
ALREADY_ENROLLED = "You are already enrolled on this module."
CODE_UNKNOWN = "We do not recognise that invitation code. Check it and try again."
CODE_NOT_YET = "That invitation code cannot be used until {date}."
CODE_EXPIRED = "That invitation code expired on {date}. Ask your course organiser for a new one."
CODE_USED_UP = "That invitation code has been used as many times as allowed. Ask your course organiser for a new one."
NOT_ENROLLED = "You are not enrolled on this module."
WITHDRAWN = "You have withdrawn from this module. Enrol again to carry on."
LESSON_NOT_IN_MODULE = "That lesson is not part of this module."
CHECK_NOT_PASSED = (
    "Pass the knowledge check at the end of this lesson before you mark it as finished."
)
DATES_REVERSED = "The last day must be on or after the first day."
CERTIFICATE_ALREADY_REVOKED = "This certificate has already been revoked."
REVOKE_REASON_REQUIRED = "Say why the certificate is being revoked."
