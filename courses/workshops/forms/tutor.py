"""Forms of the tutors' pages: the session plan, the register, withdrawing from a session."""

from django import forms

from courses import errors
from courses.models import ActivityLead, Attendance

PLAN_PREFIX = "lead-"
REGISTER_PREFIX = "mark-"


class SessionPlanForm(forms.Form):
    """One radio group per activity: who leads it. Activities left alone keep their lead."""

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in plan["activities"]:
            name = f"{PLAN_PREFIX}{row.activity.id}"
            self.fields[name] = forms.ChoiceField(
                label=row.activity.title,
                choices=ActivityLead.Lead.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=row.lead,
                error_messages={"invalid_choice": errors.PLAN_BAD_LEAD},
                help_text=(
                    f"{row.activity.minutes} minutes. "
                    f"The curriculum suggests: {row.activity.suggested_lead.lower()}."
                ),
            )
            self.rows.append((row, self[name]))

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.leads():
            raise forms.ValidationError(errors.PLAN_NOTHING_CHOSEN)
        return cleaned

    def leads(self) -> dict[str, str]:
        return {
            name.removeprefix(PLAN_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(PLAN_PREFIX) and value
        }


class RegisterForm(forms.Form):
    """One radio group per person booked: present, absent or sent apologies."""

    def __init__(self, *args, register, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for enrolment in register:
            name = f"{REGISTER_PREFIX}{enrolment.pk}"
            trainee = enrolment.trainee
            self.fields[name] = forms.ChoiceField(
                label=trainee.get_full_name() or trainee.email,
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=enrolment.mark,
                help_text=(
                    f"Present at {enrolment.attended} "
                    f"session{'' if enrolment.attended == 1 else 's'} of this course so far."
                ),
                error_messages={"invalid_choice": errors.REGISTER_BAD_MARK},
            )
            self.rows.append((enrolment, self[name]))

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.marks():
            raise forms.ValidationError(errors.REGISTER_NOTHING_MARKED)
        return cleaned

    def marks(self) -> dict[int, str]:
        return {
            int(name.removeprefix(REGISTER_PREFIX)): value
            for name, value in self.cleaned_data.items()
            if name.startswith(REGISTER_PREFIX) and value
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing? (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your programme lead sees this when they find someone to cover.",
    )
