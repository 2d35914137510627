"""Roles from the identity provider's group claims: only where a system administrator mapped
them, granted and taken away at each sign-in, never touching a role staff gave by hand."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.models import ModelLogEntry

from cms.models import SignInRoleGrant, SignInRoleMapping
from cms.roles import Role, roles_of
from cms.sso.roles import ROLE_GRANTED, ROLE_REMOVED, claims_of, sign_in_roles_apply
from tests.cms.sso.conftest import PROVIDER_ID, sso_sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LEADS_GROUP = "cotraining-leads"


def roles(user):
    user.__dict__.pop("_cotraining_roles", None)
    return {role.value for role in roles_of(user)}


def sign_up_by_sso(client, provider, email):
    back = sso_sign_in(client, provider, email)
    if back["Location"] == "/accounts/3rdparty/signup/":
        client.post(
            "/accounts/3rdparty/signup/",
            {"email": email, "first_name": "Fiona", "last_name": "Grant", "audience": "both"},
        )
    return get_user_model().objects.get(email=email)


def role_log(user):
    return list(
        ModelLogEntry.objects.filter(object_id=str(user.pk))
        .order_by("timestamp", "pk")
        .values_list("action", "data")
    )


def test_a_mapped_group_gives_its_role_and_takes_it_away_when_gone(client, sso):
    SignInRoleMapping.objects.create(
        provider=PROVIDER_ID, value=LEADS_GROUP, role=Role.PROGRAMME_LEAD
    )
    sso.set_groups("lead@nhs.example", [LEADS_GROUP, "someone-elses-group"])

    person = sign_up_by_sso(client, sso, "lead@nhs.example")

    assert roles(person) == {"trainee", "programme lead"}
    assert role_log(person) == [(ROLE_GRANTED, {"role": "programme lead", "provider": PROVIDER_ID})]

    client.logout()
    sso.set_groups("lead@nhs.example", ["someone-elses-group"])
    sso_sign_in(client, sso, "lead@nhs.example")

    assert roles(person) == {"trainee"}
    assert not SignInRoleGrant.objects.exists()
    assert role_log(person)[-1] == (
        ROLE_REMOVED,
        {"role": "programme lead", "provider": PROVIDER_ID},
    )


def test_an_unmapped_group_gives_nothing(client, sso):
    SignInRoleMapping.objects.create(
        provider=PROVIDER_ID, value=LEADS_GROUP, role=Role.PROGRAMME_LEAD
    )
    sso.set_groups("mapped@nhs.example", ["cotraining-administrators"])

    person = sign_up_by_sso(client, sso, "mapped@nhs.example")

    assert roles(person) == {"trainee"}
    assert role_log(person) == []


def test_a_mapping_for_another_provider_gives_nothing(client, sso):
    SignInRoleMapping.objects.create(
        provider="microsoft", value=LEADS_GROUP, role=Role.PROGRAMME_LEAD
    )
    sso.set_groups("mapped@nhs.example", [LEADS_GROUP])

    person = sign_up_by_sso(client, sso, "mapped@nhs.example")

    assert roles(person) == {"trainee"}


def test_a_role_given_by_hand_is_never_taken_away():
    person = UserFactory(roles=["trainee", "programme lead"])
    SignInRoleMapping.objects.create(
        provider=PROVIDER_ID, value=LEADS_GROUP, role=Role.PROGRAMME_LEAD
    )

    granted, _ = sign_in_roles_apply(
        user=person, provider=PROVIDER_ID, claims={"groups": [LEADS_GROUP]}
    )
    _, removed = sign_in_roles_apply(user=person, provider=PROVIDER_ID, claims={"groups": []})

    assert (granted, removed) == (set(), set())
    assert roles(person) == {"trainee", "programme lead"}
    assert role_log(person) == []


def test_a_role_granted_through_one_provider_is_not_removed_by_another():
    person = UserFactory(roles=["trainee"])
    SignInRoleMapping.objects.create(provider="microsoft", value="g", role=Role.LAY_TUTOR)

    sign_in_roles_apply(user=person, provider="microsoft", claims={"groups": ["g"]})
    sign_in_roles_apply(user=person, provider=PROVIDER_ID, claims={})

    assert roles(person) == {"trainee", "lay tutor"}


def test_a_claim_of_one_value_and_another_claim_name():
    person = UserFactory(roles=["trainee"])
    SignInRoleMapping.objects.create(
        provider=PROVIDER_ID, claim="role", value="tutor", role=Role.CLINICAL_TUTOR
    )

    sign_in_roles_apply(user=person, provider=PROVIDER_ID, claims={"role": "tutor"})

    assert roles(person) == {"trainee", "clinical tutor"}
    assert Group.objects.get(name="clinical tutor").user_set.get() == person


def test_claims_prefer_userinfo_over_the_id_token():
    extra = {"id_token": {"groups": ["a"], "sub": "1"}, "userinfo": {"groups": ["b"]}}

    assert claims_of(extra) == {"groups": ["b"], "sub": "1"}
    assert claims_of({"groups": ["c"]}) == {"groups": ["c"]}
    assert claims_of(None) == {}
