"""The day field and the first-and-last-day check that every dated form shares."""

from datetime import date

import pytest
from django import forms

from cms.validation import DATE_OUT_OF_RANGE
from courses import errors
from courses.common.forms import DayField, PeriodForm, parse_day


class Period(PeriodForm):
    first_day = DayField(required=False)
    last_day = DayField(required=False)


class Submitted(PeriodForm):
    period_fields = ("sent_from", "sent_until")
    sent_from = DayField(required=False)
    sent_until = DayField(required=False)


@pytest.mark.parametrize("typed", ["27/11/2026", "2026-11-27", " 27/11/2026 "])
def test_a_day_is_read_as_people_and_browsers_write_it(typed):
    assert DayField().clean(typed) == date(2026, 11, 27)
    assert parse_day(typed) == date(2026, 11, 27)


@pytest.mark.parametrize("typed", ["27.11.2026", "November 27", "31/02/2027", "27/11"])
def test_anything_else_is_not_a_day(typed):
    with pytest.raises(forms.ValidationError):
        DayField().clean(typed)
    assert parse_day(typed) is None


@pytest.mark.parametrize("typed", ["31/12/1999", "1/1/2101"])
def test_a_day_outside_2000_to_2100_is_refused_with_the_shared_message(typed):
    with pytest.raises(forms.ValidationError) as refused:
        DayField().clean(typed)

    assert refused.value.messages == [DATE_OUT_OF_RANGE]


def test_a_last_day_before_the_first_is_refused_on_the_last_day():
    form = Period({"first_day": "10/03/2027", "last_day": "01/03/2027"})

    assert not form.is_valid()
    assert form.errors == {"last_day": [errors.DATES_REVERSED]}


@pytest.mark.parametrize(
    ("first", "last"), [("01/03/2027", "01/03/2027"), ("01/03/2027", ""), ("", "01/03/2027")]
)
def test_one_day_or_an_open_end_is_a_period(first, last):
    assert Period({"first_day": first, "last_day": last}).is_valid()


def test_a_form_names_its_own_period_fields():
    form = Submitted({"sent_from": "2026-09-02", "sent_until": "2026-09-01"})

    assert not form.is_valid()
    assert form.errors == {"sent_until": [errors.DATES_REVERSED]}
