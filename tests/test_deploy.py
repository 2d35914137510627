"""Running it for real: production settings, collectstatic, gunicorn and whitenoise."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def production_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY="deploy-test-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    return env


def test_gunicorn_serves_the_site_and_whitenoise_its_static_files(production_env):
    subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=production_env,
        check=True,
        timeout=300,
    )
    manifest = Path(production_env["STATIC_ROOT"]) / "staticfiles.json"
    assert manifest.exists()
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "cms.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=production_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                # As the load balancer would send it: TLS ended there, so HSTS is due.
                request = urllib.request.Request(  # noqa: S310 - a fixed http:// address
                    f"{base}/healthz", headers={"X-Forwarded-Proto": "https"}
                )
                health = urllib.request.urlopen(request, timeout=2)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        # Production without NOTIFY_API_KEY: healthy, and saying that texts are off.
        assert health.read().splitlines() == [b"ok", b"text messages off (no NOTIFY_API_KEY)"]
        assert "max-age=31536000" in health.headers["Strict-Transport-Security"]

        hashed = json.loads(manifest.read_text())["paths"]["cms/css/site.css"]
        static = urllib.request.urlopen(f"{base}/static/{hashed}", timeout=5)  # noqa: S310
        assert static.status == 200
        assert b".app-narrow" in static.read()
        assert "immutable" in static.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=10)
