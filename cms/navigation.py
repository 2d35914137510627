"""What each person sees in the header: the parts of the site their roles can use.

Items name URLs rather than import views, so the site shell knows where things are without
depending on the apps that serve them.
"""

from dataclasses import dataclass

from django.urls import reverse

from cms.roles import (
    LEADS_AND_ADMINISTRATORS,
    STAFF_ROLES,
    TUTOR_ROLES,
    TUTORS_AND_LEADS,
    Role,
    roles_of,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset  # empty: every signed-in person

    def url(self):
        return reverse(self.url_name)


SIGNED_IN_ITEMS = [
    NavItem("My learning", "courses:learn", frozenset({Role.TRAINEE})),
    NavItem("Find a course", "courses:run_list", frozenset({Role.TRAINEE})),
    NavItem("My reflections", "assessments:reflections", frozenset({Role.TRAINEE})),
    NavItem("My calendar", "courses:calendar", frozenset({Role.TRAINEE})),
    NavItem("My teaching", "courses:teach", TUTOR_ROLES),
    NavItem(
        "Learners' progress",
        "courses:progress",
        STAFF_ROLES,
    ),
    NavItem("Your sites", "courses:site_list", LEADS_AND_ADMINISTRATORS),
    NavItem(
        "Programme dashboard",
        "courses:programme",
        LEADS_AND_ADMINISTRATORS,
    ),
    NavItem(
        "Write curricula",
        "wagtailadmin_home",
        TUTORS_AND_LEADS,
    ),
    NavItem(
        "Venues and tutors",
        "tutors:index",
        LEADS_AND_ADMINISTRATORS,
    ),
    NavItem("Your account", "account", frozenset()),
]
SIGNED_OUT_ITEMS = [
    NavItem("Find a course", "courses:run_list", frozenset()),
    NavItem("Sign in", "account_login", frozenset()),
    NavItem("Create an account", "account_signup", frozenset()),
]

# Where each role starts after signing in; the first role a person holds in this order wins.
LANDING_BY_ROLE = [
    (Role.PROGRAMME_LEAD, "courses:site_list"),
    (Role.SITE_ADMINISTRATOR, "courses:site_list"),
    (Role.LAY_TUTOR, "courses:teach"),
    (Role.CLINICAL_TUTOR, "courses:teach"),
    (Role.TRAINEE, "courses:learn"),
]


def navigation_for(user):
    if not user.is_authenticated:
        return [(item.label, item.url()) for item in SIGNED_OUT_ITEMS]
    roles = roles_of(user)
    items = []
    for item in SIGNED_IN_ITEMS:
        if item.roles and not (item.roles & roles) and not user.is_superuser:
            continue
        items.append((item.label, item.url()))
    return items


def landing_url_for(user):
    if user.is_superuser:
        return reverse("wagtailadmin_home")
    roles = roles_of(user)
    for role, url_name in LANDING_BY_ROLE:
        if role in roles:
            return reverse(url_name)
    return "/"
