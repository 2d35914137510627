"""Background work of the site shell, run by the task worker (`db_worker`). The periodic job is
declared here, next to its task, with django-crontask's `@cron`, as courses/tasks.py does."""

from crontask import cron
from django.tasks import task

from cms.privacy.retention import retention_apply
from cms.texts import TEXTS

# Daily, at night, when nobody is booking: each kind's period is in years or days, so once a day
# is soon enough, and the run is safe to repeat.
RETENTION_SCHEDULE = "30 2 * * *"
# Text messages waiting after Notify was down, or whose retry the queue could not defer: looked
# at every few minutes, so a text waits at most that long once Notify is back.
TEXTS_EVERY_MINUTES = 5
TEXTS_SCHEDULE = f"*/{TEXTS_EVERY_MINUTES} * * * *"


@cron(RETENTION_SCHEDULE)
@task
def apply_retention() -> dict:
    """Delete or anonymise what has passed its retention period (cms/privacy/retention.py), and
    log it. Returns the counts per kind."""
    return retention_apply(dry_run=False).counts


@cron(TEXTS_SCHEDULE)
@task
def send_due_texts() -> dict:
    """Send every text message that is due (cms/texts.py) and delete sent ones past their
    retention period. Safe to run twice: each text is locked while it is sent, and sent once."""
    return {"sent": TEXTS.send_due(), "pruned": TEXTS.prune()}
