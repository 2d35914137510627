"""Retention: how long each kind of data is kept (settings.RETENTION, stated on the privacy
notice from the same settings), and the job that applies it (`apply_retention`, daily from
cms/tasks.py).

Each app registers its rules in `AppConfig.ready()`; cms knows nothing of reflections or
bookings. A rule says what kind of data it covers, what it does in words, which rows have passed
their period at a given moment, and how to act on them. A real run writes a `RetentionRun`
(counts per kind); a dry run says the same counts and changes nothing.

Written reflection answers follow the same decision as whole-person erasure
(assessments/privacy/erasure.py): the words are emptied and the ratings kept, so the totals and
the matched analysis are unchanged."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cms.models import PersonalDataExport, RetentionRun
from cms.outbox import EMAILS
from cms.privacy.erasure import ERASED_DOMAIN, ErasureRefused, person_erase
from cms.privacy.periods import period_cutoff, period_text
from cms.roles import STAFF_ROLES
from cms.texts import TEXTS


def _delete(rows) -> tuple[int, list]:
    return rows.delete()[0], []


@dataclass(frozen=True)
class RetentionRule:
    kind: str
    does: str
    passed: Callable  # now -> QuerySet of what has passed its period
    apply: Callable = _delete  # QuerySet -> (how many acted on, what was left and why)
    held: Callable = field(default=lambda now: [])  # now -> [why each was left for a person]
    # The setting whose period applies, when not the rule's own kind (two logs share one period).
    period: str = ""

    @property
    def period_kind(self) -> str:
        return self.period or self.kind


@dataclass(frozen=True)
class RetentionReport:
    counts: dict
    reported: list
    dry_run: bool
    run: RetentionRun | None


_rules: dict[str, RetentionRule] = {}


def retention_rule_register(rule: RetentionRule) -> None:
    """Add (or replace, by kind) a retention rule."""
    _rules[rule.kind] = rule


def retention_rules() -> list[RetentionRule]:
    return [*_cms_rules(), *_rules.values()]


def retention_apply(*, dry_run: bool) -> RetentionReport:
    """Apply every rule to what has passed its period now (or, in a dry run, only count it).
    Each rule acts on its own; a person's erasure is its own transaction (person_erase), so a
    long run never holds one lock over everything."""
    now = timezone.now()
    counts, reported = {}, []
    for rule in retention_rules():
        rows = rule.passed(now)
        reported.extend(rule.held(now))
        if dry_run:
            counts[rule.kind] = rows.count()
            continue
        counts[rule.kind], left = rule.apply(rows)
        reported.extend(left)
    run = None
    if not dry_run:
        run = RetentionRun(ran_at=now, dry_run=False, counts=counts, reported=reported)
        run.full_clean()
        run.save()
    return RetentionReport(counts=counts, reported=reported, dry_run=dry_run, run=run)


# --- the site shell's own rules ---------------------------------------------------------------


def _past_inactive(now):
    """Accounts not signed in to (never signed in: made) before the period, not yet erased."""
    return (
        get_user_model()
        .objects.annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=period_cutoff("inactive_accounts", now))
        .exclude(email__endswith="@" + ERASED_DOMAIN)
        .order_by("pk")
    )


def _staff_with_roles():
    """System administrators, Django staff, and tutors, leads and site administrators: a trainee
    is no staff role."""
    staff_groups = [str(role) for role in STAFF_ROLES]
    return Q(is_superuser=True) | Q(is_staff=True) | Q(groups__name__in=staff_groups)


def inactive_accounts_passed(now):
    return _past_inactive(now).exclude(_staff_with_roles()).distinct()


def inactive_accounts_held(now) -> list[str]:
    held = _past_inactive(now).filter(_staff_with_roles()).distinct()
    return [
        f"Account {pk} has not signed in for {period_text('inactive_accounts')} but has a staff "
        "role: take the role away, or ask them to sign in."
        for pk in held.values_list("pk", flat=True)
    ]


def inactive_accounts_erase(rows) -> tuple[int, list]:
    erased, left = 0, []
    reason = f"Retention: no sign-in for {period_text('inactive_accounts')}."
    for person in list(rows):
        try:
            person_erase(person=person, erased_by=None, reason=reason, by_retention=True)
        except ErasureRefused as refused:
            left.append(f"Account {person.pk} not erased: {refused}")
        else:
            erased += 1
    return erased, left


def personal_data_exports_passed(now):
    return PersonalDataExport.objects.filter(produced_at__lt=period_cutoff("export_logs", now))


def _cms_rules() -> list[RetentionRule]:
    return [
        RetentionRule(
            kind="inactive_accounts",
            does="Erases accounts not signed in to for the period (staff with roles are "
            "reported instead).",
            passed=inactive_accounts_passed,
            apply=inactive_accounts_erase,
            held=inactive_accounts_held,
        ),
        RetentionRule(
            kind="personal_data_exports",
            does="Deletes records of copies made of a person's data (their own downloads and "
            "written requests).",
            passed=personal_data_exports_passed,
            period="export_logs",
        ),
        RetentionRule(
            kind="sent_emails",
            does="Deletes sent emails from the outbox.",
            passed=EMAILS.sent_passed,
        ),
        RetentionRule(
            kind="sent_texts",
            does="Deletes sent text messages from the outbox.",
            passed=TEXTS.sent_passed,
        ),
    ]
