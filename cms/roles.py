"""The five roles of the programme, as Django groups, and where each lands after signing in."""

from enum import StrEnum


class Role(StrEnum):
    TRAINEE = "trainee"
    LAY_TUTOR = "lay tutor"
    CLINICAL_TUTOR = "clinical tutor"
    PROGRAMME_LEAD = "programme lead"
    SITE_ADMINISTRATOR = "site administrator"


# The groups of roles pages are opened to, named once (views pass them to role_required).
TUTOR_ROLES = frozenset({Role.LAY_TUTOR, Role.CLINICAL_TUTOR})
# Scoped to their sites: they see their own sites' runs, people and figures.
LEADS_AND_ADMINISTRATORS = frozenset({Role.PROGRAMME_LEAD, Role.SITE_ADMINISTRATOR})
# Those who teach or plan sessions: tutors and the programme lead.
TUTORS_AND_LEADS = TUTOR_ROLES | {Role.PROGRAMME_LEAD}
STAFF_ROLES = TUTOR_ROLES | LEADS_AND_ADMINISTRATORS
# Produce a person's data for their written request (a subject access request), for the people
# booked at their sites; system administrators for anyone.
WRITTEN_REQUEST_ROLES = frozenset({Role.SITE_ADMINISTRATOR})


# Those who see health-related answers of many people, and system administrators: they must set
# up a second factor before they open anything but their account and the public pages.
SECOND_FACTOR_ROLES = LEADS_AND_ADMINISTRATORS
# What counts as a second factor: recovery codes only back one of these up.
SECOND_FACTOR_TYPES = ("totp", "webauthn")


def roles_of(user) -> frozenset[Role]:
    """The roles a user holds, read once per request and kept on the user object.

    The same query says whether they have a second factor (has_second_factor), so the rule that
    leads must have one costs staff pages nothing."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cotraining_roles", None)
    if cached is None:
        from allauth.mfa.models import Authenticator
        from django.contrib.auth import get_user_model
        from django.db.models import Exists, OuterRef

        rows = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .annotate(
                has_factor=Exists(
                    Authenticator.objects.filter(
                        user_id=OuterRef("pk"), type__in=SECOND_FACTOR_TYPES
                    )
                )
            )
            .values_list("groups__name", "has_factor")
        )
        rows = list(rows)
        # One row per group (one row with None for someone in no group), the flag on every row.
        names = {name for name, _ in rows}
        has_factor = bool(rows) and rows[0][1]
        cached = frozenset(role for role in Role if role.value in names)
        user._cotraining_roles = cached
        user._cotraining_has_second_factor = has_factor
    return cached


def has_any_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def has_second_factor(user) -> bool:
    """An authenticator app or a security key, as read with the roles at the request's start."""
    roles_of(user)
    return getattr(user, "_cotraining_has_second_factor", False)


def must_set_up_second_factor(user) -> bool:
    """The one rule: programme leads, site administrators and system administrators (superusers)
    without a second factor may open only their account, the set-up pages and public pages."""
    if not user.is_authenticated:
        return False
    if not (user.is_superuser or roles_of(user) & SECOND_FACTOR_ROLES):
        return False
    return not has_second_factor(user)


def second_factor_role_name(user) -> str:
    """Why they must have a second factor, in words: "programme lead", "system administrator"."""
    if user.is_superuser:
        return "system administrator"
    held = roles_of(user) & SECOND_FACTOR_ROLES
    return next((role.value for role in Role if role in held), "")
