"""A stand-in for GOV.UK Notify's API, for tests and browser journeys: our code drives the real
`notifications-python-client` against it.

It checks each request the way Notify's API documentation says Notify does:
- `Authorization: Bearer <JWT>`, the token signed HS256 with the secret part of the API key
  (`name-serviceid-secret`), its `iss` the service id and its `iat` within 30 seconds of now;
- `POST /v2/notifications/sms` with a JSON body holding `phone_number`, `template_id` (a UUID)
  and optionally `personalisation` (an object), `reference` (a string) and `sms_sender_id`;
and answers like Notify: 201 with `id`, `reference`, `content` (`body`, `from_number`), `uri`
and `template`; 403 `AuthError` or 400 `BadRequestError`/`ValidationError` with Notify's
`{"status_code", "errors": [{"error", "message"}]}` body otherwise.

It records what it was sent (`server.sent`), can be told to fail (`server.fail_with = 500`) or to
be slow (`server.delay = 5`), and can POST Notify's delivery receipt to our callback endpoint
(`server.send_receipt(...)`, or by itself after every text when started with a callback URL).

From a shell, for a browser journey (see README, "Text messages"):

    .venv/bin/python -m tests.notify_server --port 8025 \\
        --callback-url http://127.0.0.1:8000/notify/callback/ --callback-token journey-token

prints the NOTIFY_API_KEY to give the site, then each text it receives; `GET /_sent` answers the
texts received so far as JSON.
"""

import argparse
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = "5b7a2a34-1d5c-4a2e-9f3e-2f3d7c1a9e10"
SECRET = "0c8d2f6e-7a41-4b9c-b3de-6f1e2a9c4d57"
API_KEY = f"co_training_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "a1c4e8f2-3b6d-4e9a-8c7f-1d2e3f4a5b6c"
TOKEN_BOUND_SECONDS = 30


def _error(status: int, error: str, message: str) -> tuple[int, dict]:
    return status, {"status_code": status, "errors": [{"error": error, "message": message}]}


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


