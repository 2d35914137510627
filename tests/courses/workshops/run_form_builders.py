"""What a lead types into the run and venue forms: valid data, with changes for each test."""

from datetime import timedelta

from django.utils import timezone


def run_form(workshop, **changes):
    """What a lead types to plan a run of the workshop's programme at its venue, with changes.
    A `first_date` change is sent as one value (like a link's 12/1/2027), which the date input
    also reads."""
    first = timezone.localdate() + timedelta(days=10)
    data = {
        "programme": workshop["programme"].pk,
        "venue": workshop["venue"].pk,
        "title": "Autumn group",
        "weekday": "2",
        "start_time": "13:30",
        "session_minutes": "180",
        "session_count": "7",
        "capacity": "12",
        "minimum_group": "8",
        "completion_sessions": "5",
        "reminder_days": "7,1",
        "offer_hours": "48",
        "closed_dates": "",
    }
    if "first_date" not in changes:
        # The start date's three boxes: day, month and year.
        data |= {
            "first_date_day": str(first.day),
            "first_date_month": str(first.month),
            "first_date_year": str(first.year),
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
