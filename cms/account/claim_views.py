"""The pages of claiming an account: the address, the code, the password. Public: they are
for people who cannot sign in yet. The browser keeps which claim it is on in its session."""

from http import HTTPStatus

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cms.account import claim
from cms.account.claim_forms import AddressForm, CodeForm, PasswordForm
from cms.navigation import landing_url_for

SESSION_KEY = "account_claim"
BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
CLAIMED = "Your account is set up and you are signed in."
CLAIMED_CHECK_EMAIL = (
    "Your account is set up and you are signed in. We have emailed {email} a link: open it to "
    "confirm the address is yours, so that you can sign in with it next time."
)


def _signed_in_away(request):
    if request.user.is_authenticated:
        return redirect("account")
    return None


@require_http_methods(["GET", "POST"])
def claim_account(request):
    if away := _signed_in_away(request):
        return away
    form = AddressForm(data=request.POST if request.method == "POST" else None)
    status = HTTPStatus.OK
    if request.method == "POST" and form.is_valid():
        try:
            address = claim.address_parse(form.cleaned_data["address"])
        except claim.ClaimError as error:
            form.add_error("address", str(error))
        else:
            if not ratelimit.consume(request, action="claim_send", key=address.value):
                form.add_error(None, claim.TOO_MANY_REQUESTS)
                status = HTTPStatus.TOO_MANY_REQUESTS
            else:
                started = claim.claim_start(address=address)
                request.session[SESSION_KEY] = {
                    "id": started.pk,
                    "address": form.cleaned_data["address"].strip(),
                    "channel": address.channel,
                }
                return redirect("claim_account_code")
    if form.errors and status == HTTPStatus.OK:
        status = HTTPStatus.BAD_REQUEST
    return render(request, "account/claim.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def claim_account_code(request):
    if away := _signed_in_away(request):
        return away
    started = request.session.get(SESSION_KEY)
    if not started:
        return redirect("claim_account")
    form = CodeForm(data=request.POST if request.method == "POST" else None)
    status = HTTPStatus.OK
    if request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="claim_check"):
            form.add_error(None, claim.TOO_MANY_REQUESTS)
            status = HTTPStatus.TOO_MANY_REQUESTS
        else:
            try:
                claim.claim_check(claim_id=started["id"], code=form.cleaned_data["code"])
            except claim.ClaimError as error:
                form.add_error("code", str(error))
            else:
                return redirect("claim_account_password")
    if form.errors and status == HTTPStatus.OK:
        status = HTTPStatus.BAD_REQUEST
    return render(
        request,
        "account/claim_code.html",
        {
            "form": form,
            "address": started["address"],
            "by_text": started["channel"] == "text",
            "minutes": int(claim.CODE_LIFETIME.total_seconds() // 60),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def claim_account_password(request):
    if away := _signed_in_away(request):
        return away
    started = request.session.get(SESSION_KEY) or {}
    verified = claim.claim_verified(started.get("id"))
    if verified is None:
        if started:
            messages.error(request, claim.CLAIM_START_AGAIN)
        return redirect("claim_account")
    form = PasswordForm(
        data=request.POST if request.method == "POST" else None,
        needs_email=claim.needs_email(verified),
    )
    if request.method == "POST" and form.is_valid():
        try:
            person, to_verify = claim.account_claim(
                claim_id=verified.pk,
                password=form.cleaned_data["password1"],
                email=form.cleaned_data.get("email", ""),
            )
        except claim.ClaimError as error:
            form.add_error(error.field, str(error))
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            request.session.pop(SESSION_KEY, None)
            login(request, person, backend=BACKEND)
            if to_verify is not None:
                to_verify.send_confirmation(request, signup=False)
                messages.success(request, CLAIMED_CHECK_EMAIL.format(email=to_verify.email))
            else:
                messages.success(request, CLAIMED)
            return redirect(landing_url_for(person))
    return render(
        request,
        "account/claim_password.html",
        {"form": form, "person": verified.person},
        status=HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK,
    )
