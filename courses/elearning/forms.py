"""Forms of the e-learning pages: joining with an invitation code, making codes, revoking a
certificate."""

from django import forms

from cms.forms import RowChoiceField
from cms.models import ModulePage
from cms.validation import WholeNumberField
from courses.common.forms import DateInputField
from courses.models import Site


class JoinWithCodeForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=30,
        help_text="The code your course organiser gave you, for example K7PM3QXA.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )


class InvitationCodeForm(forms.Form):
    site = RowChoiceField(queryset=Site.objects.none(), label="Site", empty_label=None)
    module = RowChoiceField(
        queryset=ModulePage.objects.none(), label="E-learning module", empty_label=None
    )
    valid_from = DateInputField(
        what="first day it can be used",
        label="First day it can be used",
        required=False,
        help_text="For example, 27 11 2026. Leave empty to start today.",
    )
    valid_until = DateInputField(
        what="last day it can be used",
        label="Last day it can be used",
        required=False,
        help_text="For example, 31 3 2027. Leave empty for no end date.",
    )
    max_uses = WholeNumberField(
        label="How many people can use it",
        required=False,
        min_value=1,
        max_value=10_000,
        help_text="Leave empty for no limit.",
    )

    def __init__(self, *args, sites, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["module"].queryset = modules


class RevokeCertificateForm(forms.Form):
    reason = forms.CharField(
        label="Why is this certificate being revoked?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The holder's tutors and leads can see this reason.",
    )
