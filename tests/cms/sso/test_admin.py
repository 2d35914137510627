"""System administrators map identity provider groups to roles in the Wagtail admin."""

import pytest

from cms.models import SignInRoleMapping
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_system_administrator_adds_a_mapping(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    form = client.get("/admin/sign_in_role_mappings/new/")
    added = client.post(
        "/admin/sign_in_role_mappings/new/",
        {
            "provider": "oidc",
            "claim": "groups",
            "value": "cotraining-leads",
            "role": "programme lead",
        },
    )
    listed = client.get("/admin/sign_in_role_mappings/")

    assert form.status_code == 200
    assert added.status_code == 302
    mapping = SignInRoleMapping.objects.get()
    assert (mapping.provider, mapping.claim, mapping.value, mapping.role) == (
        "oidc",
        "groups",
        "cotraining-leads",
        "programme lead",
    )
    assert "cotraining-leads" in listed.text


def test_a_role_that_does_not_exist_is_refused(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    refused = client.post(
        "/admin/sign_in_role_mappings/new/",
        {"provider": "oidc", "claim": "groups", "value": "g", "role": "superuser"},
    )

    assert refused.status_code == 200
    assert "Select a valid choice" in refused.text
    assert not SignInRoleMapping.objects.exists()


def test_a_site_administrator_cannot_add_a_mapping(client):
    client.force_login(UserFactory(roles=["site administrator"]))

    refused = client.post(
        "/admin/sign_in_role_mappings/new/",
        {"provider": "oidc", "claim": "groups", "value": "g", "role": "site administrator"},
    )

    assert refused.status_code == 302
    assert not SignInRoleMapping.objects.exists()
