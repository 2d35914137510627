"""Redis stopped or hung: pages keep working from the database, sessions survive, Redis calls
give up in a quarter of a second, and /readyz says the cache is failing. Redis is played by a port
where nothing listens and by a socket that accepts connections and never answers."""

import socket
import threading

import pytest
from django.core.cache import cache
from django.test import Client

from cms import cache as forgiving

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_redis(settings, port):
    settings.CACHES = {
        "default": {
            "BACKEND": "cms.cache.ForgivingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


class SilentServer:
    """Accepts TCP connections, counts them, never says a word: a hung Redis."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self):
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def redis_down(settings):
    use_redis(settings, free_port())


@pytest.fixture
def redis_hung(settings):
    server = SilentServer()
    use_redis(settings, server.port)
    yield server
    server.close()


PASSPHRASE = "a long enough passphrase"


def sign_in(client, user, password=PASSPHRASE):
    user.set_password(password)
    user.save()
    return client.post("/accounts/login/", {"login": user.email, "password": password})


def test_with_redis_stopped_pages_work_and_sessions_are_kept(redis_down, home_page, people):
    client = Client()

    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    response = sign_in(client, people["trainee"])
    assert response.status_code == 302
    assert client.get("/learn/").status_code == 200
    assert client.get("/learn/").context["user"] == people["trainee"]
    assert client.get("/healthz").status_code == 200


def test_with_redis_stopped_the_sign_in_lockout_still_holds(redis_down, home_page, people):
    """The rate limits fall back to this process's memory rather than switching off."""
    client = Client()
    people["lead"].set_password("the right passphrase")
    people["lead"].save()
    for _ in range(5):
        client.post("/accounts/login/", {"login": "lead@example.com", "password": "wrong"})

    response = client.post(
        "/accounts/login/", {"login": "lead@example.com", "password": "the right passphrase"}
    )

    assert "Too many failed login attempts. Try again later." in response.text
    assert "_auth_user_id" not in client.session


def test_readyz_says_the_cache_is_failing(redis_down):
    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.text.startswith("database ok\ncache failing: ConnectionError")


def test_with_redis_hung_pages_work_and_redis_is_left_alone_after_one_failure(
    redis_hung, home_page, people
):
    client = Client()

    for url in ["/", "/accounts/login/", "/", "/accounts/login/"]:
        assert client.get(url).status_code == 200
    assert sign_in(client, people["trainee"]).status_code == 302

    # One connection timed out after SOCKET_TIMEOUT; every later call in the rest period went
    # straight to memory instead of waiting on Redis again.
    assert len(redis_hung.accepted) == 1


def test_redis_calls_are_bounded_well_under_a_second(redis_hung):
    from django.core.cache import caches

    pool = caches["default"].client.get_client(write=True).connection_pool
    assert pool.connection_kwargs["socket_timeout"] == forgiving.SOCKET_TIMEOUT <= 0.5
    assert pool.connection_kwargs["socket_connect_timeout"] == forgiving.SOCKET_TIMEOUT
    assert pool.connection_kwargs["retry"].get_retries() == 0


def test_the_cache_falls_back_to_memory_with_the_same_answers(redis_down):
    assert cache.add("seen", 1) is True
    assert cache.add("seen", 2) is False
    assert cache.get("seen") == 1
    assert cache.incr("seen") == 2
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    cache.delete("a")
    assert cache.has_key("a") is False
