"""Who exported what, when: every download of personal data leaves one."""

from django.conf import settings
from django.db import models


class ExportLog(models.Model):
    """Who exported what, when: every export of reflection data leaves one."""

    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    exported_at = models.DateTimeField(auto_now_add=True)
    what = models.CharField(max_length=200)
    file_format = models.CharField(max_length=10)
    filters = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-exported_at"]

    def __str__(self):
        return f"{self.what} ({self.file_format}) by {self.exported_by} at {self.exported_at}"
