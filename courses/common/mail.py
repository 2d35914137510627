"""Sending one email: plain text from a template, one message per recipient, through the outbox."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from courses.common import links


def send(*, to, subject: str, template: str, context: dict, attachments=(), reply_to=()) -> None:
    """Send one plain-text email per recipient (so nobody sees who else was told). `reply_to`:
    the addresses an answer goes to, when that is not us (a trainee writing to the organisers)."""
    context = {
        **context,
        "service_name": settings.SERVICE_NAME,
        "base_url": links.base_url(),
    }
    for address in dict.fromkeys(address for address in to if address):
        message = EmailMessage(
            subject=f"[{settings.SERVICE_NAME}] {subject}",
            body=render_to_string(template, context),
            to=[address],
            reply_to=[address for address in reply_to if address],
        )
        for filename, content, mimetype in attachments:
            message.attach(filename, content, mimetype)
        message.send()
