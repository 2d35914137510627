"""Retention rules of the reflections app: the log of who downloaded reflection data."""

from assessments.models import ExportLog
from cms.privacy.periods import period_cutoff
from cms.privacy.retention import RetentionRule


def export_logs_passed(now):
    return ExportLog.objects.filter(exported_at__lt=period_cutoff("export_logs", now))


def assessments_retention_rules() -> list[RetentionRule]:
    return [
        RetentionRule(
            kind="export_logs",
            does="Deletes records of who downloaded reflection data.",
            passed=export_logs_passed,
        )
    ]
