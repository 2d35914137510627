"""What a lead types into the run and venue forms: valid data, with changes for each test."""

from datetime import timedelta

from django.utils import timezone


def run_form(workshop, **changes):
    """What a lead types to plan a run of the workshop's programme at its venue, with changes."""
    data = {
        "programme": workshop["programme"].pk,
        "venue": workshop["venue"].pk,
        "title": "Autumn group",
        "first_date": (timezone.localdate() + timedelta(days=10)).strftime("%d/%m/%Y"),
        "weekday": "2",
        "start_time": "13:30",
        "session_minutes": "180",
        "session_count": "7",
        "capacity": "12",
        "minimum_group": "8",
        "completion_sessions": "5",
        "reminder_days": "7,1",
        "closed_dates": "",
    }
    return {**data, **changes}


def venue_data(site, **extra):
    """A new venue at `site`, as the admin form posts it."""
    return {
        "site": site.pk,
        "name": "Eastgate Health Centre",
        "address": "2 East Gate",
        "postcode": "RV2 2BB",
        "capacity": "20",
        "step_free": "on",
        "access_notes": "",
        "is_active": "on",
        **extra,
    }
