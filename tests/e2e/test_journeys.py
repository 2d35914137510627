"""Journeys people take through the site, in a real browser against the live demo site.

Every public page a journey reaches is checked with axe-core; Wagtail admin pages are only
photographed (Wagtail's accessibility is Wagtail's to test).
"""

import base64
import email
import hashlib
import hmac
import re
import secrets
import struct
import time
import tomllib
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible

pytestmark = pytest.mark.e2e

DEMO_FILE = Path(__file__).resolve().parents[2] / "content" / "demo" / "demo.toml"
DEMO = tomllib.loads(DEMO_FILE.read_text(encoding="utf-8"))
SITE_NAMES = {site["slug"]: site["name"] for site in DEMO["sites"]}

# Where each role lands after signing in, which header items it must see and must not see.
EXPECTED_BY_ROLE = {
    "programme lead": (
        "/sites/",
        {
            "Your sites",
            "Programme dashboard",
            "Write curricula",
            "Venues and tutors",
            "Your account",
        },
        set(),
    ),
    "site administrator": (
        "/sites/",
        {"Your sites", "Programme dashboard", "Venues and tutors", "Your account"},
        {"Write curricula"},
    ),
    "lay tutor": ("/teach/", {"My teaching", "Write curricula", "Your account"}, {"Your sites"}),
    "clinical tutor": (
        "/teach/",
        {"My teaching", "Write curricula", "Your account"},
        {"Your sites"},
    ),
    "trainee": (
        "/learn/",
        {"My learning", "Find a course", "My reflections", "Your account"},
        {"Your sites", "Programme dashboard", "Write curricula"},
    ),
}


# --- helpers -----------------------------------------------------------------------------------


def unique_email(label):
    return f"e2e-{label}-{time.time_ns()}@example.com"


def new_password():
    return f"Journey-{secrets.token_urlsafe(9)}"


def header_nav(page):
    return page.get_by_role("navigation", name="Menu")


def nav_labels(page):
    # Text content, not visible text: links that do not fit move under the header's "More".
    return {text.strip() for text in header_nav(page).locator("a").all_text_contents()}


def emails_to(mail_dir, address):
    """Every message in the file-based mailbox addressed to `address`, newest last."""
    messages = []
    for path in sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
        for raw in path.read_text(encoding="utf-8").split("\n" + "-" * 79 + "\n"):
            if not raw.strip():
                continue
            message = email.message_from_string(raw.lstrip(), policy=policy.default)
            if address.lower() in str(message["To"] or "").lower():
                messages.append(message)
    return messages


def link_from_email(mail_dir, address, pattern, timeout=10):
    """The first link matching `pattern` in the newest email to `address` that has one."""
    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(emails_to(mail_dir, address)):
            body = message.get_body(preferencelist=("plain", "html")).get_content()
            match = re.search(pattern, body)
            if match:
                return match.group(0)
        if time.monotonic() > deadline:
            raise AssertionError(f"No email to {address} in {mail_dir} with a link like {pattern}")
        time.sleep(0.2)


def check(page, screenshot, name):
    """Photograph the page and fail on serious accessibility problems."""
    screenshot(page, name)
    assert_accessible(page)


# The demo's accounts with an authenticator app (content/demo/demo.toml) and its public secret.
DEMO_TOTP_SECRET = DEMO["second_factor"]["demo_secret"]
WITH_AUTHENTICATOR_APP = {
    account["email"] for account in DEMO["accounts"] if account.get("authenticator_app")
}
TOTP_PERIOD = 30
_last_step_used = {}


