"""Sending text messages (SMS) through GOV.UK Notify, by the same outbox as emails (cms/outbox.py).

`send_text` saves an `OutgoingText` in the transaction of the change it reports and asks a
background task (`deliver_text`) to send it after commit: a request never waits on Notify, and
Notify being down costs a retry (1, 2, 4 ... minutes, at most six hours apart), never a message.
A text that keeps failing is marked failed after MAX_ATTEMPTS and shown to system administrators
in the admin (Settings > Outgoing texts), where it can be sent again. Notify then tells us by its
delivery callback (`notify_callback`, cms/views.py) whether the phone got it.

Without NOTIFY_API_KEY a text is printed to the console (logged, and marked sent) in development,
tests and the demo; in production (TEXTS_WITHOUT_KEY = "off") the feature is off:
`texts_enabled()` is False, and courses.common.channels tells people who chose text by email or
letter instead.

Each kind of message can have its own Notify template (NOTIFY_TEMPLATE_<KIND>, each holding only
`((message))`), else NOTIFY_TEMPLATE_DEFAULT."""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from cms.models import OutgoingText
from cms.outbox import Outbox

logger = logging.getLogger(__name__)

# The kinds of text the site sends; each names its Notify template setting
# (NOTIFY_TEMPLATE_BOOKING_CONFIRMATION ...). Any other kind uses NOTIFY_TEMPLATE_DEFAULT.
KINDS = {
    "booking_confirmation": "Booking confirmed",
    "waiting_list": "Waiting list",
    "place_offered": "Place offered",
    "booking_cancelled": "Place cancelled",
    "reminder": "Session reminder",
    "cancellation": "Course cancelled",
    "group_message": "Message to the group",
    "claim_code": "Account code",
    "booking_moved": "Moved to another course",
    "offer_lapsed": "Offer of a place ended",
    "offer_taken": "Offered place taken",
}
# Notify counts a text of up to 918 characters as at most 6 messages; ours are far shorter.
LONGEST_TEXT = 918


def texts_enabled() -> bool:
    """Whether texts can be sent: with a Notify key, or to the console where that is allowed
    (development, tests, the demo). Off in production without a key."""
    return bool(settings.NOTIFY_API_KEY) or settings.TEXTS_WITHOUT_KEY == "console"


@dataclass(frozen=True)
class TextsStatus:
    enabled: bool
    by_notify: bool
    words: str


def texts_status() -> TextsStatus:
    """How texts are sent, in words staff can read ("Text messages are switched off")."""
    if settings.NOTIFY_API_KEY:
        return TextsStatus(True, True, "Text messages are sent through GOV.UK Notify.")
    if texts_enabled():
        return TextsStatus(
            True, False, "Text messages are not really sent here: they are written to the log."
        )
    return TextsStatus(
        False,
        False,
        "Text messages are switched off. People who asked for texts are told by email or "
        "letter instead.",
    )


def template_id_for(kind: str) -> str:
    own = getattr(settings, f"NOTIFY_TEMPLATE_{kind.upper()}", "") if kind else ""
    return own or settings.NOTIFY_TEMPLATE_DEFAULT


def send_text(*, to: str, body: str, kind: str = "") -> None:
    """Text `body` to the mobile number `to` (+447700900123). `kind` names the message (booking
    confirmation, reminder ...) for Notify's template and for staff reading delivery status.
    Saved now, sent once the current transaction commits (at once outside one)."""
    if not texts_enabled():
        logger.warning("Text messages are switched off: %s to %s not sent.", kind or "text", to)
        return
    TEXTS.queue(to=to[:20], body=body[:LONGEST_TEXT], kind=kind[:40])


def notify_client():
    from notifications_python_client.notifications import NotificationsAPIClient

    return NotificationsAPIClient(
        settings.NOTIFY_API_KEY,
        base_url=settings.NOTIFY_BASE_URL,
        timeout=settings.NOTIFY_TIMEOUT_SECONDS,
    )


def _hand_over(outgoing: OutgoingText) -> dict:
    """Send one text by Notify (or to the console without a key); its fields to save as sent:
    Notify's id for it."""
    if not settings.NOTIFY_API_KEY:
        logger.info("Text to %s (%s): %s", outgoing.to, outgoing.kind or "message", outgoing.body)
        return {"notify_id": ""}
    client = notify_client()
    try:
        answer = client.send_sms_notification(
            phone_number=outgoing.to,
            template_id=template_id_for(outgoing.kind),
            personalisation={"message": outgoing.body},
            reference=str(outgoing.reference),
        )
    finally:
        client.request_session.close()  # no connection left open between texts
    return {"notify_id": str((answer or {}).get("id", ""))[:64]}


