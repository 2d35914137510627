from django import forms
from django.contrib.auth import get_user_model

CONFIRM_SELF = "I understand that my account will be erased and cannot be brought back"
CONFIRM_STAFF = "I have checked the written request and that this is the person who made it"
NO_SUCH_PERSON = "There is no account with this email address. Check it and try again."


class EraseOwnAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=CONFIRM_SELF,
        error_messages={"required": "Tick the box to say you understand, or go back."},
    )


class ErasePersonForm(forms.Form):
    email = forms.EmailField(label="Email address of the person to erase")
    reason = forms.CharField(
        label="Why",
        max_length=500,
        help_text="For example: written request received 3 March 2027, reference 1234.",
        error_messages={"required": "Say why the account is being erased."},
    )
    confirm = forms.BooleanField(
        label=CONFIRM_STAFF,
        error_messages={"required": "Tick the box to confirm you checked the request."},
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        person = get_user_model().objects.filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError(NO_SUCH_PERSON)
        self.person = person
        return email
