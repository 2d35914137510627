"""Form fields and checks that several areas' forms share: a day typed as people write it, and a
period whose last day is not before its first."""

from datetime import date, datetime

from django import forms

from cms.validation import plausible_date
from courses import errors

# How people type a day (27/11/2026), and the ISO form browsers and links send (2026-11-27).
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


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
