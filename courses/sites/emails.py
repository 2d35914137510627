"""Emails about a site. Services call these from `transaction.on_commit`, with ids."""

from courses.common.mail import send
from courses.models import OrganiserMessage
from courses.sites.scope import lead_emails


def organiser_message_sent(message_id: int) -> None:
    """A trainee's message, to the site's programme leads; answering it writes to the trainee."""
    message = (
        OrganiserMessage.objects.select_related("run", "site", "sender")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return
    send(
        to=lead_emails(message.site_id),
        subject=f"{message.get_topic_display()}: a message about {message.run.title}",
        template="courses/sites/email/organiser_message.txt",
        context={"message": message, "run": message.run, "sender": message.sender},
        reply_to=[message.sender.email],
    )
