"""Writes for the site shell: the home page, its information pages and accounts. Each runs in
one transaction. The curricula's own writes are in cms.curricula (loading, pairing, sign-off)."""

from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.models import Page
from wagtail.models import Site as WagtailSite

from cms.information import STARTING_PAGES
from cms.models import (
    HomePage,
    InformationPage,
)
from cms.roles import Role
from cms.validation import (
    AUDIENCE_REQUIRED,
    FIRST_NAME_REQUIRED,
    LAST_NAME_REQUIRED,
    single_line,
)


@transaction.atomic
def home_page_ensure(*, title: str, introduction: str) -> tuple[HomePage, bool]:
    """Make sure the site's root is our HomePage with this text. Returns (page, changed)."""
    home = HomePage.objects.first()
    root = Page.get_first_root_node()
    if home is None:
        # Wagtail's installer leaves a generic "Welcome" page at slug "home"; ours takes its place.
        for placeholder in root.get_children().filter(slug="home").exact_type(Page):
            WagtailSite.objects.filter(root_page=placeholder).update(root_page=root)
            placeholder.delete()
        home = root.add_child(
            instance=HomePage(title=title, slug="home", introduction=introduction)
        )
        home.save_revision().publish()
        changed = True
    elif home.title != title or home.introduction != introduction:
        home.title = title
        home.introduction = introduction
        home.save_revision().publish()
        changed = True
    else:
        changed = False
    # Wagtail writes a page's whole address (its "view the page" links in sign-off emails) from
    # the site's host name and port: they are the configured SITE_URL's, not Wagtail's
    # http://localhost.
    hostname, port = site_host_and_port()
    site = WagtailSite.objects.filter(is_default_site=True).first()
    if site is None:
        WagtailSite.objects.create(
            hostname=hostname, port=port, root_page=home, is_default_site=True
        )
        changed = True
    elif (site.root_page_id, site.hostname, site.port) != (home.id, hostname, port):
        site.root_page, site.hostname, site.port = home, hostname, port
        site.save(update_fields=["root_page", "hostname", "port"])
        changed = True
    return home, changed


def site_host_and_port() -> tuple[str, int]:
    """The host name and port of the site's own address (WAGTAILADMIN_BASE_URL, from SITE_URL)."""
    parts = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


@transaction.atomic
def information_page_ensure(
    *,
    home: HomePage,
    slug: str,
    title: str,
    body: str,
    show_site_contacts: bool = False,
    show_retention_periods: bool = False,
) -> tuple[InformationPage, bool]:
    """Create an information page under the home page, published, if none has this slug there.
    An existing page is left alone: the organisation edits its text. Returns (page, created)."""
    existing = home.get_children().filter(slug=slug).first()
    if existing is not None:
        return existing.specific, False
    page = InformationPage(
        title=title,
        slug=slug,
        body=body.strip(),
        show_site_contacts=show_site_contacts,
        show_retention_periods=show_retention_periods,
    )
    home.add_child(instance=page)  # Page.save() runs full_clean()
    page.save_revision().publish()
    return page, True


@transaction.atomic
def account_ensure(
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: list[Role],
    password: str | None = None,
    verified: bool = True,
    audience: str = "",
):
    """Create or update an account with exactly these roles (and, when given, who the person
    is: an `Audience`). Returns (user, created)."""
    User = get_user_model()
    email = email.strip().lower()
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name}
    )
    if audience and user.audience != audience:
        user.audience = audience
        user.save(update_fields=["audience"])
    if not created and (user.first_name, user.last_name) != (first_name, last_name):
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])
    if password is not None and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    wanted = {Group.objects.get_or_create(name=Role(role).value)[0] for role in roles}
    managed = Group.objects.filter(name__in=[role.value for role in Role])
    user.groups.remove(*[group for group in managed if group not in wanted])
    user.groups.add(*wanted)
    if verified:
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user, created


def information_pages_ensure(*, home: HomePage) -> int:
    """The footer's pages (cms/information.py), each created once. Returns how many were made."""
    return sum(
        information_page_ensure(
            home=home,
            slug=page.slug,
            title=page.title,
            body=page.body,
            show_site_contacts=page.show_site_contacts,
            show_retention_periods=page.show_retention_periods,
        )[1]
        for page in STARTING_PAGES
    )


@transaction.atomic
def account_update_name(*, user, first_name: str, last_name: str):
    """Change the name a person's certificates will carry. Certificates issued before keep the
    name they were issued with."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    user.first_name = (first_name or "").strip()
    user.last_name = (last_name or "").strip()
    problems = {}
    for field, required in [("first_name", FIRST_NAME_REQUIRED), ("last_name", LAST_NAME_REQUIRED)]:
        value = getattr(user, field)
        try:
            if not value:
                raise ValidationError(required, code="required")
            single_line(value)
        except ValidationError as error:
            problems[field] = error.messages
    if problems:
        raise ValidationError(problems)
    user.full_clean(exclude=["password"])
    user.save(update_fields=["first_name", "last_name"])
    return user


@transaction.atomic
def account_update_audience(*, user, audience: str):
    """Change who a person says they are (cms.models.Audience): which courses are meant for them."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    user.audience = audience or ""
    if not user.audience:
        raise ValidationError({"audience": AUDIENCE_REQUIRED})
    user.full_clean(exclude=["password"])
    user.save(update_fields=["audience"])
    return user