@task
def deliver_text(outgoing_id: int) -> str:
    """Send one text from the outbox if it is due (`Outbox.deliver`)."""
    return TEXTS.deliver(outgoing_id)


TEXTS = Outbox(
    model=OutgoingText,
    noun="text",
    retention="sent_texts",
    task=deliver_text,
    hand_over=_hand_over,
    switched_on=texts_enabled,
)


# --- delivery receipts from Notify ----------------------------------------------------------

DELIVERY_STATUSES = frozenset(OutgoingText.Delivery.values) - {""}


class ReceiptError(ValueError):
    """A delivery callback we cannot read."""


def text_delivery_record(*, receipt: dict) -> OutgoingText | None:
    """Record what Notify says became of a text (its delivery callback's body). Matched by our
    reference, else by Notify's id; a receipt for a text we do not hold (pruned, or another
    service's) is ignored and None returned. A later receipt replaces an earlier one."""
    if not isinstance(receipt, dict):
        raise ReceiptError("The receipt is not a JSON object.")
    status = receipt.get("status")
    if status not in DELIVERY_STATUSES:
        raise ReceiptError(f"Unknown delivery status: {str(status)[:40]!r}.")
    reference, notify_id = receipt.get("reference"), receipt.get("id")
    with transaction.atomic():
        rows = OutgoingText.objects.select_for_update()
        outgoing = None
        if isinstance(reference, str) and _is_uuid(reference):
            outgoing = rows.filter(reference=reference).first()
        if outgoing is None and isinstance(notify_id, str) and notify_id:
            outgoing = rows.filter(notify_id=notify_id[:64]).first()
        if outgoing is None:
            return None
        outgoing.delivery_status = status
        outgoing.delivered_at = _when(receipt.get("completed_at")) or timezone.now()
        if not outgoing.notify_id and isinstance(notify_id, str):
            outgoing.notify_id = notify_id[:64]
        outgoing.save(update_fields=["delivery_status", "delivered_at", "notify_id"])
    return outgoing


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _when(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(moment):  # Notify's times are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment


# --- what staff see -------------------------------------------------------------------------


@dataclass(frozen=True)
class TextShown:
    written_at: datetime
    kind: str
    body: str
    status: str  # in words
    delivered: bool
    failed: bool
    sent_at: datetime | None
    delivered_at: datetime | None


def status_in_words(outgoing: OutgoingText) -> str:
    if outgoing.status == OutgoingText.Status.FAILED:
        return (
            "Not sent: the text service could not be reached "
            "(a system administrator can send it again)"
        )
    if outgoing.status == OutgoingText.Status.QUEUED:
        return "Waiting to be sent" if not outgoing.attempts else "Waiting to be sent again"
    if outgoing.delivery_status:
        return outgoing.get_delivery_status_display()
    if not outgoing.notify_id:
        return "Sent (written to the log: texts are not really sent here)"
    return "Sent: waiting to hear whether it was delivered"


def texts_for_person(person, *, limit: int = 10) -> list[TextShown]:
    """The latest texts to the person's mobile, newest first, each with what became of it in
    words. One query (none without a mobile)."""
    if not person.mobile:
        return []
    texts = OutgoingText.objects.filter(to=person.mobile).order_by("-created_at", "-pk")[:limit]
    return [
        TextShown(
            written_at=text.created_at,
            kind=KINDS.get(text.kind, text.kind.replace("_", " ").capitalize() or "Text"),
            body=text.body,
            status=status_in_words(text),
            delivered=text.delivery_status == OutgoingText.Delivery.DELIVERED,
            failed=text.status == OutgoingText.Status.FAILED
            or text.delivery_status
            in {
                OutgoingText.Delivery.PERMANENT_FAILURE,
                OutgoingText.Delivery.TEMPORARY_FAILURE,
                OutgoingText.Delivery.TECHNICAL_FAILURE,
            },
            sent_at=text.sent_at,
            delivered_at=text.delivered_at,
        )
        for text in texts
    ]
