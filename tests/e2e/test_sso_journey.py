"""A clinician signs in through the local OpenID Connect provider, in a real browser.

tests/e2e/run.sh starts allauth's own identity provider (tests/oidc_provider) beside the demo
site, with one person (e2e-clinician@nhs.example), and gives the site its OIDC_* settings. The
clinician presses "Continue with NHS Scotland account" on our sign-in page, signs in at the
provider, answers who they are on our page, lands on My learning as a trainee, signs out, and
comes back in with one press (the provider remembers them). axe-core checks every page of ours;
the provider's own pages are not ours and are not checked.
"""

import os

import pytest
from playwright.sync_api import expect

from tests.sso_provider import PASSWORD

from .test_journeys import check, header_nav, sign_out

pytestmark = pytest.mark.e2e

CLINICIAN = "e2e-clinician@nhs.example"
BUTTON = "Continue with NHS Scotland account"


@pytest.fixture
def provider_url():
    url = os.environ.get("E2E_OIDC_URL")
    if not url:
        pytest.skip("run.sh starts the local OpenID Connect provider (E2E_OIDC_URL unset)")
    return url


def open_page_reaching(new_page, provider_url, **options):
    """A page whose browser may also reach the provider (the journeys block every other origin;
    a route added later is tried first)."""
    page = new_page(**options)
    page.context.route(f"{provider_url}/**", lambda route: route.continue_())
    return page


def test_a_clinician_signs_in_through_the_local_oidc_provider(
    new_page, screenshot, base_url, provider_url
):
    page = open_page_reaching(new_page, provider_url)
    page.goto("/accounts/login/")
    expect(
        page.get_by_role("heading", name="Sign in with your organisation's account")
    ).to_be_visible()
    check(page, screenshot, "sign-in-page")

    page.get_by_role("button", name=BUTTON).click()
    page.wait_for_url(f"{provider_url}/**")
    page.get_by_label("Email").fill(CLINICIAN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(f"{base_url}/accounts/3rdparty/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    expect(page.get_by_label("First name", exact=True)).to_have_value("Aileen")
    check(page, screenshot, "create-your-account")

    page.get_by_role("button", name="Create your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    check(page, screenshot, "create-your-account-error")

    page.get_by_label("I work in health or care", exact=True).check()
    page.get_by_role("button", name="Create your account").click()

    # A new person is a trainee, and trainees start at My learning.
    expect(page).to_have_url(f"{base_url}/learn/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")
    check(page, screenshot, "my-learning")

    sign_out(page)
    page.goto("/accounts/login/")
    page.get_by_role("button", name=BUTTON).click()

    # Still signed in at the provider: straight back, no form, no question.
    expect(page).to_have_url(f"{base_url}/learn/")
    expect(header_nav(page).get_by_role("button", name="Sign out")).to_have_count(1)
    check(page, screenshot, "signed-in-again")


def test_the_sign_in_button_reaches_the_provider_under_the_sites_policy(new_page, provider_url):
    # With the Content-Security-Policy enforced: form-action must allow the redirect to the
    # provider, or the browser stops the button there.
    page = open_page_reaching(new_page, provider_url, bypass_csp=False)
    page.goto("/accounts/login/")

    page.get_by_role("button", name=BUTTON).click()

    page.wait_for_url(f"{provider_url}/**")
    expect(page.get_by_label("Password")).to_be_visible()
