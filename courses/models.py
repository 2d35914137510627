from django.conf import settings
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel


class Site(ClusterableModel):
    """A delivery site, such as a health board, where courses run and people are based.

    Programme leads and site administrators see and manage only the sites they are members of.
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in web addresses.")
    description = models.TextField(blank=True, help_text="Where the site is and whom it serves.")

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        InlinePanel("memberships", heading="People at this site", label="Member"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SiteMembership(models.Model):
    """A person based at a site. For leads and administrators this is the scope of what they see."""

    site = ParentalKey(Site, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("user")]

    class Meta:
        ordering = ["site", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "user"], name="one_membership_per_site_and_user"
            )
        ]

    def __str__(self):
        return f"{self.user} at {self.site}"
