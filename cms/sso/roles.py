"""Roles from the identity provider's group claims, where a system administrator mapped them.

One service applies them at every sign-in with the organisation's account: a mapped group gives
its role; a role a mapping gave earlier is taken away when the group is no longer in the claim;
a role staff gave by hand is never touched. Each change is written to Wagtail's audit log
(ModelLogEntry, shown under Reports > Site history and in the person's history)."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from cms.models import SignInRoleGrant, SignInRoleMapping
from cms.roles import Role

ROLE_GRANTED = "cms.sign_in_role.granted"
ROLE_REMOVED = "cms.sign_in_role.removed"


def claims_of(extra_data) -> dict:
    """The claims allauth kept from the provider: for OpenID Connect the ID token's, with the
    userinfo answer's on top; for other providers their profile answer as it is."""
    if not isinstance(extra_data, dict):
        return {}
    if "userinfo" in extra_data or "id_token" in extra_data:
        return {**(extra_data.get("id_token") or {}), **(extra_data.get("userinfo") or {})}
    return extra_data


def claim_values(claims: dict, name: str) -> set[str]:
    value = claims.get(name)
    if value is None:
        return set()
    if isinstance(value, (list, tuple, set)):
        return {str(item) for item in value}
    return {str(value)}


@transaction.atomic
def sign_in_roles_apply(*, user, provider: str, claims: dict) -> tuple[set[Role], set[Role]]:
    """Bring the roles this provider's mappings give in line with the claims; returns the roles
    granted and removed."""
    wanted = {
        Role(mapping.role)
        for mapping in SignInRoleMapping.objects.filter(provider=provider)
        if mapping.value in claim_values(claims, mapping.claim)
    }
    held = {Role(name) for name in user.groups.values_list("name", flat=True) if name in set(Role)}
    grants = {Role(grant.role): grant for grant in SignInRoleGrant.objects.filter(user=user)}

    granted = set()
    for role in sorted(wanted - held):
        group, _ = Group.objects.get_or_create(name=role.value)
        user.groups.add(group)
        grant = SignInRoleGrant(user=user, provider=provider, role=role, granted_at=timezone.now())
        grant.full_clean()
        grant.save()
        log(instance=user, action=ROLE_GRANTED, data={"role": role.value, "provider": provider})
        granted.add(role)

    removed = set()
    for role, grant in sorted(grants.items()):
        if grant.provider != provider or role in wanted:
            continue
        user.groups.remove(*Group.objects.filter(name=role.value))
        grant.delete()
        log(instance=user, action=ROLE_REMOVED, data={"role": role.value, "provider": provider})
        removed.add(role)

    if granted or removed:
        user.__dict__.pop("_cotraining_roles", None)
    return granted, removed


def apply_on_sign_in(sender, request, user, sociallogin=None, **kwargs):
    """allauth's user_logged_in, sent with the social login when the person signed in by SSO."""
    if sociallogin is None:
        return
    sign_in_roles_apply(
        user=user,
        provider=sociallogin.account.provider,
        claims=claims_of(sociallogin.account.extra_data),
    )


def install():
    from allauth.account.signals import user_logged_in

    user_logged_in.connect(apply_on_sign_in, dispatch_uid="cms.sso.roles.apply_on_sign_in")
