"""The code check that links an organisation's account to an existing account."""

from allauth.account.utils import perform_login
from allauth.socialaccount import app_settings as socialaccount_settings
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cms.sso import linking

CODE_REQUIRED = "Enter the 6-digit code from the email we sent."


class LinkCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="It is in the email we sent. It works for 15 minutes.",
        error_messages={"required": CODE_REQUIRED},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


@require_http_methods(["GET", "POST"])
def link_confirm(request):
    pending = linking.pending_link(request)
    if pending is None:
        messages.error(request, linking.NO_LINK_PENDING)
        return redirect("account_login")
    form = LinkCodeForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            sociallogin, user = linking.sso_link_confirm(
                request=request, code=form.cleaned_data["code"]
            )
        except linking.LinkError as error:
            if error.ends:
                messages.error(request, error.message)
                return redirect("account_login")
            form.add_error("code", error.message)
        else:
            return perform_login(
                request,
                user,
                email_verification=socialaccount_settings.EMAIL_VERIFICATION,
                redirect_url=sociallogin.get_redirect_url(request),
                signal_kwargs={"sociallogin": sociallogin},
            )
    return render(
        request,
        "cms/sso/link_confirm.html",
        {"form": form, "email": pending["email"]},
        status=400 if form.errors else 200,
    )
