"""Forms of the tutors' pages: the session plan, the register, withdrawing from a session."""

from django import forms

from courses import errors
from courses.models import Attendance

PLAN_PREFIX = "lead-"
REGISTER_PREFIX = "mark-"


class SessionPlanForm(forms.Form):
    """One radio group per activity: who leads it, in the two tutors' names. Activities left
    alone keep their lead. `version` is the plan's version the tutor saw, so a change the
    co-tutor saved meanwhile is not overwritten."""

    version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = plan["version"]
        self.rows = []
        for row in plan["activities"]:
            name = f"{PLAN_PREFIX}{row.activity.id}"
            self.fields[name] = forms.ChoiceField(
                label=f"Who leads {row.activity.title}?",
                choices=plan["lead_choices"],
                widget=forms.RadioSelect,
                required=False,
                initial=row.lead,
                error_messages={"invalid_choice": errors.PLAN_BAD_LEAD},
                help_text=(
                    f"{row.activity.minutes} minutes, "
                    f"{row.starts:%H:%M} to {row.ends:%H:%M}. "
                    f"The curriculum suggests: {row.activity.suggested_lead.lower()}."
                ),
            )
            self.rows.append((row, self[name]))

    def seen_version(self) -> int:
        """The version the page showed; a form without one saw the plan before any change."""
        version = (self.cleaned_data.get("version") or "").strip()
        # Anything but a number counts as having seen no change: any change since is refused.
        return int(version) if version.isdigit() else 0

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


def current_plan_data(plan) -> dict:
    """The plan as it is now, as form data with its version: what a tutor whose change was
    refused sees, to choose again."""
    return {
        "version": plan["version"],
        **{f"{PLAN_PREFIX}{row.activity.id}": row.lead for row in plan["activities"] if row.lead},
    }


class RegisterForm(forms.Form):
    """One radio group per person booked: present, absent or sent apologies, or left not marked.
    With `everyone_present`, everyone not yet marked starts as present, for the tutor to change
    the exceptions before saving."""

    def __init__(self, *args, register, everyone_present=False, **kwargs):
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
                initial=enrolment.mark or (Attendance.Status.PRESENT if everyone_present else None),
                help_text=(
                    ("" if enrolment.mark else "Not marked for this session yet. ")
                    + f"Present at {enrolment.attended} "
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

    def unmarked_rows(self):
        """The people the form leaves not marked, with their field."""
        return [(enrolment, field) for enrolment, field in self.rows if not field.value()]

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
