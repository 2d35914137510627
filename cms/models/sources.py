"""Where each loaded page came from in content/, so a second load changes nothing."""

from django.db import models
from wagtail.models import Page


class CurriculumSource(models.Model):
    """Where a curriculum page came from in content/, and what was loaded, so that a second load
    changes nothing and a page edited in the CMS since is not overwritten by accident."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="curriculum_source")
    path = models.CharField(max_length=500, unique=True)
    content_hash = models.CharField(max_length=64)
    loaded_revision_id = models.PositiveBigIntegerField(null=True)

    def __str__(self):
        return self.path
