"""Background work of the site shell, run by the task worker (`db_worker`). The periodic job is
declared here, next to its task, with django-crontask's `@cron`, as courses/tasks.py does."""

from crontask import cron
from django.tasks import task

from cms.privacy.retention import retention_apply

# Daily, at night, when nobody is booking: each kind's period is in years or days, so once a day
# is soon enough, and the run is safe to repeat.
RETENTION_SCHEDULE = "30 2 * * *"


@cron(RETENTION_SCHEDULE)
@task
def apply_retention() -> dict:
    """Delete or anonymise what has passed its retention period (cms/privacy/retention.py), and
    log it. Returns the counts per kind."""
    return retention_apply(dry_run=False).counts
