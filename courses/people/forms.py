"""Forms of the people pages: a person's details, booking them, moving them. Types are checked
here; the rules in `courses.people.services` and `courses.workshops.booking`."""

from django import forms

from cms.models import Audience, ContactChannel
from cms.validation import plain_text, single_line
from courses import errors
from courses.common import wording
from courses.common.forms import access_needs_field, adjustments_field
from courses.models import AccessNeed
from courses.people.services import PersonDetails
from courses.workshops.booking import BookingAnswers

GROUP_CHOICES = [
    (Audience.CONDITION, "They live with a long-term condition"),
    (Audience.PROFESSIONAL, "They work in health or care"),
    (Audience.BOTH, "Both: they live with a long-term condition and work in health or care"),
]
CHANNEL_CHOICES = [
    (ContactChannel.EMAIL, "Email"),
    (ContactChannel.TEXT, "Text message"),
    (ContactChannel.LETTER, "Letter by post"),
]
NEED_CHOICES = [
    (AccessNeed.WHEELCHAIR, "They use a wheelchair"),
    (AccessNeed.HEARING_LOOP, "They need a hearing loop"),
    (AccessNeed.LARGE_PRINT, "They need handouts in large print"),
    (AccessNeed.COMPANION, "Someone is coming with them (a carer or supporter)"),
]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name, email address or mobile number",
        required=False,
        max_length=200,
    )


class PersonForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150, validators=[single_line])
    last_name = forms.CharField(label="Last name", max_length=150, validators=[single_line])
    audience = forms.ChoiceField(
        label="Which group are they in?",
        choices=GROUP_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": errors.PERSON_GROUP_REQUIRED},
    )
    email = forms.EmailField(label="Email address (optional)", required=False, max_length=254)
    mobile = forms.CharField(
        label="Mobile number (optional)",
        required=False,
        max_length=30,
        help_text="For example, 07700 900123.",
    )
    postal_address = forms.CharField(
        label="Postal address (optional)",
        required=False,
        max_length=500,
        validators=[plain_text],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="With the postcode, as it goes on an envelope.",
    )
    contact_by = forms.ChoiceField(
        label="How do they want to be contacted?",
        choices=CHANNEL_CHOICES,
        widget=forms.RadioSelect,
        initial=ContactChannel.TEXT,
    )
    access_needs = access_needs_field(
        label="Do they need anything to take part?",
        help_text="Choose all that apply. Offered again each time you book them.",
        choices=NEED_CHOICES,
    )
    adjustments = adjustments_field(label="Other needs or adjustments (optional)")

    def details(self) -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            audience=data["audience"],
            email=data["email"],
            mobile=data["mobile"],
            postal_address=data["postal_address"],
            contact_by=data["contact_by"],
            access_needs=tuple(data["access_needs"]),
            adjustments=data["adjustments"],
        )

    @classmethod
    def initial_for(cls, person) -> dict:
        record = getattr(person, "staff_record", None)
        return {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "audience": person.audience,
            "email": person.email or "",
            "mobile": person.mobile or "",
            "postal_address": person.postal_address or "",
            "contact_by": person.contact_by,
            "access_needs": record.access_needs if record else [],
            "adjustments": record.adjustments if record else "",
        }


class StaffBookingForm(forms.Form):
    """The booking questions, answered by staff on the person's behalf."""

    run = forms.TypedChoiceField(
        label="Which course?",
        coerce=int,
        choices=(),
        widget=forms.RadioSelect,
        error_messages={
            "required": errors.PERSON_RUN_REQUIRED,
            "invalid_choice": errors.PERSON_RUN_REQUIRED,
        },
    )
    access_needs = access_needs_field(
        label="Do they need anything to take part?",
        help_text="Choose all that apply. Only the course's tutors and organisers see this.",
        choices=NEED_CHOICES,
    )
    adjustments = adjustments_field(label="Anything else we should know or arrange? (optional)")
    agreed_to_terms = forms.BooleanField(
        label="I have read them the booking terms and they agree",
        error_messages={"required": errors.PERSON_TERMS_NOT_READ},
    )

    def __init__(self, *args, runs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["run"].choices = [(run.pk, run_choice_label(run)) for run in runs]

    def answers(self) -> BookingAnswers:
        data = self.cleaned_data
        return BookingAnswers(
            agreed_to_terms=data["agreed_to_terms"],
            access_needs=tuple(data["access_needs"]),
            adjustments=data["adjustments"],
        )


class MoveForm(forms.Form):
    run = forms.TypedChoiceField(
        label="Which course should they move to?",
        coerce=int,
        choices=(),
        widget=forms.RadioSelect,
        error_messages={
            "required": errors.PERSON_MOVE_RUN_REQUIRED,
            "invalid_choice": errors.PERSON_MOVE_RUN_REQUIRED,
        },
    )

    def __init__(self, *args, runs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["run"].choices = [(run.pk, run_choice_label(run)) for run in runs]


def run_choice_label(run) -> str:
    when = wording.date_span(run.first_start, run.last_end) if run.first_start else "no dates"
    if run.places_left > 0:
        places = f"{run.places_left} place{'' if run.places_left == 1 else 's'} left out of {run.capacity}"
    else:
        places = f"full ({run.capacity} places): they would join the waiting list"
    return f"{run.title}, {when}, at {run.venue.name}: {places}"
