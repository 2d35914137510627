import pytest
from django.contrib.auth.models import Group

from cms.roles import Role
from courses.sites import scope
from tests.factories import SiteFactory, SiteMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_lead_sees_only_their_own_sites(people, riverside, hillside):
    assert list(scope.sites_for(people["lead"])) == [riverside]
    assert list(scope.sites_for(people["other_lead"])) == [hillside]


def test_a_superuser_sees_every_site(riverside, hillside):
    admin = UserFactory(is_superuser=True)

    assert list(scope.sites_for(admin).order_by("name")) == [hillside, riverside]


def test_site_list_page_shows_the_leads_sites_with_headcounts(client, people):
    client.force_login(people["lead"])

    response = client.get("/sites/")

    assert response.status_code == 200
    assert "Riverside Health Board" in response.text
    assert "6 people" not in response.text  # the Hillside lead is not at Riverside
    assert "5 people" in response.text
    assert "Hillside Health Board" not in response.text


def test_site_list_page_explains_what_to_do_when_you_have_no_site(client, db):
    lonely_lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value])
    client.force_login(lonely_lead)

    response = client.get("/sites/")

    assert response.status_code == 200
    assert "You are not linked to a site yet" in response.text


def test_site_page_lists_people_by_role(client, people):
    client.force_login(people["site_admin"])

    response = client.get("/sites/riverside/")

    assert response.status_code == 200
    text = response.text
    for heading in ["Programme lead (1)", "Site administrator (1)", "Lay tutor (1)", "Trainee (1)"]:
        assert heading in text
    assert "lay.tutor@example.com" in text
    assert "other.lead@example.com" not in text


def test_another_sites_page_is_not_found_for_a_lead(client, people):
    client.force_login(people["other_lead"])

    response = client.get("/sites/riverside/")

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "lay.tutor@example.com" not in response.text


def test_a_trainee_may_not_see_sites_at_all(client, people):
    client.force_login(people["trainee"])

    assert client.get("/sites/").status_code == 403
    assert client.get("/sites/riverside/").status_code == 403


def test_site_list_query_count_does_not_grow_with_sites(client, people, django_assert_num_queries):
    lead = people["lead"]
    client.force_login(lead)
    client.get("/sites/")  # warm the session
    with django_assert_num_queries(4) as first:
        client.get("/sites/")
    for number in range(10):
        site = SiteFactory(slug=f"extra-{number}")
        SiteMembershipFactory(site=site, user=lead)
        SiteMembershipFactory.create_batch(3, site=site)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get("/sites/")
    assert response.text.count("/sites/extra-") == 10


def test_site_page_query_count_does_not_grow_with_people(
    client, people, riverside, django_assert_num_queries
):
    client.force_login(people["lead"])
    client.get("/sites/riverside/")
    with django_assert_num_queries(7) as first:  # 7: the latest messages from trainees
        client.get("/sites/riverside/")
    trainees = Group.objects.get(name=Role.TRAINEE.value)
    for membership in SiteMembershipFactory.create_batch(20, site=riverside):
        membership.user.groups.add(trainees)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get("/sites/riverside/")
    assert "Trainees (21)" in response.text
