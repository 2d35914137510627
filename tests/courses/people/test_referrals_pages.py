"""The referral pages: who may open them, the upload and its preview, confirming, the list to
contact (its query count fixed as it grows) and recording an outcome."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import errors
from courses.models import Referral, ReferralImport
from courses.people import referrals
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

HEADINGS = "First name,Last name,Mobile,Referrer"


def upload(client, text, *, name="referrals.csv", slug="riverside"):
    return client.post(
        f"/sites/{slug}/referrals/upload/",
        {"file": SimpleUploadedFile(name, text.encode())},
    )


def page(response):
    return " ".join(response.content.decode().split())


def imported(riverside, lead, lines):
    batch = referrals.referral_import_preview(
        site=riverside,
        file_name="r.csv",
        content="\r\n".join([HEADINGS, *lines]).encode(),
        uploaded_by=lead,
    )
    return referrals.referral_import_confirm(referral_import=batch, confirmed_by=lead)


PAGES = [
    ("get", "/sites/riverside/referrals/"),
    ("get", "/sites/riverside/referrals/upload/"),
    ("get", "/sites/riverside/referrals/sample.csv"),
    ("get", "/sites/riverside/referrals/imports/{batch}/"),
    ("post", "/sites/riverside/referrals/imports/{batch}/confirm/"),
    ("get", "/sites/riverside/referrals/{referral}/outcome/"),
]


@pytest.fixture
def referral(riverside, people):
    imported(riverside, people["lead"], ["Margaret,Hughes,07700 900123,Dr Patel"])
    return Referral.objects.get()


@pytest.fixture
def unconfirmed(riverside, people):
    return referrals.referral_import_preview(
        site=riverside,
        file_name="r.csv",
        content=f"{HEADINGS}\r\nTom,Reid,07700 900124,\r\n".encode(),
        uploaded_by=people["lead"],
    )


@pytest.mark.parametrize(("method", "url"), PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 302), ("trainee", 403), ("lay_tutor", 403), ("other_lead", 404), ("site_admin", 200)],
)
def test_who_may_open_each_referral_page(
    client, people, referral, unconfirmed, method, url, who, status
):
    if who:
        client.force_login(people[who])
    address = url.format(batch=unconfirmed.pk, referral=referral.pk)
    response = getattr(client, method)(address)
    if status == 302:
        assert response.status_code == 302 and "/accounts/login/" in response.url
    elif status == 200 and method == "post":
        assert response.status_code == 302  # confirmed, back to the import's page
    else:
        assert response.status_code == status


def test_a_lead_uploads_sees_the_preview_with_its_errors_and_confirms(client, people):
    client.force_login(people["lead"])

    response = upload(
        client,
        f"{HEADINGS}\r\nMargaret,Hughes,07700 900123,Dr Patel\r\nTom,,07700 900124,\r\n",
    )

    assert response.status_code == 302
    assert not Referral.objects.exists()
    preview = page(client.get(response.url))
    assert "Nobody is added until you confirm. Of the 2 rows in the file:" in preview
    assert "1 is a new person, to be added" in preview
    assert (
        '<td class="nhsuk-table__cell">3</td><td class="nhsuk-table__cell">Last name</td>'
        '<td class="nhsuk-table__cell">Enter the person&#x27;s last name.</td>'
    ) in preview
    assert "Confirm and import 1 referral" in preview

    done = page(client.post(response.url + "confirm/", follow=True))

    assert (
        "Imported referrals.csv: of 2 rows, 1 new person added, 0 referrals added for people "
        "already here, 0 already imported. 1 row had errors and was not imported: fix them in "
        "your file and upload it again."
    ) in done
    assert Referral.objects.get().person.first_name == "Margaret"

    again = page(client.post(response.url + "confirm/", follow=True))
    assert "This file was already imported on " in again
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("r.csv", "", errors.REFERRAL_FILE_EMPTY),
        ("r.docx", "First name", errors.REFERRAL_FILE_TYPE),
        ("r.csv", "First name,Last name,Phone no\r\nA,B,C\r\n", 'Column C is headed "Phone no"'),
        ("r.csv", "First name,Last name\r\n", errors.REFERRAL_FILE_NO_ROWS),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_the_page(client, people, name, text, message):
    client.force_login(people["lead"])
    response = upload(client, text, name=name)
    assert response.status_code == 400
    assert message.replace('"', "&quot;") in page(response)
    assert not ReferralImport.objects.exists()


def test_no_file_at_all_is_refused(client, people):
    client.force_login(people["lead"])
    response = client.post("/sites/riverside/referrals/upload/", {})
    assert response.status_code == 400
    assert errors.REFERRAL_FILE_REQUIRED in page(response)


def test_an_excel_file_uploads(client, people):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["First name", "Last name", "Mobile"])
    workbook.active.append(["Ann", "Lee", "07700 900125"])
    content = io.BytesIO()
    workbook.save(content)
    client.force_login(people["lead"])

    response = client.post(
        "/sites/riverside/referrals/upload/",
        {"file": SimpleUploadedFile("list.xlsx", content.getvalue())},
    )

    assert response.status_code == 302
    assert ReferralImport.objects.get().new_count == 1


def test_the_upload_page_lists_the_columns_and_offers_the_sample(client, people):
    client.force_login(people["lead"])
    text = page(client.get("/sites/riverside/referrals/upload/"))
    for column in referrals.COLUMNS:
        assert f'<td class="nhsuk-table__cell">{column.heading}</td>' in text
    assert "the rows with errors are listed so you can fix them in your file" in text
    sample = client.get("/sites/riverside/referrals/sample.csv")
    assert sample["Content-Type"].startswith("text/csv")
    assert sample.content.decode().splitlines()[0].startswith("First name,Last name,Date of birth")


def test_the_list_shows_who_to_contact_with_a_phone_link(client, people, riverside, referral):
    client.force_login(people["lead"])
    text = page(client.get("/sites/riverside/referrals/"))
    assert "1 of 1 referred person still to contact." in text
    assert '<a href="tel:+447700900123">07700 900123</a>' in text
    assert "by Dr Patel" in text
    assert f"/sites/riverside/referrals/{referral.pk}/outcome/" in text


def test_the_list_when_nobody_is_referred(client, people):
    client.force_login(people["lead"])
    assert "Nobody has been referred to Riverside Health Board yet." in page(
        client.get("/sites/riverside/referrals/")
    )


def test_the_list_takes_the_same_queries_for_1_referral_as_for_30(client, people, riverside):
    client.force_login(people["lead"])
    imported(riverside, people["lead"], ["Ann,Lee,07700 900100,"])
    client.get("/sites/riverside/referrals/")  # warm: the session, content types
    with CaptureQueriesContext(connection) as one:
        assert client.get("/sites/riverside/referrals/").status_code == 200
    imported(riverside, people["lead"], [f"P{n},Lee,07700 9{n:05d}," for n in range(1, 30)])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/sites/riverside/referrals/?show=all")
    assert len(one) == len(many)
    assert "30 referrals, oldest referral first: page 1 of 2." in page(response)


def test_recording_an_outcome(client, people, referral):
    client.force_login(people["lead"])
    url = f"/sites/riverside/referrals/{referral.pk}/outcome/"

    refused = client.post(url, {"note": "x"})
    assert refused.status_code == 400
    assert errors.REFERRAL_OUTCOME_CHOOSE in page(refused)

    done = page(client.post(url, {"outcome": "not_interested", "note": "Moving away"}, follow=True))

    assert "Recorded for Margaret Hughes: Not interested." in done
    assert "Everyone referred to Riverside Health Board has been booked or contacted." in done
    referral.refresh_from_db()
    assert (referral.outcome, referral.contacted_by) == ("not_interested", people["lead"])


def test_another_site_s_referral_is_not_found(client, people, referral):
    SiteFactory(slug="hillside-two")
    client.force_login(people["other_lead"])
    assert client.get(f"/sites/hillside/referrals/{referral.pk}/outcome/").status_code == 404
