"""What any value a person types must be, whichever form or service it reaches.

Model fields carry these validators, so a ModelForm (the admin) and a service's `full_clean()`
both refuse the same things with the same words; plain forms add them to their fields.
"""

import re
import unicodedata
from datetime import date

from django import forms
from django.core.exceptions import ValidationError

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
DATE_OUT_OF_RANGE = "Enter a date between 2000 and 2100."
CONTROL_CHARACTERS = (
    "Remove the line break or other control character: this must be a single line of text."
)
CONTROL_CHARACTERS_IN_TEXT = "Remove the control character (an invisible character) from the text."
NOT_A_WHOLE_NUMBER = "Enter a whole number using the digits 0 to 9."
PHONE_CHARACTERS = (
    "Enter a phone number using only the digits 0 to 9, spaces, + and brackets, like 01632 960 123."
)
PHONE_LENGTH = "Enter a phone number with between {low} and {high} digits."
PHONE_DIGITS = (7, 15)  # the shortest UK numbers with a code; the longest international numbers
FIRST_NAME_REQUIRED = "Enter your first name."
LAST_NAME_REQUIRED = "Enter your last name."
AUDIENCE_REQUIRED = "Choose which of these describes you."

# The line breaks and tab a paragraph may hold; every other control character is refused.
ALLOWED_IN_TEXT = {"\n", "\r", "\t"}


def plausible_date(value: date) -> None:
    """A date a programme could mean: no year 1, no year 9999."""
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(DATE_OUT_OF_RANGE, code="date_out_of_range")


def _controls(value: str) -> set[str]:
    return {char for char in str(value) if unicodedata.category(char) in {"Cc", "Cf"}}


def single_line(value: str) -> None:
    """A title or a name: it reaches email subjects, calendar summaries and file names."""
    if _controls(value):
        raise ValidationError(CONTROL_CHARACTERS, code="control_characters")


def plain_text(value: str) -> None:
    """A paragraph: line breaks and tabs are fine, other control characters are not."""
    if _controls(value) - ALLOWED_IN_TEXT:
        raise ValidationError(CONTROL_CHARACTERS_IN_TEXT, code="control_characters")


PHONE_NUMBER = re.compile(r"[0-9 +()]*")


def phone_number(value: str) -> None:
    """A phone number people can dial from a page (a tel: link) or read out: digits, spaces, +
    and brackets only, with a plausible number of digits."""
    if not value:
        return
    if not PHONE_NUMBER.fullmatch(value):
        raise ValidationError(PHONE_CHARACTERS, code="phone_characters")
    low, high = PHONE_DIGITS
    if not low <= sum(char.isdigit() for char in value) <= high:
        raise ValidationError(PHONE_LENGTH.format(low=low, high=high), code="phone_length")


ASCII_WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*")


class WholeNumberField(forms.IntegerField):
    """An IntegerField that takes only the digits 0 to 9 (Python's int() also reads full-width
    and other scripts' digits, which people do not mean and other systems do not read back)."""

    default_error_messages = {"invalid": NOT_A_WHOLE_NUMBER}

    def to_python(self, value):
        if value not in self.empty_values and not ASCII_WHOLE_NUMBER.fullmatch(str(value)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


MOBILE_INVALID = (
    "Enter a UK mobile number, like 07700 900123, or an international one starting with +, "
    "like +353 85 123 4567."
)
MOBILE_SEPARATORS = re.compile(r"[ ()\-.]")


def normalise_mobile(value: str) -> str:
    """A mobile number in the one form we keep and text (E.164: +447700900123), from the ways
    people write it: 07700 900123, +44 (0)7700-900123, 0044 7700 900123. Empty stays empty.
    Raises ValidationError for anything that is not a mobile number."""
    text = (value or "").strip()
    if not text:
        return ""
    text = MOBILE_SEPARATORS.sub("", text.replace("(0)", ""))
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("07") and len(text) == 11 and text.isdigit():
        text = "+44" + text[1:]
    if not (text.startswith("+") and text[1:].isdigit()):
        raise ValidationError(MOBILE_INVALID, code="mobile_invalid")
    if text.startswith("+44"):
        # A UK mobile: +44 7 and nine more digits.
        if not (len(text) == 13 and text[3] == "7"):
            raise ValidationError(MOBILE_INVALID, code="mobile_invalid")
    elif not 8 <= len(text) - 1 <= 15:
        raise ValidationError(MOBILE_INVALID, code="mobile_invalid")
    return text


def mobile_number(value: str) -> None:
    """A validator: the value is a mobile number `normalise_mobile` keeps as it is."""
    if value and normalise_mobile(value) != value:
        raise ValidationError(MOBILE_INVALID, code="mobile_invalid")
