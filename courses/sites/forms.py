"""Forms of the site pages: a site's contact details, a trainee's message to the organisers."""

from django import forms

from cms.validation import plain_text
from courses import errors
from courses.models import OrganiserMessage, Site
from courses.models.sites import MESSAGE_MAX_LENGTH


class SiteContactForm(forms.ModelForm):
    """The model's validators (phone characters and digits, email, one line) apply here."""

    class Meta:
        model = Site
        fields = ["contact_phone", "contact_email", "opening_hours"]
        labels = {
            "contact_phone": "Phone number",
            "contact_email": "Email address",
            "opening_hours": "When someone answers",
        }
        help_texts = {
            "contact_phone": "The number trainees call about a course, like 01632 960 123.",
            "contact_email": "The address trainees write to, like courses@example.org.",
            "opening_hours": "Like: Monday to Friday, 9am to 5pm. Leave empty if you do not "
            "want to say.",
        }


class OrganiserMessageForm(forms.Form):
    topic = forms.ChoiceField(
        label="What is your message about?",
        choices=OrganiserMessage.Topic.choices,
        widget=forms.RadioSelect,
        error_messages={"required": errors.MESSAGE_TOPIC, "invalid_choice": errors.MESSAGE_TOPIC},
    )
    body = forms.CharField(
        label="Your message",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[plain_text],
        help_text=f"Up to {MESSAGE_MAX_LENGTH:,} characters. Include only what the organisers "
        "need to know.",
        error_messages={
            "required": errors.MESSAGE_EMPTY,
            "max_length": f"Your message must be {MESSAGE_MAX_LENGTH:,} characters or fewer "
            "(it has %(show_value)d).",
        },
    )
