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


def roles_of(user) -> frozenset[Role]:
    """The roles a user holds, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cotraining_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        user._cotraining_roles = cached
    return cached


def has_any_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))
