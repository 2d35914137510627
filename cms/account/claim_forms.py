"""The forms of claiming an account. Each only reads what was typed; the rules are in
cms/account/claim.py."""

from django import forms

from cms.account import claim


class AddressForm(forms.Form):
    address = forms.CharField(
        label="Email address or mobile number",
        help_text="The one the organisers of your course have for you: the one they email or "
        "text you at.",
        max_length=254,
        error_messages={"required": claim.ADDRESS_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        help_text="6 numbers, like 123456.",
        max_length=20,
        error_messages={"required": claim.CODE_REQUIRED},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "nhsuk-input nhsuk-input--width-10",
            }
        ),
    )


class PasswordForm(forms.Form):
    """A new password, typed twice; and an email address when they have none."""

    email = forms.CharField(
        label="Email address",
        help_text="You will sign in with it. We will email you a link to check it is yours.",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label="Password",
        help_text="At least 8 characters. Not a password you use anywhere else.",
        strip=False,
        error_messages={"required": "Enter a password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        error_messages={"required": "Enter the password again."},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, needs_email: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_email:
            del self.fields["email"]

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same. Type it again.")
        return cleaned
