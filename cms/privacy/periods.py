"""How long each kind of data is kept, as the organisation set it (settings.RETENTION), in one
place for the retention job, the outbox and the privacy notice."""

from datetime import datetime, timedelta

from django.conf import settings

# The privacy notice's words for each kind, in the order it lists them.
KIND_LABELS = {
    "reflections": "Your written reflection answers, after the course or e-learning module ends",
    "inactive_accounts": "Your account and what it holds, after you last signed in",
    "export_logs": "Records of who downloaded personal data",
    "sent_emails": "Emails we sent you, in the service's outbox",
    "sent_texts": "Text messages we sent you, in the service's outbox",
}


def period_of(kind: str) -> tuple[int, str]:
    """(amount, unit), e.g. (7, "years")."""
    ((unit, amount),) = settings.RETENTION[kind].items()
    return amount, unit


def period_text(kind: str) -> str:
    amount, unit = period_of(kind)
    return f"{amount} {unit[:-1] if amount == 1 else unit}"


def period_cutoff(kind: str, now: datetime) -> datetime:
    """The moment before which data of this kind has passed its period."""
    amount, unit = period_of(kind)
    if unit == "days":
        return now - timedelta(days=amount)
    try:
        return now.replace(year=now.year - amount)
    except ValueError:  # 29 February, in a year without one
        return now.replace(year=now.year - amount, day=28)


def periods_for_notice() -> list[tuple[str, str]]:
    """(what, how long) for each kind, for the privacy notice."""
    return [(label, period_text(kind)) for kind, label in KIND_LABELS.items()]
