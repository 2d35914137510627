"""Background work for course delivery, run by the task worker: the reminder emails before each
session and for the before and after reflections, and the dashboard's figures. Each task calls
one function of its area; the tasks keep these import paths so queued work still finds them."""

from django.tasks import task

from courses.dashboard import figures
from courses.reflections.reminders import reflection_reminders_send_due
from courses.workshops.reminders import reminders_send_due


@task
def send_due_reminders() -> int:
    """Email each assigned tutor and each booked trainee the reminder due now for each session
    of an open run (courses.workshops.reminders). Returns how many reminders were sent."""
    return reminders_send_due()


@task
def send_due_reflection_reminders() -> int:
    """Email each trainee whose before or after reflection is waiting for them, once per
    survey (courses.reflections.reminders). Returns how many were sent."""
    return reflection_reminders_send_due()


@task
def refresh_dashboard_figures() -> int:
    """Work out the programme dashboard's figures again (schedule it every 10 minutes). Returns
    how many rows of figures there are."""
    return figures.figures_refresh().rows
