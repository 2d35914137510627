from django import forms

from cms.privacy.services import RECEIVED_ON_REQUIRED, REFERENCE_REQUIRED
from cms.validation import single_line
from courses import errors
from courses.common.forms import DateInputField


class WrittenRequestForm(forms.Form):
    """Whose data, and the written request it answers: both are recorded with the copy."""

    email = forms.EmailField(
        label="Email address of the person",
        help_text="The address they sign in with.",
        error_messages={
            "required": errors.REQUEST_EMAIL_REQUIRED,
            "invalid": errors.REQUEST_EMAIL_INVALID,
        },
    )
    reference = forms.CharField(
        label="Reference of the written request",
        help_text="As your organisation logged the request, like SAR-2026-014.",
        max_length=100,
        validators=[single_line],
        error_messages={
            "required": REFERENCE_REQUIRED,
            "max_length": errors.REQUEST_REFERENCE_TOO_LONG,
        },
    )
    request_received_on = DateInputField(
        what="date the written request was received",
        label="Date the written request was received",
        help_text="For example, 15 11 2026",
        error_messages={"required": RECEIVED_ON_REQUIRED},
    )

    # The email and reference messages say which field they are about.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("email", "reference"):
            self.fields[name].messages_name_the_field = True
