import json
from pathlib import Path

from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.conf import settings


class GroupsAdapter(DefaultOIDCAdapter):
    """Adds a `groups` claim, read afresh at every sign-in from the JSON file the tests write
    (email -> list of groups), so a test can move a person between groups between sign-ins."""

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs):
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        path = Path(settings.OIDC_PROVIDER_GROUPS) if settings.OIDC_PROVIDER_GROUPS else None
        if path and path.exists():
            groups = json.loads(path.read_text()).get(user.email)
            if groups is not None:
                claims["groups"] = groups
        return claims
