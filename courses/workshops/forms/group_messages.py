"""The form of a message to a run's group."""

from django import forms

from cms.validation import plain_text, single_line
from courses import errors
from courses.models import RunMessage
from courses.models.group_messages import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH


class GroupMessageForm(forms.Form):
    audience = forms.ChoiceField(
        label="Who is it for?",
        choices=RunMessage.Audience.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": errors.GROUP_MESSAGE_AUDIENCE_REQUIRED,
            "invalid_choice": errors.GROUP_MESSAGE_AUDIENCE_REQUIRED,
        },
    )
    subject = forms.CharField(
        label="Subject",
        max_length=SUBJECT_MAX_LENGTH,
        validators=[single_line],
        help_text=f"One line, up to {SUBJECT_MAX_LENGTH} characters, like: Room change for "
        "session 3.",
        error_messages={
            "required": errors.GROUP_MESSAGE_SUBJECT_REQUIRED,
            "max_length": errors.GROUP_MESSAGE_SUBJECT_TOO_LONG.format(
                limit=SUBJECT_MAX_LENGTH, length="%(show_value)d"
            ),
        },
    )
    body = forms.CharField(
        label="Message",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        validators=[plain_text],
        help_text=f"Plain text, up to {BODY_MAX_LENGTH:,} characters. People who want text "
        "messages get the start of it with a link to the course page; people who want post get "
        "it all in a letter.",
        error_messages={
            "required": errors.GROUP_MESSAGE_BODY_REQUIRED,
            "max_length": errors.GROUP_MESSAGE_BODY_TOO_LONG.format(
                limit=f"{BODY_MAX_LENGTH:,}", length="%(show_value)d"
            ),
        },
    )
