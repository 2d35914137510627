"""The person's own download, from their account page: only their own, recorded every time."""

import pytest
from django.utils import timezone

from cms.models import PersonalDataExport
from tests.cms.privacy.zip_reading import read_zip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/account/your-data/"


@pytest.fixture
def person(db):
    return UserFactory(email="jean.murray@example.com", first_name="Jean", last_name="Murray")


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def test_the_account_page_links_to_the_download(signed_in):
    response = signed_in.get("/account/")
    assert b"Download everything we hold about you" in response.content
    assert PAGE.encode() in response.content


def test_the_page_explains_what_is_in_it_and_downloads_by_post(signed_in):
    response = signed_in.get(PAGE)

    assert response.status_code == 200
    assert b"What is in it" in response.content
    assert b'method="post"' in response.content
    assert not PersonalDataExport.objects.exists()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_posting_returns_their_zip_dated_and_records_it(signed_in, person):
    response = signed_in.post(PAGE)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="my-data-{timezone.localdate().isoformat()}.zip"'
    )
    assert "max-age=0" in response["Cache-Control"]
    files = read_zip(response.content)
    assert files["account.json"]["email"] == "jean.murray@example.com"
    record = PersonalDataExport.objects.get()
    assert (record.person, record.produced_by, record.reference) == (person, person, "")
    assert [row["Why"] for row in files["data_exports.csv"]] == ["You downloaded it"]


def test_each_download_is_listed_in_the_next(signed_in):
    signed_in.post(PAGE)
    files = read_zip(signed_in.post(PAGE).content)
    assert len(files["data_exports.csv"]) == 2


def test_it_is_only_ever_their_own(signed_in, person):
    other = UserFactory(email="alan.reid@example.com")
    # No way to name another person: the page takes no one's id.
    response = signed_in.post(f"{PAGE}?person={other.pk}", {"person": other.pk})
    assert read_zip(response.content)["account.json"]["email"] == person.email
    assert not PersonalDataExport.objects.filter(person=other).exists()


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.post(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not PersonalDataExport.objects.exists()
