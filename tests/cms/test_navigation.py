import pytest

pytestmark = pytest.mark.django_db


LABELS = [
    "My learning",
    "Find a course",
    "My reflections",
    "My calendar",
    "My teaching",
    "Learners' progress",
    "Your sites",
    "Programme dashboard",
    "Write curricula",
    "Venues and tutors",
    "Your account",
    "Sign in",
    "Create an account",
    "Sign out",
]


def nav_labels(html):
    start = html.index('<nav class="nhsuk-header__navigation"')
    nav = html[start : html.index("</nav>", start)].replace("&#x27;", "'")
    return [label for label in LABELS if f">{label}<" in nav]


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        ("anonymous", ["Find a course", "Sign in", "Create an account"]),
        (
            "trainee",
            [
                "My learning",
                "Find a course",
                "My reflections",
                "My calendar",
                "Your account",
                "Sign out",
            ],
        ),
        (
            "lay_tutor",
            ["My teaching", "Learners' progress", "Write curricula", "Your account", "Sign out"],
        ),
        (
            "clinical_tutor",
            ["My teaching", "Learners' progress", "Write curricula", "Your account", "Sign out"],
        ),
        (
            "lead",
            [
                "Learners' progress",
                "Your sites",
                "Programme dashboard",
                "Write curricula",
                "Venues and tutors",
                "Your account",
                "Sign out",
            ],
        ),
        (
            "site_admin",
            [
                "Learners' progress",
                "Your sites",
                "Programme dashboard",
                "Venues and tutors",
                "Your account",
                "Sign out",
            ],
        ),
    ],
)
def test_each_person_sees_what_their_role_can_do(client, people, home_page, role, labels):
    if role != "anonymous":
        client.force_login(people[role])

    html = client.get("/").text

    assert nav_labels(html) == labels


def test_home_page_welcomes_a_signed_in_person_by_name(client, people, home_page):
    lead = people["lead"]
    client.force_login(lead)

    html = client.get("/").text

    assert f"You are signed in as {lead.get_full_name()}" in html
    assert "Learning to work in partnership" in html


def test_home_page_offers_sign_up_and_sign_in_to_visitors(client, home_page):
    html = client.get("/").text

    assert 'href="/accounts/signup/"' in html
    assert 'href="/accounts/login/"' in html


def test_base_layout_has_a_skip_link_and_landmarks(client, home_page):
    html = client.get("/").text

    assert html.index('class="nhsuk-skip-link"') < html.index("<header")
    assert 'href="#maincontent"' in html
    assert '<main class="nhsuk-main-wrapper" id="maincontent"' in html
    assert '<html lang="en-GB">' in html


def test_the_nhs_logo_is_off_unless_a_setting_turns_it_on(client, home_page, settings):
    assert "nhsuk-header__logo" not in client.get("/").text

    settings.SHOW_NHS_LOGO = True

    assert "nhsuk-header__logo" in client.get("/").text


def test_my_calendar_leads_a_trainee_to_their_calendar_page(client, people, home_page):
    client.force_login(people["trainee"])

    html = client.get("/").text
    response = client.get("/calendar/")

    assert '<a class="nhsuk-header__navigation-link" href="/calendar/">My calendar</a>' in html
    assert response.status_code == 200
    assert "/calendar/" in response.text and ".ics" in response.text