def totp_now(address, secret):
    """The code an authenticator app with `secret` shows, as RFC 6238 works it (HMAC-SHA1,
    30-second steps, 6 digits). The site takes each code once and only in its own 30 seconds,
    so a second sign-in of the same person waits for the next step, and none starts in the
    last two seconds of one."""
    while True:
        now = time.time()
        step = int(now // TOTP_PERIOD)
        if step > _last_step_used.get(address, -1) and now % TOTP_PERIOD < TOTP_PERIOD - 2:
            break
        time.sleep(TOTP_PERIOD - now % TOTP_PERIOD + 0.2)
    _last_step_used[address] = step
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


def enter_code(page, address, secret):
    """Answer the "Enter your code" step of signing in."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Code", exact=True).fill(totp_now(address, secret))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")


def sign_in(page, address, password, totp_secret=None):
    """Sign in with the password and, for people with an authenticator app (the demo's lead@ and
    siteadmin@, or `totp_secret`), the code it shows."""
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    if totp_secret is None and address in WITH_AUTHENTICATOR_APP:
        totp_secret = DEMO_TOTP_SECRET
    if totp_secret and page.url.endswith("/accounts/2fa/authenticate/"):
        enter_code(page, address, totp_secret)


def sign_out(page):
    # The header's script moves links that do not fit under "More" once the page has loaded:
    # look only after it has run, or a busy machine sees the button before it moves.
    page.wait_for_load_state("load")
    button = header_nav(page).get_by_role("button", name="Sign out")
    if not button.is_visible():
        # When the header's links do not fit, NHS.UK frontend moves the last ones under "More".
        header_nav(page).locator("#toggle-menu").click()
    button.click()
    expect(header_nav(page).get_by_role("link", name="Sign in")).to_be_visible()


def sign_up_and_verify(page, screenshot, base_url, mail_dir, address, password):
    """Create an account from the home page and confirm it from the emailed link.

    Ends signed in, on the home page (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION).
    """
    page.goto("/")
    check(page, screenshot, "home-signed-out")
    header_nav(page).get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(f"{base_url}/accounts/signup/")
    check(page, screenshot, "sign-up")

    page.get_by_label("First name", exact=True).fill("Robin")
    page.get_by_label("Last name", exact=True).fill("Journey")
    page.get_by_label("I live with a long-term condition", exact=True).check()
    page.get_by_label("Email", exact=True).fill(address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password (again)", exact=True).fill(password)
    page.get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check(page, screenshot, "verify-email-sent")

    confirm_url = link_from_email(
        mail_dir, address, re.escape(base_url) + r"/accounts/confirm-email/[^/\s]+/"
    )
    page.goto(confirm_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    check(page, screenshot, "confirm-email")
    page.get_by_role("main").get_by_role("button", name="Confirm").click()

    # A new person is a trainee, and trainees start at My learning.
    expect(page).to_have_url(f"{base_url}/learn/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")
    check(page, screenshot, "my-learning-signed-in")


# --- a. sign up, verify, sign out, sign in ----------------------------------------------------


def test_sign_up_verify_and_sign_in_again(page, screenshot, base_url, mail_dir):
    address, password = unique_email("signup"), new_password()
    sign_up_and_verify(page, screenshot, base_url, mail_dir, address, password)

    sign_out(page)
    expect(page.get_by_text("You are signed in as")).to_have_count(0)
    check(page, screenshot, "signed-out")

    sign_in(page, address, password)
    expect(page).to_have_url(f"{base_url}/learn/")
    assert nav_labels(page) == {
        "My learning",
        "Find a course",
        "My calendar",
        "My reflections",
        "Your account",
    }
    page.goto("/")
    expect(page.get_by_text("You are signed in as Robin Journey.")).to_be_visible()
    check(page, screenshot, "signed-in-again")


# --- b. each demo account sees its own part of the site ----------------------------------------


@pytest.mark.parametrize("account", DEMO["accounts"], ids=lambda account: account["email"])
def test_demo_account_lands_on_its_own_navigation(
    page, screenshot, base_url, demo_password, account
):
    role = account["roles"][0]
    landing, shown, hidden = EXPECTED_BY_ROLE[role]
    must_set_up = role in {"programme lead", "site administrator"}
    if must_set_up and not account.get("authenticator_app"):
        # other.lead@ has no second factor yet: sent to set one up before their own pages.
        landing = "/accounts/2fa/"

    page.goto("/accounts/login/")
    check(page, screenshot, "sign-in")
    sign_in(page, account["email"], demo_password)
    expect(page).to_have_url(f"{base_url}{landing}")
    screenshot(page, "landing")

    if landing.startswith("/admin/"):
        # The Wagtail admin has its own header; the site's navigation is on the public pages.
        page.goto("/")
    else:
        assert_accessible(page)
    labels = nav_labels(page)
    assert shown <= labels, f"{account['email']} should see {shown - labels} in {labels}"
    assert not hidden & labels, f"{account['email']} should not see {hidden & labels}"
    if landing == "/":
        full_name = f"{account['first_name']} {account['last_name']}"
        expect(page.get_by_text(f"You are signed in as {full_name}.")).to_be_visible()
    elif landing.startswith("/admin/"):
        check(page, screenshot, "home")

    if landing == "/sites/":
        main = page.get_by_role("main")
        for slug, name in SITE_NAMES.items():
            if slug in account["sites"]:
                expect(main.get_by_text(name)).to_be_visible()
            else:
                expect(main.get_by_text(name)).to_have_count(0)


def test_a_lead_sees_only_their_own_sites(page, screenshot, base_url, demo_password):
    sign_in(page, "lead@example.com", demo_password)
    page.goto("/sites/")
    main = page.get_by_role("main")
    expect(main.get_by_text("Riverside Health Board")).to_be_visible()
    expect(main.get_by_text("Hillside Health Board")).to_have_count(0)
    check(page, screenshot, "sites")

    response = page.goto("/sites/hillside/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(
        page.get_by_text("it may belong to a site or course you are not part of")
    ).to_be_visible()
    expect(page.get_by_text("Hillside Health Board")).to_have_count(0)
    screenshot(page, "other-site")
    assert_accessible(page)


# --- c. password reset ---------------------------------------------------------------------------


def test_password_reset(page, screenshot, base_url, mail_dir):
    address, old_password = unique_email("reset"), new_password()
    sign_up_and_verify(page, screenshot, base_url, mail_dir, address, old_password)
    sign_out(page)

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(f"{base_url}/accounts/password/reset/")
    check(page, screenshot, "reset-request")
    page.get_by_label("Email", exact=True).fill(address)
    page.get_by_role("button", name="Reset your password").click()
    expect(page).to_have_url(f"{base_url}/accounts/password/reset/done/")
    check(page, screenshot, "reset-sent")

    reset_url = link_from_email(
        mail_dir, address, re.escape(base_url) + r"/accounts/password/reset/key/[^\s]+/"
    )
    page.goto(reset_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    check(page, screenshot, "reset-form")
    password = new_password()
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password (again)", exact=True).fill(password)
    page.get_by_role("button", name="Change your password").click()
    expect(page.get_by_text("Your password is now changed.")).to_be_visible()
    check(page, screenshot, "reset-done")

    sign_in(page, address, old_password)
    expect(page).to_have_url(f"{base_url}/accounts/login/")
    check(page, screenshot, "old-password-refused")

    sign_in(page, address, password)
    expect(page).to_have_url(f"{base_url}/learn/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")


# --- d. small screens and keyboard ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/courses/"], ids=["home", "sign-in", "find-a-course"]
)
def test_narrow_screen_has_no_sideways_scrolling(new_page, screenshot, path):
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto(path)
    content_width, window_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert content_width <= window_width, (
        f"{path}: {content_width}px wide in a {window_width}px window"
    )
    check(page, screenshot, "320px")

    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    expect(page.get_by_role("link", name="Skip to main content")).to_be_visible()
    screenshot(page, "skip-link")


PUBLIC_PAGES = [
    "/",
    "/courses/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
]


def csp_violations(new_page):
    """Visit public pages with the Content-Security-Policy enforced; what did it block?"""
    page = new_page(bypass_csp=False)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in PUBLIC_PAGES:
        response = page.goto(path)
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        # site.js ran: the NHS.UK components are live.
        assert page.evaluate("() => document.body.classList.contains('js-enabled')"), path
    return sorted(set(violations))


def test_public_pages_keep_to_their_content_security_policy(new_page):
    """The other journeys bypass the CSP to inject axe; here it is enforced."""
    blocked = [text for text in csp_violations(new_page) if "font-src" not in text]
    assert not blocked, "\n".join(blocked)


def test_fonts_the_stylesheet_asks_for_are_allowed(new_page):
    blocked = [text for text in csp_violations(new_page) if "font-src" in text]
    assert not blocked, "\n".join(blocked)
