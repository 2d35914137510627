"""Roles from an organisation's identity provider: only where a system administrator has mapped
one of its group claims to a role, and only ever removed again if that mapping granted it."""

from django.conf import settings
from django.db import models

from cms.roles import Role

ROLE_CHOICES = [(role.value, role.value.capitalize()) for role in Role]


class SignInRoleMapping(models.Model):
    provider = models.CharField(
        "identity provider",
        max_length=100,
        help_text='The provider\'s id: "microsoft", or OIDC_PROVIDER_ID (by default "oidc").',
    )
    claim = models.CharField(
        "claim name",
        max_length=100,
        default="groups",
        help_text="The claim in the provider's answer that lists the person's groups.",
    )
    value = models.CharField(
        "claim value",
        max_length=255,
        help_text="The group, exactly as the provider sends it (an id or a name).",
    )
    role = models.CharField(max_length=30, choices=ROLE_CHOICES)

    class Meta:
        ordering = ["provider", "claim", "value", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "claim", "value", "role"], name="one_mapping_per_group_role"
            )
        ]
        verbose_name = "sign-in role mapping"

    def __str__(self):
        return f"{self.provider}: {self.claim} = {self.value} gives {self.role}"


class SignInRoleGrant(models.Model):
    """A role a person holds because a mapping gave it at sign-in. Roles given by staff have no
    row here, so a sign-in never takes them away."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_role_grants"
    )
    provider = models.CharField(max_length=100)
    role = models.CharField(max_length=30, choices=ROLE_CHOICES)
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_sign_in_grant_per_role")
        ]

    def __str__(self):
        return f"{self.role} for {self.user} from {self.provider}"
