from django import forms
from django.forms.renderers import TemplatesSetting

from cms.validation import (
    AUDIENCE_REQUIRED,
    FIRST_NAME_REQUIRED,
    LAST_NAME_REQUIRED,
    single_line,
)


class NHSUKFormRenderer(TemplatesSetting):
    """Every Django form renders in NHS.UK design-system markup: an error summary at the top,
    then each field with its label, hint and error message (templates/forms/)."""

    form_template_name = "forms/nhsuk_form.html"
    field_template_name = "forms/nhsuk_field.html"


BIGGEST_ID = 2**63 - 1


class RowChoiceField(forms.ModelChoiceField):
    """A choice of one row by its id. Anything that cannot be an id (not digits, or larger than
    the database holds) is "not a valid choice" before any query: a forged 20-digit number must
    not reach the database driver, which cannot bind it (SQLite raises OverflowError)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or int(text) > BIGGEST_ID:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(text)


AUDIENCE_WHY = (
    "Some courses are for people living with a long-term condition, others for people who work "
    "in health or care."
)


def audience_field(*, help_text: str = AUDIENCE_WHY) -> forms.ChoiceField:
    """The question "which of these describes you?", asked at sign-up and on the account page."""
    # Late import: allauth loads the sign-up form while the app registry is still filling.
    from cms.models import Audience

    return forms.ChoiceField(
        label="Which of these describes you?",
        help_text=help_text,
        choices=Audience.choices,
        widget=Radios(choices=Audience.choices),
        error_messages={"required": AUDIENCE_REQUIRED},
    )


class NameForm(forms.Form):
    """The name that goes on certificates, asked at sign-up and changed on the account page."""

    first_name = forms.CharField(
        label="First name",
        max_length=150,
        validators=[single_line],
        error_messages={"required": FIRST_NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        validators=[single_line],
        help_text="Your name appears on your certificates.",
        error_messages={"required": LAST_NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )


class AudienceForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"] = audience_field()


class SignupDetailsForm(NameForm):
    """The extra questions on allauth's sign-up form: the name that goes on certificates and
    who the person is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"] = audience_field(
            help_text=f"{AUDIENCE_WHY} You can change this later on your account page."
        )

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.audience = self.cleaned_data["audience"]
        user.save(update_fields=["first_name", "last_name", "audience"])


class FirstOptionTakesTheFieldId:
    """The error summary links to the field's id; the first option carries it, as in the NHS.UK
    design system, so the link lands on the question's first answer."""

    def id_for_label(self, id_, index="0"):
        if index == "0":
            return id_
        return super().id_for_label(id_, index)


class Radios(FirstOptionTakesTheFieldId, forms.RadioSelect):
    pass


class Checkboxes(FirstOptionTakesTheFieldId, forms.CheckboxSelectMultiple):
    pass


class AnswerField(forms.ChoiceField):
    """The options of a one-answer question. Whether an answer is acceptable is decided by the
    service's validation (in the form's clean), so form and service refuse the same answers
    with the same words."""

    def validate(self, value):
        pass
