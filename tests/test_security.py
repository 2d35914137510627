import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/signup/", "/no-such-page/"])
def test_public_pages_send_a_strict_content_security_policy(client, home_page, url):
    policy = client.get(url)["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


def test_public_pages_carry_no_inline_script(client, home_page):
    html = client.get("/accounts/login/").text

    assert "<script>" not in html
    assert '<script type="module" src="/static/cms/js/site.js"></script>' in html


def test_the_wagtail_admin_is_left_to_its_own_policy(client, people):
    client.force_login(people["lead"])

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/accounts/login/", {"login": "lead@example.com", "password": "x"}),
        ("/accounts/signup/", {"email": "new@example.com"}),
        ("/accounts/password/reset/", {"email": "lead@example.com"}),
        ("/accounts/logout/", {}),
    ],
)
def test_posts_without_a_csrf_token_are_refused(home_page, people, url, data):
    client = Client(enforce_csrf_checks=True)

    response = client.post(url, data)

    assert response.status_code == 403


def test_frames_and_sniffing_are_refused(client, home_page):
    response = client.get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_design_system_stylesheet_fetches_nothing_from_other_sites(client):
    response = client.get("/static/cms/nhsuk-frontend.min.css")

    css = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert ".nhsuk-header" in css
    assert "@font-face" not in css
    assert "https://" not in css


@pytest.fixture
def learner_urls(elearning):
    module, lesson = elearning
    return {
        "trainee": [
            f"/learn/modules/{module.pk}/enrol/",
            f"/learn/modules/{module.pk}/withdraw/",
            f"/learn/modules/{module.pk}/lessons/{lesson.pk}/check/",
            f"/learn/modules/{module.pk}/lessons/{lesson.pk}/done/",
            "/learn/join/",
        ],
        "lead": ["/learn/invitations/"],
    }


def test_every_learning_post_needs_a_csrf_token(learner_urls, people):
    from courses.models import Enrolment, LessonProgress

    refused = {}
    for role, urls in learner_urls.items():
        client = Client(enforce_csrf_checks=True)
        client.force_login(people[role])
        for url in urls:
            refused[url] = client.post(url, {"code": "X", "reason": "x"}).status_code

    assert set(refused.values()) == {403}
    assert Enrolment.objects.get().status == Enrolment.Status.BOOKED
    assert not LessonProgress.objects.exists()


# --- one way in ----------------------------------------------------------------------------------


class PasswordCheckRecorder:
    """An authentication backend that only records which view asked it to check a password."""

    calls: list[str] = []

    def authenticate(self, request, **credentials):
        if request is not None and request.resolver_match is not None:
            PasswordCheckRecorder.calls.append(request.resolver_match._func_path)
        return None

    def get_user(self, user_id):
        return None


SAMPLE_ARGUMENTS = {"int": "1", "str": "x", "slug": "x", "uuid": "0" * 32, "path": "x"}


def every_url(resolver=None, prefix=""):
    """One URL per pattern the resolver can reach, with a sample value for each argument."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in (resolver or get_resolver()).url_patterns:
        pattern = str(entry.pattern)
        for converter, sample in SAMPLE_ARGUMENTS.items():
            pattern = re.sub(rf"<{converter}:\w+>", sample, pattern)
        pattern = re.sub(r"<\w+>", "x", pattern)
        # Regular expressions: their groups take a sample, their anchors go.
        pattern = re.sub(r"\([^)]*\)", "1", pattern).replace("^", "").replace("$", "")
        pattern = pattern.replace("\\", "")
        if isinstance(entry, URLResolver):
            yield from every_url(entry, prefix + pattern)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + pattern


def test_no_view_but_allauths_checks_a_password(settings, home_page, people):
    """Walks every URL and posts a real email and password to it: only allauth's views may
    check them. Any other view that authenticates would skip the rate limits and lockout."""
    settings.AUTHENTICATION_BACKENDS = [
        "tests.test_security.PasswordCheckRecorder",
        "allauth.account.auth_backends.AuthenticationBackend",
    ]
    PasswordCheckRecorder.calls = []
    people["lead"].set_password("correct horse battery")
    people["lead"].save()
    credentials = {
        "login": "lead@example.com",
        "email": "lead@example.com",
        "username": "lead@example.com",
        "password": "correct horse battery",
    }
    client = Client(raise_request_exception=False)
    urls = sorted(set(every_url()))
    assert "/admin/login/" in urls
    assert "/_util/login/" in urls

    for url in urls:
        client.post(url, credentials)
        client.logout()

    checked_by = set(PasswordCheckRecorder.calls)
    assert "allauth.account.views.LoginView" in checked_by
    assert {view for view in checked_by if not view.startswith("allauth.")} == set()


@pytest.mark.parametrize("door", ["/admin/login/", "/_util/login/"])
def test_wagtails_sign_in_pages_lead_to_allauths_keeping_next(client, door):
    response = client.get(f"{door}?next=/admin/pages/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/pages/"


@pytest.mark.parametrize("door", ["/admin/login/", "/_util/login/"])
def test_wagtails_sign_in_pages_log_nobody_in(client, people, door):
    """An unverified account, or guesses past the lockout, get in through no other door."""
    from allauth.account.models import EmailAddress

    lead = people["lead"]
    lead.set_password("correct horse battery")
    lead.save()
    EmailAddress.objects.filter(user=lead).update(verified=False)

    response = client.post(door, {"username": lead.email, "password": "correct horse battery"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_shared_passwords_for_private_pages_and_documents_are_gone(client):
    assert (
        client.post("/_util/authenticate_with_password/1/1/", {"password": "x"}).status_code == 404
    )
    assert (
        client.post("/documents/authenticate_with_password/1/", {"password": "x"}).status_code
        == 404
    )
