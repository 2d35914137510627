"""The day field, the NHS.UK date input, the first-and-last-day check that every dated form
shares, and the error summary that names each field."""

from datetime import date

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import timezone
from hypothesis import given

from cms.validation import DATE_OUT_OF_RANGE
from courses import errors
from courses.common.forms import DateInputField, DayField, PeriodForm, name_the_field, parse_day
from tests.strategies import typed_text


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


# --- the NHS.UK date input: day, month and year ----------------------------------------------


class FirstSession(forms.Form):
    first_session = DateInputField(what="date of the first session", label="First session")
    # A field with Django's own messages: the error summary names it by its label.
    places = forms.IntegerField(label="Places", min_value=1)


def typed(day="", month="", year="", **other):
    return {
        "first_session_day": day,
        "first_session_month": month,
        "first_session_year": year,
        "places": "10",
        **other,
    }


@pytest.mark.parametrize(
    ("day", "month", "year"), [("5", "3", "2027"), ("05", "03", "2027"), (" 5 ", "3 ", " 2027")]
)
def test_the_date_input_reads_day_month_and_year(day, month, year):
    form = FirstSession(typed(day, month, year))

    assert form.is_valid()
    assert form.cleaned_data["first_session"] == date(2027, 3, 5)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "", ""), "Enter the date of the first session"),
        (("5", "", "2027"), "Date of the first session must include a month"),
        (("", "3", "2027"), "Date of the first session must include a day"),
        (("5", "3", ""), "Date of the first session must include a year"),
        (("5", "", ""), "Date of the first session must include a month and year"),
        (("31", "2", "2027"), "Date of the first session must be a real date"),
        (("5", "13", "2027"), "Date of the first session must be a real date"),
        (("5", "March", "2027"), "Date of the first session must be a real date"),
        (("٥", "3", "2027"), "Date of the first session must be a real date"),
        (("5", "3", "27"), "Date of the first session must have a year of 4 numbers, like "),
        (("5", "3", "1999"), "Date of the first session must be between 2000 and 2100"),
    ],
)
def test_the_date_input_says_what_is_wrong_and_names_the_date(parts, message):
    form = FirstSession(typed(*parts))

    assert not form.is_valid()
    [found] = form.errors["first_session"]
    assert found == message or found == f"{message}{timezone.localdate().year}"


def test_the_date_input_also_reads_one_typed_date_as_old_links_send_it():
    form = FirstSession({"first_session": "5/3/2027", "places": "10"})

    assert form.is_valid()
    assert form.cleaned_data["first_session"] == date(2027, 3, 5)


@pytest.mark.parametrize("typed", ["31/02/2027", "tomorrow"])
def test_one_typed_value_that_is_no_date_is_not_a_real_date(typed):
    form = FirstSession({"first_session": typed, "places": "10"})

    assert form.errors["first_session"] == ["Date of the first session must be a real date"]


@given(day=typed_text(max_size=4), month=typed_text(max_size=4), year=typed_text(max_size=6))
def test_the_date_input_never_fails_on_anything_typed(day, month, year):
    form = FirstSession(typed(day, month, year))

    if form.is_valid():
        found = form.cleaned_data["first_session"]
        assert (found.day, found.month, found.year) == (int(day), int(month), int(year))
    else:
        [message] = form.errors["first_session"]
        assert "the first session" in message.lower()


def test_the_date_input_is_three_labelled_boxes_in_a_fieldset():
    form = FirstSession(initial={"first_session": date(2027, 3, 5)})

    html = str(form["first_session"].as_field_group())

    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">First session' in html
    assert 'class="nhsuk-date-input"' in html
    for part, value, width in (("day", 5, 2), ("month", 3, 2), ("year", 2027, 4)):
        box_id = "id_first_session" if part == "day" else f"id_first_session-{part}"
        assert f'<label class="nhsuk-label nhsuk-date-input__label" for="{box_id}">' in html
        assert f'name="first_session_{part}"' in html
        assert f'value="{value}"' in html
        assert f"nhsuk-date-input__input nhsuk-input--width-{width}" in html


def test_the_boxes_of_a_wrong_date_are_marked_and_the_fieldset_reads_the_error():
    form = FirstSession(typed("31", "2", "2027"))
    form.is_valid()

    html = str(form["first_session"].as_field_group())

    assert html.count("nhsuk-input--error") == 3
    assert 'aria-describedby=" id_first_session-error"' in html
    assert "Date of the first session must be a real date</span>" in html


def test_the_error_summary_names_each_field_and_links_to_it():
    form = FirstSession(typed("5", "", "2027", places="0"))
    form.is_valid()

    html = render_to_string("forms/error_summary.html", {"form": form})

    # The date's messages name it already; a field with Django's own messages gets its label.
    assert '<a href="#id_first_session">Date of the first session must include a month</a>' in html
    assert (
        '<a href="#id_places">Places: Ensure this value is greater than or equal to 1.</a>' in html
    )


def test_a_field_given_named_messages_shows_them_as_they_are():
    field = name_the_field(
        forms.IntegerField(min_value=1, max_value=40), "Capacity", required="Enter the capacity"
    )

    with pytest.raises(forms.ValidationError) as refused:
        field.clean("41")
    assert refused.value.messages == ["Capacity must be between 1 and 40"]
    with pytest.raises(forms.ValidationError) as empty:
        field.clean("")
    assert empty.value.messages == ["Enter the capacity"]
    assert field.messages_name_the_field
