"""Forms of the trainees' pages: the booking questions."""

from django import forms

from courses import errors
from courses.common.forms import access_needs_field, adjustments_field
from courses.workshops.booking import BookingAnswers


class BookingQuestionsForm(forms.Form):
    """What the person needs to take part, and (when booking) the site's booking terms. The
    service checks the answers again; the form gives each its message by the field."""

    access_needs = access_needs_field(
        label="Do you need anything to take part?",
        help_text="Choose all that apply. Only the course's tutors and organisers see this.",
    )
    adjustments = adjustments_field(
        label="Anything else we should know or arrange? (optional)",
        help_text="For example, a quiet space, breaks, or a diet for the refreshments.",
    )
    agreed_to_terms = forms.BooleanField(
        label="I agree to the booking terms",
        error_messages={"required": errors.TERMS_NOT_AGREED},
    )

    def __init__(self, *args, booking: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not booking:
            del self.fields["agreed_to_terms"]

    def answers(self) -> BookingAnswers:
        data = self.cleaned_data
        return BookingAnswers(
            agreed_to_terms=data.get("agreed_to_terms", False),
            access_needs=tuple(data["access_needs"]),
            adjustments=data["adjustments"],
        )
