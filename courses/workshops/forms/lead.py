"""Forms of the leads' run pages: a new run, its tutors, cover and cancelling."""

from django import forms

from cms.forms import RowChoiceField
from cms.validation import WholeNumberField, plausible_date, single_line
from courses.common.forms import DateInputField, name_the_field, parse_day
from courses.models import Weekday


class RunForm(forms.Form):
    """A new course run. Types are checked here; the scheduling rules in `scheduling.run_create`."""

    programme = RowChoiceField(queryset=None, label="Programme", empty_label=None)
    venue = RowChoiceField(queryset=None, label="Venue", empty_label=None)
    title = forms.CharField(
        label="Name of the run",
        max_length=200,
        validators=[single_line],
        help_text=(
            "What trainees see, for example Moving on Together, Riverside Library, Tuesday "
            "mornings. The dates are shown beside it."
        ),
    )
    first_date = DateInputField(
        what="start date",
        label="Start date",
        help_text="The first session is on the day of the week you choose below, on or after "
        "this date. For example, 12 1 2027.",
    )
    weekday = forms.TypedChoiceField(label="Day of the week", coerce=int, choices=())
    start_time = forms.TimeField(
        label="Start time",
        input_formats=["%H:%M", "%H.%M"],
        help_text="24-hour clock, for example 10:00.",
    )
    session_minutes = WholeNumberField(
        label="Length of each session in minutes", min_value=1, max_value=600, initial=180
    )
    session_count = WholeNumberField(
        label="Number of sessions", min_value=1, max_value=20, initial=7
    )
    capacity = WholeNumberField(
        label="Places",
        min_value=1,
        max_value=200,
        initial=15,
        help_text="Patient groups are usually 8 to 15. More people join the waiting list.",
    )
    minimum_group = WholeNumberField(
        label="Smallest group that can run", min_value=1, max_value=200, initial=8
    )
    completion_sessions = WholeNumberField(
        label="Sessions a trainee must attend to complete", min_value=1, max_value=20, initial=5
    )
    reminder_days = forms.CharField(
        label="Reminder emails, in days before each session",
        max_length=40,
        required=False,
        initial="7,1",
        help_text="For example 7,1 sends a reminder a week before and the day before. Leave empty for none.",
    )
    offer_hours = WholeNumberField(
        label="Hours to answer an offer of a place",
        min_value=1,
        max_value=336,
        initial=48,
        help_text=(
            "When a place comes up, the first person on the waiting list is offered it and has "
            "this long to accept, for example 48 for 2 days. Then it is offered to the next "
            "person. Offers always end an hour before the first session, and in the last day "
            "a place is offered to everyone waiting at once."
        ),
    )
    closed_dates = forms.CharField(
        label="Dates with no session",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One date per line, for example 29/12/2026. The course then runs a week later. "
        "Public holidays and the site's closed days are always skipped.",
    )

    # What each field is called in its messages, and what to say when it is left empty.
    REQUIRED = {
        "programme": ("Programme", "Choose a programme"),
        "venue": ("Venue", "Choose a venue"),
        "title": ("Name of the run", "Enter a name for the run"),
        "weekday": ("Day of the week", "Choose the day of the week"),
        "start_time": ("Start time", "Enter the start time, like 10:00"),
        "session_minutes": ("Length of each session", "Enter the length of each session"),
        "session_count": ("Number of sessions", "Enter the number of sessions"),
        "capacity": ("Places", "Enter the number of places"),
        "minimum_group": (
            "Smallest group that can run",
            "Enter the smallest group that can run",
        ),
        "completion_sessions": (
            "Sessions a trainee must attend",
            "Enter how many sessions a trainee must attend to complete",
        ),
        "offer_hours": (
            "Hours to answer an offer",
            "Enter the hours people have to answer an offer of a place",
        ),
    }

    def __init__(self, *args, programmes, venues, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["venue"].queryset = venues
        self.fields["weekday"].choices = Weekday.choices
        for name, (subject, required) in self.REQUIRED.items():
            name_the_field(self.fields[name], subject, required=required)

    def clean_closed_dates(self):

        found = []
        for line in self.cleaned_data["closed_dates"].split():
            day = parse_day(line)
            if day is None:
                raise forms.ValidationError(
                    f"“{line[:20]}” is not a date. Write dates like 29/12/2026, one per line."
                )
            plausible_date(day)
            found.append(day)
        return found


class SessionTutorsForm(forms.Form):
    lay_tutor = forms.TypedChoiceField(
        label="Lay tutor", coerce=int, required=False, empty_value=None
    )
    clinical_tutor = forms.TypedChoiceField(
        label="Clinical tutor", coerce=int, required=False, empty_value=None
    )
    override_reason = forms.CharField(
        label="Reason for overriding availability or the monthly cap (if needed)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only needed when you choose someone outside their usual availability or over "
        "their monthly cap. The reason is recorded.",
    )

    def __init__(self, *args, lay_choices, clinical_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lay_tutor"].choices = [("", "No lay tutor yet"), *lay_choices]
        self.fields["clinical_tutor"].choices = [("", "No clinical tutor yet"), *clinical_choices]


class CoverForm(forms.Form):
    tutor = forms.TypedChoiceField(label="Cover tutor", coerce=int, widget=forms.RadioSelect)
    override_reason = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tutor"].choices = choices


class CancelRunForm(forms.Form):
    reason = forms.CharField(
        label="Why is the run cancelled?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Everyone booked or waiting, the tutors and the site's leads get this in an email.",
    )


class GroupExceptionForm(forms.Form):
    """A lead lets one person book a course meant for the other group."""

    address = forms.CharField(
        label="Their email address or mobile number",
        max_length=254,
        validators=[single_line],
        help_text="For someone added by phone, the mobile number on their record.",
    )
    reason = forms.CharField(
        label="Why they may join",
        max_length=500,
        validators=[single_line],
        help_text="For example: a carer who supports a patient on the course.",
    )
