"""Telling a person something by the channel they chose: email, text message or letter.

Every message to a trainee goes through `tell`, after the change it reports is saved: an email
through the outbox (cms.outbox), a text through Notify's outbox (cms.texts), a letter into the
site's batch of letters to print (courses.people.letters). A person whose chosen way has no
address (text chosen, no mobile) is told by the first way they do have: email, then text, then
letter."""

import logging

from django.conf import settings
from django.template.loader import render_to_string

from cms.models import ContactChannel
from cms.texts import send_text, texts_enabled
from courses.common import links, mail
from courses.models import Letter

logger = logging.getLogger(__name__)


def channel_for(person) -> str:
    """The way `person` will be told: their choice if we have that address (and texts are on,
    for text), else the first way we have; "" when we have no way at all."""
    have = {
        ContactChannel.EMAIL: bool(person.email),
        ContactChannel.TEXT: bool(person.mobile) and texts_enabled(),
        ContactChannel.LETTER: bool(person.postal_address),
    }
    if have.get(person.contact_by):
        return person.contact_by
    for channel in (ContactChannel.EMAIL, ContactChannel.TEXT, ContactChannel.LETTER):
        if have[channel]:
            return channel
    return ""


def text_template_for(template: str) -> str:
    """The text message's template beside an email's: `booking_confirmed.txt` ->
    `booking_confirmed_text.txt`."""
    return template.removesuffix(".txt") + "_text.txt"


def tell(
    person,
    *,
    subject: str,
    template: str,
    context: dict,
    kind: str,
    site=None,
    run=None,
    text_template: str | None = None,
    attachments=(),
    reply_to=(),
) -> str:
    """Tell one person, by their channel. `template` is the email's plain-text body (a letter
    prints the same words); the text message's is `text_template` (by default the email's name
    with `_text`). A letter belongs to `site` (or the run's). Returns the channel used ("" when
    the person has no address at all, which is logged)."""
    channel = channel_for(person)
    # The words can say what only one way carries ("the dates are attached" is for email).
    context = {**context, "channel": channel}
    if channel == ContactChannel.EMAIL:
        mail.send(
            to=[person.email],
            subject=subject,
            template=template,
            context=context,
            attachments=attachments,
            reply_to=reply_to,
        )
    elif channel == ContactChannel.TEXT:
        body = render_to_string(
            text_template or text_template_for(template), _with_service(context)
        )
        send_text(to=person.mobile, body=body.strip(), kind=kind)
    elif channel == ContactChannel.LETTER:
        site_id = site.pk if site is not None else run.site_id
        Letter.objects.create(
            person=person,
            site_id=site_id,
            run=run,
            subject=subject[:300],
            body=render_to_string(template, _with_service(context)).strip(),
        )
    else:
        logger.warning("Person %s has no email, mobile or address: %s not sent.", person.pk, kind)
    return channel


def _with_service(context: dict) -> dict:
    return {**context, "service_name": settings.SERVICE_NAME, "base_url": links.base_url()}
