"""Background work for course delivery, run by the task worker (`db_worker`): the reminder emails
before each session and for the before and after reflections, telling leads when a group's
change has not lasted, and the dashboard's figures. Each task calls one function of its area;
the tasks keep these import paths so queued work still finds them.

The periodic ones are declared here, next to their task, with django-crontask's `@cron`: the one
scheduler process (`manage.py crontask`) puts each on the queue at its times, and a worker runs it.
Every one of them is safe to run twice, so a late or doubled run does no harm."""

from crontask import cron
from django.tasks import task
from django.utils import timezone

from courses.dashboard import figures
from courses.people.referrals import referral_previews_forget
from courses.reflections.partnership import partnership_alerts_send_due
from courses.reflections.refreshers import refresher_alerts_send_due
from courses.reflections.reminders import reflection_reminders_send_due
from courses.reflections.session_feedback import session_feedback_send_due
from courses.workshops.offers import offers_expire_due
from courses.workshops.reminders import reminders_send_due

# Reminders are due at a whole number of days before a session (and a reflection once its survey
# opens): looking every 15 minutes sends each within a quarter of an hour of when it is due.
REMINDERS_EVERY_MINUTES = 15
REMINDERS_SCHEDULE = f"*/{REMINDERS_EVERY_MINUTES} * * * *"
# The dashboard's figures, as often as the dashboard says they are worked out again.
FIGURES_SCHEDULE = f"*/{figures.REFRESH_MINUTES} * * * *"
# A waiting-list offer ends at its deadline: looking every 5 minutes passes its place on to the
# next person within 5 minutes of it.
OFFERS_EVERY_MINUTES = 5
OFFERS_SCHEDULE = f"*/{OFFERS_EVERY_MINUTES} * * * *"


@cron(REMINDERS_SCHEDULE)
@task
def send_due_reminders() -> int:
    """Email each assigned tutor and each booked trainee the reminder due now for each session
    of an open run (courses.workshops.reminders). Returns how many reminders were sent."""
    return reminders_send_due()


@cron(REMINDERS_SCHEDULE)
@task
def send_due_reflection_reminders() -> int:
    """Email each trainee whose before or after reflection is waiting for them, once per
    survey (courses.reflections.reminders). Returns how many were sent."""
    return reflection_reminders_send_due()


@cron(REMINDERS_SCHEDULE)
@task
def send_session_feedback() -> int:
    """Give each session that has just ended its trainees' feedback form and its tutors'
    debrief, and email each person theirs once (courses.reflections.session_feedback); then,
    from the debriefs sent, tell a site's leads once when a lay tutor's share of the leading
    has been rated low several sessions in a row (courses.reflections.partnership).
    Returns how many feedback emails and partnership alerts were sent."""
    now = timezone.now()
    return session_feedback_send_due(now=now) + partnership_alerts_send_due(now=now)


@cron(REMINDERS_SCHEDULE)
@task
def send_refresher_alerts() -> int:
    """Tell a site's programme leads, once per run and follow-up point, when a group's
    follow-up means have fallen back towards where they started, with a link to invite them
    to a refresher (courses.reflections.refreshers). Returns how many were told."""
    return refresher_alerts_send_due()


@cron(FIGURES_SCHEDULE)
@task
def refresh_dashboard_figures() -> int:
    """Work out the programme dashboard's figures again (every figures.REFRESH_MINUTES minutes).
    Returns how many rows of figures there are."""
    return figures.figures_refresh().rows


@cron(OFFERS_SCHEDULE)
@task
def expire_place_offers() -> int:
    """Close the waiting-list offers whose deadline has passed, tell each person they are still
    on the waiting list, and offer each place to the next person (courses.workshops.offers).
    Returns how many offers closed."""
    return offers_expire_due(now=timezone.now())


@cron("40 3 * * *")
@task
def forget_referral_previews() -> int:
    """Once a night, delete the referral list previews nobody confirmed within a week
    (courses.people.referrals). Returns how many were deleted."""
    return referral_previews_forget()