class FakeNotify(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, port=0, *, service_id=SERVICE_ID, secret=SECRET, callback=None):
        super().__init__(("127.0.0.1", port), _Handler)
        self.service_id = service_id
        self.secret = secret
        self.sent: list[dict] = []  # each accepted text: its request body and our answer
        self.refused: list[tuple[int, dict]] = []
        self.fail_with: int | None = None  # answer every request with this status
        self.delay = 0.0  # seconds to wait before answering (longer than the client's timeout)
        self.callback = callback  # (url, token): send a "delivered" receipt after each text
        self.callback_delay = 1.0  # seconds after accepting the text
        self._lock = threading.Lock()
        self._thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def api_key(self) -> str:
        return f"co_training_test-{self.service_id}-{self.secret}"

    def start(self) -> "FakeNotify":
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    # --- Notify's checks ----------------------------------------------------------------

    def check_token(self, header: str) -> tuple[int, dict] | None:
        scheme, _, token = (header or "").partition(" ")
        if scheme != "Bearer" or not token:
            return _error(403, "AuthError", "Unauthorized: authentication token must be provided")
        try:
            claims = jwt.decode(
                token,
                key=self.secret,
                algorithms=["HS256"],
                options={"verify_iat": False, "require": ["iss", "iat"]},
            )
        except jwt.InvalidTokenError:
            return _error(403, "AuthError", "Invalid token: signature, api token not found")
        if claims["iss"] != self.service_id:
            return _error(403, "AuthError", "Invalid token: service not found")
        if abs(time.time() - int(claims["iat"])) > TOKEN_BOUND_SECONDS:
            return _error(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )
        return None

    def check_sms(self, body) -> tuple[int, dict] | None:
        if not isinstance(body, dict):
            return _error(400, "BadRequestError", "Invalid JSON supplied in POST data")
        for field in ("phone_number", "template_id"):
            if not isinstance(body.get(field), str) or not body[field]:
                return _error(400, "ValidationError", f"{field} is a required property")
        if not _is_uuid(body["template_id"]):
            return _error(400, "ValidationError", "template_id is not a valid UUID")
        if "personalisation" in body and not isinstance(body["personalisation"], dict):
            return _error(400, "ValidationError", "personalisation should be an object")
        if "reference" in body and not isinstance(body["reference"], str):
            return _error(400, "ValidationError", "reference is not of type string")
        digits = body["phone_number"].replace(" ", "").removeprefix("+")
        if not digits.isdigit() or len(digits) < 10:
            return _error(400, "ValidationError", "phone_number Not a valid phone number")
        return None

    def accept_sms(self, body: dict) -> dict:
        notification_id = str(uuid.uuid4())
        message = (body.get("personalisation") or {}).get("message", "")
        answer = {
            "id": notification_id,
            "reference": body.get("reference"),
            "content": {"body": message, "from_number": "GOVUK"},
            "uri": f"{self.url}/v2/notifications/{notification_id}",
            "template": {
                "id": body["template_id"],
                "version": 1,
                "uri": f"{self.url}/services/{self.service_id}/templates/{body['template_id']}",
            },
        }
        with self._lock:
            self.sent.append({"request": body, "response": answer})
        if self.callback:
            threading.Thread(target=self._receipt_later, args=(answer,), daemon=True).start()
        return answer

    def _receipt_later(self, answer: dict) -> None:
        # Notify's receipts come seconds after the text is accepted: never while our side is
        # still saving what Notify answered.
        time.sleep(self.callback_delay)
        url, token = self.callback
        self.send_receipt(url, token, answer)

    # --- delivery receipts ----------------------------------------------------------------

    def receipt(self, notification: dict, status: str = "delivered") -> dict:
        """Notify's delivery callback body for a text it was sent."""
        request = next(
            (sent["request"] for sent in self.sent if sent["response"]["id"] == notification["id"]),
            {},
        )
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return {
            "id": notification["id"],
            "reference": notification.get("reference"),
            "to": request.get("phone_number", ""),
            "status": status,
            "created_at": now,
            "completed_at": now,
            "sent_at": now,
            "notification_type": "sms",
            "template_id": request.get("template_id"),
            "template_version": 1,
        }

    def send_receipt(self, url: str, token: str, notification: dict, status="delivered") -> int:
        """POST the delivery receipt to our callback endpoint, as Notify does. Returns the
        status code."""
        data = json.dumps(self.receipt(notification, status)).encode()
        request = urllib.request.Request(  # noqa: S310 - a URL the test or journey gave
            url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0


class _Handler(BaseHTTPRequestHandler):
    server: FakeNotify

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def _answer(self, status: int, body: dict | list) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_sent":
            self._answer(200, self.server.sent)
        else:
            self._answer(*_error(404, "NotFound", "Not found"))

    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if server.delay:
            time.sleep(server.delay)
        if server.fail_with:
            self._answer(*_error(server.fail_with, "Exception", "Internal server error"))
            return
        problem = server.check_token(self.headers.get("Authorization", ""))
        if problem is None and self.path != "/v2/notifications/sms":
            problem = _error(404, "NotFound", "Not found")
        body = None
        if problem is None:
            try:
                body = json.loads(raw)
            except ValueError:
                problem = _error(400, "BadRequestError", "Invalid JSON supplied in POST data")
        if problem is None and self.headers.get("Content-Type") != "application/json":
            problem = _error(400, "BadRequestError", "Content-Type must be application/json")
        if problem is None:
            problem = server.check_sms(body)
        if problem is not None:
            server.refused.append(problem)
            self._answer(*problem)
            return
        self._answer(201, server.accept_sms(body))


def main():
    parser = argparse.ArgumentParser(description="A local stand-in for GOV.UK Notify's API.")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--callback-url", default="")
    parser.add_argument("--callback-token", default="")
    options = parser.parse_args()
    callback = (options.callback_url, options.callback_token) if options.callback_url else None
    server = FakeNotify(options.port, callback=callback)
    print(f"Fake Notify at {server.url}", flush=True)
    print(f"NOTIFY_API_KEY={server.api_key}", flush=True)
    print(f"NOTIFY_BASE_URL={server.url}", flush=True)
    print(f"NOTIFY_TEMPLATE_DEFAULT={TEMPLATE_ID}", flush=True)
    seen = 0
    server.start()
    try:
        while True:
            time.sleep(0.5)
            for sent in server.sent[seen:]:
                request = sent["request"]
                message = (request.get("personalisation") or {}).get("message", "")
                print(f"Text to {request['phone_number']}: {message}", flush=True)
            seen = len(server.sent)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
