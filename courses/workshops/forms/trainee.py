"""Forms of the trainees' pages: the booking questions."""

from django import forms

from cms.forms import Checkboxes
from cms.validation import plain_text
from courses import errors
from courses.models import AccessNeed
from courses.workshops.booking import BookingAnswers


class BookingQuestionsForm(forms.Form):
    """What the person needs to take part, and (when booking) the site's booking terms. The
    service checks the answers again; the form gives each its message by the field."""

    access_needs = forms.MultipleChoiceField(
        label="Do you need anything to take part?",
        help_text="Choose all that apply. Only the course's tutors and organisers see this.",
        choices=AccessNeed.choices,
        widget=Checkboxes,
        required=False,
        error_messages={"invalid_choice": errors.ACCESS_NEED_UNKNOWN},
    )
    adjustments = forms.CharField(
        label="Anything else we should know or arrange? (optional)",
        help_text="For example, a quiet space, breaks, or a diet for the refreshments.",
        required=False,
        max_length=1000,
        validators=[plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
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
