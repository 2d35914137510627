"""The footer's information pages: created once with starting text, linked from every page."""

import pytest

from cms import footer
from cms.information import STARTING_PAGES
from cms.models import InformationPage
from cms.services import information_page_ensure, information_pages_ensure

pytestmark = pytest.mark.django_db

FOOTER_TITLES = ["Contact us", "Privacy notice", "Accessibility statement", "Cookies"]


def footer_html(html):
    return html[html.index('<footer class="nhsuk-footer"') : html.index("</footer>")]


def test_the_four_pages_are_created_once_and_an_edited_page_is_kept(home_page):
    assert information_pages_ensure(home=home_page) == 4
    privacy = InformationPage.objects.get(slug="privacy-notice")
    privacy.body = "Our own words."
    privacy.save_revision().publish()

    assert information_pages_ensure(home=home_page) == 0

    assert InformationPage.objects.count() == 4
    assert InformationPage.objects.get(slug="privacy-notice").body == "Our own words."
    assert [page.title for page in InformationPage.objects.order_by("path")] == FOOTER_TITLES


def test_the_footer_links_the_pages_that_exist(client, home_page):
    assert "nhsuk-footer__list-item-link" not in footer_html(client.get("/").text)

    information_pages_ensure(home=home_page)
    html = footer_html(client.get("/").text)

    for page in STARTING_PAGES:
        assert f'href="/{page.slug}/">{page.title}</a>' in html


def test_an_unpublished_page_leaves_the_footer(client, home_page):
    information_pages_ensure(home=home_page)
    client.get("/")
    InformationPage.objects.get(slug="cookies").unpublish()

    html = footer_html(client.get("/").text)

    assert "Cookies" not in html
    assert "Privacy notice" in html


def test_the_footer_costs_no_query_once_worked_out(client, home_page, django_assert_num_queries):
    information_pages_ensure(home=home_page)
    assert len(footer.footer_links()) == 4

    with django_assert_num_queries(0):
        assert len(footer.footer_links()) == 4


def test_the_pages_show_their_text_and_contact_us_lists_each_sites_contacts(
    client, home_page, riverside, hillside
):
    riverside.contact_phone = "01632 960 418"
    riverside.contact_email = "courses@riverside.example.org"
    riverside.save()
    information_pages_ensure(home=home_page)

    contact = client.get("/contact-us/").text
    cookies = client.get("/cookies/").text
    privacy = client.get("/privacy-notice/").text
    accessibility = client.get("/accessibility-statement/").text

    assert '<h1 class="nhsuk-heading-xl">Contact us</h1>' in contact
    assert 'href="tel:01632960418"' in contact
    assert "Hillside Health Board has not given a phone number" in contact
    for name in ("sessionid", "csrftoken", "messages"):
        assert f"<code>{name}</code>" in cookies
    assert "analytics" in cookies
    assert "attendance" in privacy and "reflections" in privacy
    assert "programme lead of your site" in privacy
    assert "WCAG" in accessibility and "NHS.UK frontend" in accessibility


def test_an_information_page_with_a_taken_slug_is_left_alone(home_page):
    information_page_ensure(home=home_page, slug="cookies", title="Cookies", body="Ours.")

    page, created = information_page_ensure(
        home=home_page, slug="cookies", title="Cookies", body="Starting text."
    )

    assert not created
    assert page.body == "Ours."
