import pytest


def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: pytest-django makes any query here raise, so reaching the asserts
    # proves the probe never touched the database.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.text == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_checks_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.text == "ok"


@pytest.mark.django_db
def test_readyz_says_not_ready_when_the_database_fails(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.text == "database unavailable"
