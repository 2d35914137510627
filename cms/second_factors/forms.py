"""allauth's second-factor forms with labels and messages in plain words (MFA_FORMS)."""

from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django import forms
from django.core.exceptions import ValidationError

CODE_LABEL = "Code"
CODE_HINT = "The 6 numbers your authenticator app shows now, or one of your recovery codes."
TOO_MANY_CODES = (
    "You have entered a wrong code too many times. For your security, wait 5 minutes, then try "
    "again with a new code from your authenticator app or one of your recovery codes. If you "
    "have lost both, ask a system administrator to reset your two-step sign-in."
)
WRONG_CODE = (
    "That code is not right. Enter the 6 numbers your authenticator app shows now (each code "
    "works once, for 30 seconds), or one of your recovery codes."
)
REASON_REQUIRED = "Enter why you are resetting this person's two-step sign-in."


class PlainCodeErrors:
    """Wrong codes and the rate limit after five of them, said plainly."""

    def clean_code(self):
        try:
            return super().clean_code()
        except ValidationError as error:
            if error.code in {"too_many_login_attempts", "rate_limited"}:
                raise ValidationError(TOO_MANY_CODES, code="too_many_codes") from error
            if error.code == "incorrect_code":
                raise ValidationError(WRONG_CODE, code="incorrect_code") from error
            raise

    def plain_code_field(self, label=CODE_LABEL, hint=CODE_HINT):
        field = self.fields["code"]
        field.label = label
        field.help_text = hint
        field.widget.attrs.pop("placeholder", None)
        field.widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        )
        field.widget.attrs["class"] = "nhsuk-input nhsuk-input--width-10"


class SignInCodeForm(PlainCodeErrors, AuthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_code_field()


class ConfirmCodeForm(PlainCodeErrors, ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_code_field()


class SetUpAppForm(PlainCodeErrors, ActivateTOTPForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_code_field(
            label="Code from your authenticator app",
            hint="The 6 numbers the app shows now, without spaces.",
        )


class AddSecurityKeyForm(AddWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Name of the key (optional)"
        self.fields["name"].help_text = "For example, Blue key on my keyring."


class RenameSecurityKeyForm(EditWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Name of the key"


class ResetForm(forms.Form):
    """A system administrator's reset of someone's second factors: why, in their words."""

    reason = forms.CharField(
        label="Why are you resetting their two-step sign-in?",
        help_text=(
            "For example: lost their phone, told us by phone on 3 March, identity checked with "
            "their line manager. The person and other system administrators can read this."
        ),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": REASON_REQUIRED},
    )

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise ValidationError(REASON_REQUIRED)
        return reason
