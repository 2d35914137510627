from datetime import datetime, time, timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cms.curricula.vocabulary import Track
from cms.roles import SECOND_FACTOR_ROLES
from courses.models import (
    Accreditation,
    CourseRun,
    Session,
    Site,
    SiteMembership,
    Tutor,
    TutorKind,
    Venue,
    WeeklyAvailability,
)
from courses.workshops.booking import BookingAnswers

PASSWORD = "a-long-test-password-7"

AGREED = BookingAnswers(agreed_to_terms=True)
"""Answers to the booking questions: terms agreed, no access needs."""


class UserFactory(factory.django.DjangoModelFactory):
    """A verified person. `roles=["programme lead"]` puts them in those groups."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    # Both groups, so any course may be booked; tests of the group rule say who the person is.
    audience = "both"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def second_factor(self, create, extracted, **kwargs):
        """Leads, site administrators and superusers get an authenticator app by default (they
        must have one to open their pages); `second_factor=False` leaves it out, True adds one
        for anyone."""
        if not create or extracted is False:
            return
        names = set(self.groups.values_list("name", flat=True))
        if extracted or self.is_superuser or names & set(SECOND_FACTOR_ROLES):
            totp_give(self)


TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
"""The authenticator app's secret of every person the factories give one (totp_code works it)."""


def totp_give(user, secret=TEST_TOTP_SECRET):
    """An authenticator app for `user`, with recovery codes, as allauth's set-up makes them."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    user.__dict__.pop("_cotraining_roles", None)


def totp_code(secret=TEST_TOTP_SECRET, *, offset=0):
    """The code an authenticator app with `secret` shows now (`offset` steps of 30 s later)."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counter = next(iter(yield_hotp_counters_from_time())) + offset
    return format_hotp_value(hotp_value(secret, counter))


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Health Board {n}")
    slug = factory.Sequence(lambda n: f"board-{n}")


class SiteMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteMembership

    site = factory.SubFactory(SiteFactory)
    user = factory.SubFactory(UserFactory)


def programme_page(*, title="Moving on Together", track=Track.PATIENT, slug=None):
    """A live programme page under the home page (use with the `home_page` fixture)."""
    from cms.models import HomePage, ProgrammePage

    home = HomePage.objects.first()
    page = ProgrammePage(
        title=title, slug=slug or title.lower().replace(" ", "-"), track=track, summary=title
    )
    home.add_child(instance=page)
    return page


def days_from_today(days: int, *, at: time = time(10, 0)) -> datetime:
    """An aware datetime `days` local days from today (negative: ago) at the local time `at`.

    Data is placed at fixed times of day, never at "now plus N weeks", so what a test builds does
    not depend on the hour it runs (a session at 21:30 finds its tutors unavailable)."""
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def next_weekday(weekday: int, *, weeks_ahead: int = 1, at: time = time(10, 0)) -> datetime:
    """An aware datetime on `weekday` (0 = Monday) at least `weeks_ahead` weeks from today."""
    today = timezone.localdate()
    day = today + timedelta(days=7 * weeks_ahead + (weekday - today.weekday()) % 7)
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Community Centre {n}")
    address = "1 High Street, Riverside"
    postcode = "RV1 1AA"
    capacity = 20
    step_free = True


class TutorFactory(factory.django.DjangoModelFactory):
    """A tutor in a site's pool. By default available every day 08:00 to 22:00 and accredited
    for nothing: pass `accredited_for=[programme, ...]` (valid from a year ago for two years)."""

    class Meta:
        model = Tutor
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    kind = TutorKind.LAY
    monthly_cap = 8

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            name = "lay tutor" if self.kind == TutorKind.LAY else "clinical tutor"
            self.user.groups.add(Group.objects.get(name=name))

    @factory.post_generation
    def available(self, create, extracted, **kwargs):
        if create and extracted is not False:
            for weekday in range(7):
                WeeklyAvailability.objects.create(
                    tutor=self, weekday=weekday, starts_at=time(8, 0), ends_at=time(22, 0)
                )

    @factory.post_generation
    def accredited_for(self, create, extracted, **kwargs):
        if create and extracted:
            today = timezone.localdate()
            for programme in extracted:
                Accreditation.objects.create(
                    tutor=self,
                    programme=programme,
                    accredited_on=today - timedelta(days=365),
                    expires_on=today + timedelta(days=730),
                )


class CourseRunFactory(factory.django.DjangoModelFactory):
    """A run in planning. Pass `programme=` (a ProgrammePage)."""

    class Meta:
        model = CourseRun

    site = factory.SubFactory(SiteFactory)
    venue = factory.SubFactory(VenueFactory, site=factory.SelfAttribute("..site"))
    title = factory.Sequence(lambda n: f"Moving on Together, group {n}")
    capacity = 12
    minimum_group = 1
    completion_sessions = 1


class SessionFactory(factory.django.DjangoModelFactory):
    """A three-hour session on a Tuesday morning, `number` weeks from now."""

    class Meta:
        model = Session

    run = factory.SubFactory(CourseRunFactory)
    number = factory.Sequence(lambda n: n + 1)
    venue = factory.SelfAttribute("run.venue")
    starts_at = factory.LazyAttribute(lambda o: next_weekday(1, weeks_ahead=o.number))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
