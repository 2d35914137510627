"""Writes for sites and their members. Each runs in one transaction."""

from datetime import timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from courses import errors
from courses.errors import CoursesError
from courses.models import (
    CourseRun,
    Nation,
    OrganiserMessage,
    Site,
    SiteMembership,
)
from courses.sites import emails

# A few messages a day are enough to say "I can't come" or ask about access; more is a mistake
# or misuse, and each one lands in several leads' inboxes.
MESSAGES_PER_DAY = 3


@transaction.atomic
def site_ensure(
    *, name: str, slug: str, description: str = "", nation: str = Nation.ENGLAND_AND_WALES
) -> tuple[Site, bool]:
    """Create a site, or bring an existing one (found by slug) up to date. Returns (site, changed)."""
    site = Site.objects.filter(slug=slug).first()
    if site is None:
        site = Site(name=name, slug=slug, description=description, nation=nation)
        site.full_clean()
        site.save()
        return site, True
    if (site.name, site.description, site.nation) == (name, description, nation):
        return site, False
    site.name, site.description, site.nation = name, description, nation
    site.full_clean()
    site.save()
    return site, True


@transaction.atomic
def site_membership_ensure(*, site: Site, user) -> tuple[SiteMembership, bool]:
    return SiteMembership.objects.get_or_create(site=site, user=user)


CONTACT_FIELDS = ["contact_phone", "contact_email", "opening_hours"]


@transaction.atomic
def site_contact_update(
    *, site: Site, contact_phone: str, contact_email: str, opening_hours: str
) -> Site:
    """Change who trainees contact about the site's courses. Refuses bad values, saving nothing."""
    site.contact_phone = contact_phone.strip()
    site.contact_email = contact_email.strip()
    site.opening_hours = opening_hours.strip()
    site.full_clean()
    site.save(update_fields=CONTACT_FIELDS)
    return site


@transaction.atomic
def organiser_message_send(*, run: CourseRun, sender, topic: str, body: str) -> OrganiserMessage:
    """Store a trainee's message to the organisers of a run and, after commit, email it to the
    site's programme leads with the trainee's address to reply to. At most MESSAGES_PER_DAY in
    any 24 hours per person."""
    # Lock the sender's row so two messages sent at the same moment are counted one after the other.
    get_user_model().objects.select_for_update().filter(pk=sender.pk).exists()
    since = timezone.now() - timedelta(days=1)
    if OrganiserMessage.objects.filter(sender=sender, sent_at__gt=since).count() >= (
        MESSAGES_PER_DAY
    ):
        raise CoursesError(errors.MESSAGE_LIMIT.format(limit=MESSAGES_PER_DAY, site=run.site.name))
    message = OrganiserMessage(
        run=run, site_id=run.site_id, sender=sender, topic=topic, body=body.strip()
    )
    message.full_clean()
    message.save()
    transaction.on_commit(partial(emails.organiser_message_sent, message.pk))
    return message
