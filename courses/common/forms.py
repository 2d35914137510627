"""Form fields and checks that several areas' forms share: a day typed as people write it, a
date asked as day, month and year (the NHS.UK date input), a period whose last day is not
before its first, and what a person needs to take part (asked of trainees when they book, and of
staff for someone they add or book)."""

from datetime import date, datetime

from django import forms
from django.utils import timezone

from cms.forms import Checkboxes
from cms.validation import EARLIEST, LATEST, plain_text, plausible_date
from courses import errors
from courses.models import AccessNeed

# How people type a day (27/11/2026), and the ISO form browsers and links send (2026-11-27).
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def access_needs_field(*, label: str, help_text: str, choices=AccessNeed.choices):
    """The access needs as checkboxes (`choices` words them for whoever answers)."""
    return forms.MultipleChoiceField(
        label=label,
        help_text=help_text,
        choices=choices,
        widget=Checkboxes,
        required=False,
        error_messages={"invalid_choice": errors.ACCESS_NEED_UNKNOWN},
    )


def adjustments_field(*, label: str, help_text: str = ""):
    """Other needs or adjustments, in the person's own words: plain text, up to 1,000
    characters."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=1000,
        validators=[plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DayField(forms.DateField):
    """A day typed as 27/11/2026 or 2026-11-27, from the year 2000 to 2100."""

    input_formats = DATE_FORMATS
    default_validators = [plausible_date]


def parse_day(text: str) -> date | None:
    """The day `text` names in one of DATE_FORMATS, or None."""
    for date_format in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), date_format).date()
        except ValueError:
            continue
    return None


class PeriodForm(forms.Form):
    """A form with a first and a last day (`period_fields`): the last may not come before the
    first. Subclasses that override clean() call super().clean()."""

    period_fields = ("first_day", "last_day")

    def clean(self):
        cleaned_data = super().clean()
        first_name, last_name = self.period_fields
        first, last = cleaned_data.get(first_name), cleaned_data.get(last_name)
        if first and last and last < first:
            self.add_error(last_name, errors.DATES_REVERSED)
        return cleaned_data


DATE_PARTS = ("day", "month", "year")


class DateInputWidget(forms.MultiWidget):
    """The NHS.UK date input: day, month and year as three boxes of numbers, in a fieldset whose
    legend is the field's label (templates/forms/widgets/date_input.html). The error summary
    links to the day box, which takes the field's id."""

    template_name = "forms/widgets/date_input.html"
    # Read by templates/forms/nhsuk_field.html, which then draws the fieldset.
    is_date_input = True

    def __init__(self, attrs=None):
        box = {"inputmode": "numeric"}
        super().__init__(
            {
                "day": forms.TextInput(attrs=box),
                "month": forms.TextInput(attrs=box),
                "year": forms.TextInput(attrs=box),
            },
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for part, subwidget in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
            box = subwidget["attrs"]
            subwidget["part"] = part
            subwidget["label"] = part.capitalize()
            if "id" in box:
                # The day box keeps the field's own id, so the error summary's link lands on it.
                own = box["id"].rsplit("_", 1)[0]
                box["id"] = own if part == "day" else f"{own}-{part}"
            width = "nhsuk-input--width-4" if part == "year" else "nhsuk-input--width-2"
            # The field template's tag marks a field with errors aria-invalid.
            error = ["nhsuk-input--error"] if box.get("aria-invalid") else []
            box["class"] = " ".join(["nhsuk-input", "nhsuk-date-input__input", width, *error])
            # The fieldset carries the hint and the error for the three boxes together.
            box.pop("aria-describedby", None)
        return context

    def id_for_label(self, id_):
        return id_

    def value_from_datadict(self, data, files, name):
        parts = super().value_from_datadict(data, files, name)
        # A link written as ?first_day=5/1/2027 (or 2027-01-05) still fills the three boxes;
        # one that names no day is not a real date.
        typed = str(data.get(name) or "").strip()
        if not any(parts) and typed:
            day = parse_day(typed)
            if day is None:
                return [typed[:20]] * 3
            return [str(day.day), str(day.month), f"{day.year:04d}"]
        return parts

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


class DateInputField(forms.Field):
    """A date asked as day, month and year. `what` names the date in its messages, as the
    NHS.UK design system asks: "Enter the date of the first session", "Date of the first
    session must include a month", "Date of the first session must be a real date"."""

    widget = DateInputWidget
    # The messages name the field, so the error summary shows them as they are.
    messages_name_the_field = True

    def __init__(self, *, what: str, **kwargs):
        self.what = what
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Enter the {what}")
        super().__init__(**kwargs)

    @property
    def subject(self) -> str:
        return self.what[0].upper() + self.what[1:]

    def to_python(self, value):
        if isinstance(value, date):
            return value
        parts = list(value) if isinstance(value, list | tuple) else [value, None, None]
        parts = [str(part or "").strip() for part in (parts + ["", "", ""])[:3]]
        if not any(parts):
            return None
        missing = [name for name, part in zip(DATE_PARTS, parts, strict=True) if not part]
        if missing:
            raise forms.ValidationError(
                f"{self.subject} must include a {' and '.join(missing)}", code="incomplete"
            )
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise forms.ValidationError(f"{self.subject} must be a real date", code="invalid")
        day, month, year = parts
        if len(year) != 4:
            raise forms.ValidationError(
                f"{self.subject} must have a year of 4 numbers, like {timezone.localdate().year}",
                code="invalid_year",
            )
        try:
            found = date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(
                f"{self.subject} must be a real date", code="invalid"
            ) from None
        if not EARLIEST <= found <= LATEST:
            raise forms.ValidationError(
                f"{self.subject} must be between {EARLIEST.year} and {LATEST.year}",
                code="date_out_of_range",
            )
        return found

    def bound_data(self, data, initial):
        return data

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except forms.ValidationError:
            return True


def name_the_field(field: forms.Field, subject: str, *, required: str) -> forms.Field:
    """Give `field` messages that say which field they are about (`subject`, like "Places"), as
    the NHS.UK error summary needs: "Places must be between 1 and 200". The error summary then
    shows them as they are."""
    messages = {"required": required}
    if isinstance(field, forms.IntegerField):
        low, high = field.min_value, field.max_value
        messages["invalid"] = f"{subject} must be a whole number, like {field.initial or low}"
        if low is not None and high is not None:
            messages["min_value"] = messages["max_value"] = (
                f"{subject} must be between {low} and {high}"
            )
    if isinstance(field, forms.ChoiceField):
        messages["invalid_choice"] = f"{subject}: choose one of the options"
    if isinstance(field, forms.CharField) and field.max_length:
        messages["max_length"] = f"{subject} must be {field.max_length} characters or fewer"
    if isinstance(field, forms.TimeField):
        messages["invalid"] = f"{subject} must be a time on the 24-hour clock, like 10:00"
    field.error_messages.update(messages)
    field.messages_name_the_field = True
    return field
