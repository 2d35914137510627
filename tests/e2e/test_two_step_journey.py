"""Two-step sign-in, the way a programme lead meets it, on a phone (375 px).

Against the demo site: other.lead@ (a programme lead with no second factor yet) signs in with
their password and is sent to set one up instead of their sites, with the reason; opens the
programme dashboard and is sent back; sets up an authenticator app (confirming the password,
scanning, or here typing, the key, entering the code the app shows), is given recovery codes,
and reaches the dashboard. They sign out, sign in again and are asked for a code; a wrong one is
refused plainly, the right one lets them in. Last, they stop using the app, so the demo is left as
it was. A security key is added and used (Chromium's virtual authenticator). Every page is checked
with axe-core and photographed (the journey's); the security-key pages also run under the site's
real Content-Security-Policy, loading allauth's static JavaScript.
"""

import re

import pytest
from playwright.sync_api import expect

from .test_journeys import (
    DEMO_TOTP_SECRET,
    check,
    enter_code,
    header_nav,
    sign_in,
    sign_out,
    totp_now,
)

pytestmark = pytest.mark.e2e

LEAD = "other.lead@example.com"
PHONE = {"width": 375, "height": 812}


def fits(page):
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide at {inner} px"


def test_a_lead_sets_up_an_authenticator_app_then_signs_in_with_a_code(
    new_page, screenshot, base_url, demo_password
):
    page = new_page(viewport=PHONE)

    # 1. The password alone: sent to set up a second factor, and told why.
    sign_in(page, LEAD, demo_password)
    expect(page).to_have_url(f"{base_url}/accounts/2fa/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    expect(page.get_by_text("Set up two-step sign-in before you go on.")).to_be_visible()
    fits(page)
    check(page, screenshot, "sent-to-set-up")

    # 2. The dashboard is not open to them yet.
    page.goto("/programme/")
    expect(page).to_have_url(f"{base_url}/accounts/2fa/")

    # 3. Set up the authenticator app: confirm the password, type the key, enter the code.
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    check(page, screenshot, "confirm-password")
    page.get_by_label("Password", exact=True).fill(demo_password)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    fits(page)
    check(page, screenshot, "set-up-app")
    secret = page.get_by_label(re.compile("Type this key into the app")).input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Set up").click()
    expect(page.locator(".nhsuk-error-message")).to_contain_text("That code is not right.")
    check(page, screenshot, "set-up-wrong-code")
    page.get_by_label("Code from your authenticator app").fill(totp_now(LEAD, secret))
    page.get_by_role("button", name="Set up").click()

    # 4. Recovery codes, then the dashboard.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10 and all(re.fullmatch(r"\d{8}", code) for code in codes)
    fits(page)
    check(page, screenshot, "recovery-codes")
    page.goto("/programme/")
    expect(page).to_have_url(f"{base_url}/programme/")
    expect(page.get_by_role("heading", level=1)).to_have_text("How the programme is doing")

    # 5. The account page says it is on.
    page.goto("/account/")
    expect(page.get_by_text("On: you sign in with your password and a code")).to_be_visible()
    check(page, screenshot, "account")

    # 6. Sign out, sign in again: the code is asked; a wrong one is refused, the right one works.
    sign_out(page)
    sign_in(page, LEAD, demo_password)
    expect(page).to_have_url(f"{base_url}/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    expect(page.get_by_role("button", name="Use a security key")).to_be_visible()
    fits(page)
    check(page, screenshot, "enter-code")
    page.get_by_label("Code", exact=True).fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-message")).to_contain_text("That code is not right.")
    check(page, screenshot, "wrong-code")
    enter_code(page, LEAD, secret)
    expect(page).to_have_url(f"{base_url}/sites/")
    header_nav(page)
    page.goto("/programme/")
    expect(page).to_have_url(f"{base_url}/programme/")

    # 7. Leave the demo as it was: stop using the app (confirming it is them, with the password).
    page.goto("/accounts/2fa/")
    page.get_by_role("button", name="Stop using the authenticator app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    check(page, screenshot, "confirm-again")
    page.get_by_label("Password", exact=True).fill(demo_password)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop using the authenticator app")
    check(page, screenshot, "stop-using")
    page.get_by_role("button", name="Stop using the app").click()
    page.goto("/sites/")
    expect(page).to_have_url(f"{base_url}/accounts/2fa/")


def test_the_security_key_pages_run_under_the_strict_policy(new_page, base_url, demo_password):
    """With the Content-Security-Policy enforced (no axe, which the policy would block): the code
    page and the add-a-key page load allauth's WebAuthn script from the site itself, it starts
    (its buttons are wired), and the browser reports no policy violation."""
    page = new_page(bypass_csp=False)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill("lead@example.com")
    page.get_by_label("Password", exact=True).fill(demo_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.wait_for_load_state("load")
    assert page.evaluate("() => typeof window.allauth.webauthn.forms.authenticateForm") == (
        "function"
    )
    enter_code(page, "lead@example.com", DEMO_TOTP_SECRET)
    page.goto("/accounts/2fa/webauthn/add/")
    if "reauthenticate" in page.url:
        page.get_by_label("Password", exact=True).fill(demo_password)
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a security key")
    page.wait_for_load_state("load")
    assert (
        page.evaluate("() => JSON.parse(document.getElementById('js_data').textContent)")[
            "creation_options"
        ]["publicKey"]["rp"]["id"]
        == "127.0.0.1"
    )
    assert violations == []


def test_a_security_key_is_added_and_signs_in(browser, base_url, demo_password, screenshot):
    """A security key, with Chromium's virtual authenticator standing in for a USB key. WebAuthn
    refuses an IP address as the site's name, so this one runs at http://localhost (the same
    server): in development, open the site at localhost to add a key. The policy is enforced."""
    local = base_url.replace("127.0.0.1", "localhost")
    context = browser.new_context(base_url=local, bypass_csp=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    try:
        sign_in(page, "siteadmin@example.com", demo_password)
        expect(page).to_have_url(f"{local}/sites/")
        page.goto("/accounts/2fa/webauthn/add/")
        page.get_by_label("Password", exact=True).fill(demo_password)
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Add a security key")
        page.get_by_label("Name of the key (optional)").fill("Blue key")
        page.get_by_role("button", name="Add the key").click()
        expect(page.get_by_text("Security key added.")).to_be_visible()
        screenshot(page, "key-added")

        sign_out(page)
        page.goto("/accounts/login/")
        page.get_by_label("Email", exact=True).fill("siteadmin@example.com")
        page.get_by_label("Password", exact=True).fill(demo_password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
        page.get_by_role("button", name="Use a security key").click()
        expect(page).to_have_url(f"{local}/sites/")

        # Leave the demo as it was: remove the key.
        page.goto("/accounts/2fa/webauthn/")
        page.get_by_role("link", name="Remove Blue key").click()
        if "reauthenticate" in page.url:
            page.get_by_label("Password", exact=True).fill(demo_password)
            page.get_by_role("button", name="Confirm").click()
        page.get_by_role("button", name="Remove the key").click()
        expect(page.get_by_text("Security key removed.")).to_be_visible()
    finally:
        context.close()
    assert problems == []
