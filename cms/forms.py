from django import forms
from django.forms.renderers import TemplatesSetting

from cms.validation import single_line


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


class SignupDetailsForm(forms.Form):
    """The extra questions on allauth's sign-up form: the name that goes on certificates."""

    first_name = forms.CharField(
        label="First name",
        max_length=150,
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        validators=[single_line],
        help_text="Your name appears on your certificates.",
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    audience = forms.ChoiceField(
        label="Which of these describes you?",
        help_text="Some courses are for people living with a long-term condition, others for "
        "people who work in health or care. You can change this later on your account page.",
        error_messages={"required": "Choose which of these describes you."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Late import: allauth loads this form while the app registry is still filling.
        from cms.models import Audience

        self.fields["audience"].choices = Audience.choices
        self.fields["audience"].widget = Radios(choices=Audience.choices)

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
