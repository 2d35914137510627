"""Text messages through GOV.UK Notify (cms/texts.py), driven with Notify's real client against a
local server that checks requests as Notify's API documents them (tests/notify_server.py): the
right template and words reach Notify; Notify down or slow costs a retry, never a text; delivery
receipts are believed only with the right token; without a key, the console in development and
nothing at all in production."""

import json
import logging
import socket
from datetime import timedelta

import pytest
from crontask import scheduler
from django.test import Client
from django.utils import timezone
from notifications_python_client.notifications import NotificationsAPIClient

from cms import tasks, texts
from cms.models import OutgoingText
from cms.outbox import MAX_ATTEMPTS
from cms.privacy.account import texts_file
from cms.privacy.erasure import person_erase
from cms.privacy.retention import retention_apply
from courses.common.channels import channel_for
from tests.factories import UserFactory
from tests.notify_server import SECRET, SERVICE_ID, TEMPLATE_ID, FakeNotify

pytestmark = pytest.mark.django_db

MOBILE = "+447700900123"
REMINDER_TEMPLATE = "f0e1d2c3-b4a5-4968-8776-655443322110"
CALLBACK = "/notify/callback/"


def free_port() -> int:
    """A port where nothing listens: bound once to find it, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send(capture, **fields):
    with capture(execute=True):
        texts.send_text(**{"to": MOBILE, "body": "Hello", "kind": "reminder", **fields})
    return OutgoingText.objects.order_by("-pk").first()


def receipt_post(client, body, token="callback-token-for-tests"):  # noqa: S107
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post(
        CALLBACK,
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


# --- sending ---------------------------------------------------------------------------------


def test_a_text_reaches_notify_with_its_kinds_template_and_the_words(
    notify, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_TEMPLATE_REMINDER = REMINDER_TEMPLATE

    text = send(django_capture_on_commit_callbacks, body="Your session is tomorrow at 10:00.")

    (sent,) = notify.sent
    assert sent["request"] == {
        "phone_number": MOBILE,
        "template_id": REMINDER_TEMPLATE,
        "personalisation": {"message": "Your session is tomorrow at 10:00."},
        "reference": str(text.reference),
    }
    assert not notify.refused
    assert text.status == OutgoingText.Status.SENT
    assert text.attempts == 1
    assert text.sent_at == timezone.now()
    assert text.notify_id == sent["response"]["id"]


def test_a_kind_without_its_own_template_uses_the_default(
    notify, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks, kind="something_new")

    assert notify.sent[0]["request"]["template_id"] == TEMPLATE_ID


def test_nothing_is_sent_until_the_change_is_saved(notify, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        texts.send_text(to=MOBILE, body="Hello", kind="reminder")

    assert OutgoingText.objects.get().status == OutgoingText.Status.QUEUED
    assert not notify.sent
    assert len(callbacks) == 1


def test_the_fake_notify_refuses_what_notify_would_refuse(notify):
    wrong_secret = NotificationsAPIClient(
        f"key-{SERVICE_ID}-{'0' * 8}-0000-4000-8000-{'0' * 12}", base_url=notify.url
    )
    wrong_service = NotificationsAPIClient(
        f"key-{'1' * 8}-1111-4111-8111-{'1' * 12}-{SECRET}", base_url=notify.url
    )
    right = NotificationsAPIClient(notify.api_key, base_url=notify.url)
    try:
        for client in (wrong_secret, wrong_service):
            with pytest.raises(Exception, match="403"):
                client.send_sms_notification(phone_number=MOBILE, template_id=TEMPLATE_ID)
        with pytest.raises(Exception, match="template_id is not a valid UUID"):
            right.send_sms_notification(phone_number=MOBILE, template_id="reminder")
        with pytest.raises(Exception, match="Not a valid phone number"):
            right.send_sms_notification(phone_number="call me", template_id=TEMPLATE_ID)
    finally:
        for client in (wrong_secret, wrong_service, right):
            client.request_session.close()

    assert [status for status, _ in notify.refused] == [403, 403, 400, 400]
    assert not notify.sent


def test_a_token_older_than_thirty_seconds_is_refused(notify, frozen_clock):
    client = NotificationsAPIClient(notify.api_key, base_url=notify.url)
    token_made_at = client._create_request_objects  # signs with the clock now
    url, kwargs = token_made_at("/v2/notifications/sms", {"phone_number": MOBILE}, None)
    frozen_clock.shift(timedelta(seconds=31))
    try:
        answer = client.request_session.post(url, **kwargs)
    finally:
        client.request_session.close()

    assert answer.status_code == 403
    assert "30 seconds" in answer.text


# --- Notify down, slow, or failing -----------------------------------------------------------


def test_with_notify_down_the_text_waits_and_goes_once_notify_is_back(
    notify, settings, frozen_clock, django_capture_on_commit_callbacks
):
    settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{free_port()}"

    text = send(django_capture_on_commit_callbacks)

    assert text.status == OutgoingText.Status.QUEUED
    assert text.attempts == 1
    assert "503" in text.last_error  # the client reports a refused connection as 503
    assert text.next_attempt_at == timezone.now() + timedelta(minutes=1)
    assert texts.TEXTS.send_due() == 0  # not due for another minute

    settings.NOTIFY_BASE_URL = notify.url
    frozen_clock.shift(timedelta(minutes=1))
    assert tasks.send_due_texts.call() == {"sent": 1, "pruned": 0}
    assert tasks.send_due_texts.call() == {"sent": 0, "pruned": 0}  # safe to run twice

    text.refresh_from_db()
    assert text.status == OutgoingText.Status.SENT
    assert text.attempts == 2
    assert len(notify.sent) == 1


@pytest.mark.parametrize("trouble", ["error", "slow"])
def test_notify_failing_or_too_slow_costs_a_retry(
    notify, settings, trouble, django_capture_on_commit_callbacks
):
    if trouble == "error":
        notify.fail_with = 500
    else:
        settings.NOTIFY_TIMEOUT_SECONDS = 0.2
        notify.delay = 1

    text = send(django_capture_on_commit_callbacks)

    assert text.status == OutgoingText.Status.QUEUED
    assert text.last_error
    assert not notify.sent


def test_a_text_notify_keeps_refusing_is_given_up_on_and_sent_again_by_an_administrator(
    notify, frozen_clock, django_capture_on_commit_callbacks
):
    notify.fail_with = 500
    text = send(django_capture_on_commit_callbacks)
    waits = []
    while text.status == OutgoingText.Status.QUEUED:
        waits.append(text.next_attempt_at - timezone.now())
        frozen_clock.move_to(text.next_attempt_at)
        texts.TEXTS.send_due()
        text.refresh_from_db()

    assert text.status == OutgoingText.Status.FAILED
    assert text.attempts == MAX_ATTEMPTS
    assert waits[:3] == [timedelta(minutes=m) for m in (1, 2, 4)]

    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/outgoing_text/?status=failed")
    assert listing.status_code == 200
    assert MOBILE in listing.text
    assert f"/admin/outgoing_text/send-again/{text.pk}/" in listing.text
    assert "Yes, send it again" in client.get(f"/admin/outgoing_text/send-again/{text.pk}/").text

    notify.fail_with = None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/outgoing_text/send-again/{text.pk}/")
    assert response.status_code == 302
    text.refresh_from_db()
    assert text.status == OutgoingText.Status.SENT
    assert len(notify.sent) == 1


def test_only_system_administrators_see_the_texts(people):
    text = OutgoingText.objects.create(to=MOBILE, body="Private", next_attempt_at=timezone.now())
    client = Client()
    client.force_login(people["lead"])

    assert "Private" not in client.get("/admin/outgoing_text/").text
    assert client.post(f"/admin/outgoing_text/send-again/{text.pk}/").status_code in (302, 403)
    text.refresh_from_db()
    assert text.attempts == 0


# --- without a key ---------------------------------------------------------------------------


def test_without_a_key_texts_print_to_the_console_and_count_as_sent(
    settings, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFY_API_KEY = ""
    with caplog.at_level(logging.INFO, logger="cms.texts"):
        text = send(django_capture_on_commit_callbacks, body="Your place is booked.")

    assert f"Text to {MOBILE} (reminder): Your place is booked." in caplog.text
    assert text.status == OutgoingText.Status.SENT
    assert texts.texts_enabled()
    assert texts.texts_for_person(UserFactory.build(mobile=MOBILE))[0].status == (
        "Sent (written to the log: texts are not really sent here)"
    )


def test_in_production_without_a_key_texts_are_off(settings, client, caplog):
    settings.NOTIFY_API_KEY = ""
    settings.TEXTS_WITHOUT_KEY = "off"
    person = UserFactory.build(email="a@example.com", mobile=MOBILE, contact_by="text")

    with caplog.at_level(logging.WARNING, logger="cms.texts"):
        texts.send_text(to=MOBILE, body="Hello", kind="reminder")

    assert not texts.texts_enabled()
    assert not OutgoingText.objects.exists()
    assert "switched off" in caplog.text
    assert channel_for(person) == "email"  # told by email instead
    assert texts.texts_status().words.startswith("Text messages are switched off.")
    assert client.get("/healthz").text == "ok\ntext messages off (no NOTIFY_API_KEY)"


def test_the_production_settings_switch_texts_off_without_a_key():
    from tests.cms.test_settings import manage

    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from cms.texts import texts_enabled; print(texts_enabled())",
        SECRET_KEY="k" * 20 + "-Q7!zr" + "p" * 40,
        ALLOWED_HOSTS="training.example.org",
        NOTIFY_API_KEY="",
    )
    assert result.stdout.strip() == "False", result.stderr


def test_the_status_says_how_texts_are_sent(settings):
    settings.NOTIFY_API_KEY = ""
    assert texts.texts_status().enabled and not texts.texts_status().by_notify
    settings.NOTIFY_API_KEY = f"live-{SERVICE_ID}-{SECRET}"
    assert texts.texts_status().words == "Text messages are sent through GOV.UK Notify."


# --- delivery receipts -----------------------------------------------------------------------


def test_a_receipt_with_the_right_token_records_the_delivery(
    notify, django_capture_on_commit_callbacks
):
    text = send(django_capture_on_commit_callbacks)
    body = notify.receipt(notify.sent[0]["response"], "delivered")
    client = Client(enforce_csrf_checks=True)

    response = receipt_post(client, body)

    assert response.status_code == 204
    text.refresh_from_db()
    assert text.delivery_status == OutgoingText.Delivery.DELIVERED
    assert text.delivered_at is not None
    assert texts.texts_for_person(UserFactory.build(mobile=MOBILE))[0].delivered


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_a_receipt_without_the_right_token_is_refused_and_changes_nothing(
    notify, token, django_capture_on_commit_callbacks
):
    text = send(django_capture_on_commit_callbacks)
    body = notify.receipt(notify.sent[0]["response"], "permanent-failure")

    response = receipt_post(Client(), body, token=token)

    assert response.status_code == 401
    text.refresh_from_db()
    assert text.delivery_status == ""


def test_receipts_are_refused_when_no_token_is_set(notify, settings):
    settings.NOTIFY_CALLBACK_TOKEN = ""
    assert receipt_post(Client(), {"status": "delivered"}, token="").status_code == 401


@pytest.mark.parametrize(
    "body", ["not json", "[1, 2]", json.dumps({"id": "x", "status": "eaten by a dog"})]
)
def test_a_receipt_we_cannot_read_is_a_bad_request(notify, body):
    assert receipt_post(Client(), body).status_code == 400


def test_a_receipt_for_a_text_we_do_not_hold_is_ignored(notify):
    body = {"id": "9c0e", "reference": None, "status": "delivered", "to": MOBILE}
    assert receipt_post(Client(), body).status_code == 204
    assert not OutgoingText.objects.exists()


def test_the_callback_takes_posts_only(notify):
    assert Client().get(CALLBACK).status_code == 405


# The live server needs committed rows, so this test empties the database afterwards;
# serialized_rollback puts back what the migrations made, as the race tests do, so the
# content types keep their ids for the tests that follow on this worker.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_fake_notify_posts_its_receipts_to_a_live_callback(notify, live_server, settings):
    text = OutgoingText.objects.create(to=MOBILE, body="Hi", next_attempt_at=timezone.now())
    texts.deliver_text.call(text.pk)
    text.refresh_from_db()

    status = notify.send_receipt(
        live_server.url + CALLBACK,
        settings.NOTIFY_CALLBACK_TOKEN,
        notify.sent[0]["response"],
        "temporary-failure",
    )

    assert status == 204
    text.refresh_from_db()
    assert text.delivery_status == OutgoingText.Delivery.TEMPORARY_FAILURE


# --- what staff see ----------------------------------------------------------------------------


def test_texts_for_a_person_are_theirs_newest_first_in_words_in_one_query(
    django_assert_num_queries,
):
    person = UserFactory(mobile=MOBILE)
    now = timezone.now()

    def text(**fields):
        return OutgoingText.objects.create(to=MOBILE, body="b", next_attempt_at=now, **fields)

    text(status=OutgoingText.Status.SENT, notify_id="n1", delivery_status="delivered")
    with django_assert_num_queries(1):
        assert len(texts.texts_for_person(person)) == 1
    text(status=OutgoingText.Status.SENT, notify_id="n2", delivery_status="permanent-failure")
    text(status=OutgoingText.Status.SENT, notify_id="n3")
    text(status=OutgoingText.Status.FAILED, attempts=MAX_ATTEMPTS)
    text(attempts=2)
    OutgoingText.objects.create(to="+447700900999", body="not theirs", next_attempt_at=now)

    with django_assert_num_queries(1):
        shown = texts.texts_for_person(person)

    assert [item.status for item in shown] == [
        "Waiting to be sent again",
        "Not sent: the text service could not be reached "
        "(a system administrator can send it again)",
        "Sent: waiting to hear whether it was delivered",
        "Not delivered: the number is wrong or not in use",
        "Delivered to the phone",
    ]
    assert [item.failed for item in shown] == [False, True, False, True, False]
    assert shown[0].kind == "Text"
    with django_assert_num_queries(0):
        assert texts.texts_for_person(UserFactory.build(mobile="")) == []


# --- the scheduler, retention, download and erasure -------------------------------------------


def test_the_scheduler_sweeps_the_texts_every_few_minutes():
    job = {job.name: job for job in scheduler.get_jobs()}[tasks.send_due_texts.name]
    assert job.func == tasks.send_due_texts.enqueue
    assert str(job.trigger.fields[6]) == f"*/{tasks.TEXTS_EVERY_MINUTES}"


def test_sent_texts_are_deleted_after_a_week_and_the_others_kept(frozen_clock):
    now = timezone.now()

    def text(status, days_ago=None):
        sent_at = now - timedelta(days=days_ago) if days_ago is not None else None
        return OutgoingText.objects.create(
            to=MOBILE, body="b", status=status, sent_at=sent_at, next_attempt_at=now
        )

    text(OutgoingText.Status.SENT, 8)
    recent = text(OutgoingText.Status.SENT, 6)
    failed = text(OutgoingText.Status.FAILED)

    assert retention_apply(dry_run=True).counts["sent_texts"] == 1
    assert texts.TEXTS.prune() == 1
    assert set(OutgoingText.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}


def test_a_persons_download_has_their_texts_and_erasure_deletes_them():
    person = UserFactory(mobile=MOBILE)
    now = timezone.now()
    OutgoingText.objects.create(to=MOBILE, body="Your place is booked", next_attempt_at=now)
    OutgoingText.objects.create(
        to=MOBILE, body="Your code is 123456", kind="claim_code", next_attempt_at=now
    )
    OutgoingText.objects.create(to="+447700900999", body="Someone else", next_attempt_at=now)

    rows = texts_file(person).rows
    assert [row[-1] for row in rows] == [
        "Your place is booked",
        "(Not copied: this text held a one-time code.)",
    ]
    assert texts_file(UserFactory(mobile="")).rows == ()

    record = person_erase(person=person, erased_by=None, reason="test")

    assert record.counts["texts to them"] == 2
    assert list(OutgoingText.objects.values_list("body", flat=True)) == ["Someone else"]


def test_the_fake_server_answers_like_notify(notify):
    client = NotificationsAPIClient(notify.api_key, base_url=notify.url)
    try:
        answer = client.send_sms_notification(
            phone_number=MOBILE,
            template_id=TEMPLATE_ID,
            personalisation={"message": "Hi"},
            reference="ref-1",
        )
    finally:
        client.request_session.close()

    assert set(answer) == {"id", "reference", "content", "uri", "template"}
    assert answer["content"] == {"body": "Hi", "from_number": "GOVUK"}
    assert answer["reference"] == "ref-1"
    assert isinstance(FakeNotify, type)
