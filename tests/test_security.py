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
