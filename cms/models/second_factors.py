from django.conf import settings
from django.db import models
from django.utils import timezone

from cms.validation import plain_text


class SecondFactorReset(models.Model):
    """A system administrator removed a person's second factors (a lost phone or key): who, whose,
    when and why. Kept when either account goes: the addresses are copied at the time."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    person_email = models.EmailField("whose", max_length=254)
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reset_by_email = models.EmailField("reset by", max_length=254)
    reason = models.TextField(max_length=1000, validators=[plain_text])
    removed = models.CharField("what was removed", max_length=200)
    reset_at = models.DateTimeField("when", default=timezone.now)

    class Meta:
        ordering = ["-reset_at", "-pk"]
        verbose_name = "two-step sign-in reset"

    def __str__(self):
        return f"{self.person_email}, reset by {self.reset_by_email}"
