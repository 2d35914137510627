import os
import subprocess
import sys
from pathlib import Path

import pytest

from cms.settings.base import mailer_from_url

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env_overrides):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    for key in [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "EMAIL_URL",
        "CACHE_URL",
        "REDIS_URL",
        "SITE_URL",
    ]:
        env.pop(key, None)
    env.update({"DJANGO_SETTINGS_MODULE": "cms.settings.production", **env_overrides})
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", ALLOWED_HOSTS="training.example.org")

    assert result.returncode != 0
    assert "Configuration error: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", SECRET_KEY="x" * 60)

    assert result.returncode != 0
    assert "Configuration error: ALLOWED_HOSTS is not set" in result.stderr


def test_production_deploy_check_is_clean_with_a_real_secret():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        SECRET_KEY="k" * 20 + "-Q7!zr" + "p" * 40,
        ALLOWED_HOSTS="training.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_production_settings_are_secure():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.WAGTAILADMIN_BASE_URL)",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="training.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "https://training.example.org",
    ]


def test_production_never_accepts_security_keys_from_an_insecure_origin():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from allauth.mfa import app_settings as m; "
        "print(m.WEBAUTHN_ALLOW_INSECURE_ORIGIN, m.TOTP_INSECURE_BYPASS_CODE, m.SUPPORTED_TYPES)",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="training.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False None ['totp', 'webauthn', 'recovery_codes']"


def test_site_url_is_the_base_of_links_in_production():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.WAGTAILADMIN_BASE_URL)",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="training.example.org",
        SITE_URL="https://learn.example.org/",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://learn.example.org"


def test_a_site_url_without_its_scheme_is_a_clear_configuration_error():
    result = manage(
        "check", SECRET_KEY="s" * 60, ALLOWED_HOSTS="x.org", SITE_URL="learn.example.org"
    )

    assert result.returncode != 0
    assert "SITE_URL must be the site's whole address" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        ("console:", "django.core.mail.backends.console.EmailBackend", None),
        (
            "file:///srv/mail",
            "django.core.mail.backends.filebased.EmailBackend",
            {"file_path": "/srv/mail"},
        ),
        (
            "smtp://mailer:p%40ss@mail.example.org:587?tls=1",
            "django.core.mail.backends.smtp.EmailBackend",
            {
                "host": "mail.example.org",
                "port": 587,
                "username": "mailer",
                "password": "p@ss",
                "use_ssl": False,
                "use_tls": True,
                "timeout": 10,
            },
        ),
    ],
)
def test_email_url_becomes_a_mailer(url, backend, options):
    mailer = mailer_from_url(url)

    assert mailer["BACKEND"] == backend
    assert mailer.get("OPTIONS") == options


def test_an_unknown_email_url_is_a_clear_configuration_error():
    result = manage("check", SECRET_KEY="s" * 60, ALLOWED_HOSTS="x.org", EMAIL_URL="pigeon://loft")

    assert result.returncode != 0
    assert "EMAIL_URL must start with smtp://" in result.stderr


def test_redis_url_switches_the_cache_to_redis():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="x.org",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )

    assert result.stdout.split() == [
        "cms.cache.ForgivingRedisCache",
        "django.contrib.sessions.backends.cached_db",
    ]


SHOW_SIGN_IN_SETTINGS = (
    "from django.conf import settings; "
    "print(sorted(settings.SOCIALACCOUNT_PROVIDERS)); "
    "print(settings.SOCIALACCOUNT_PROVIDERS.get('openid_connect', {}).get('APPS')); "
    "print([str(source) for source in settings.SECURE_CSP['form-action']])"
)
PRODUCTION = {
    "SECRET_KEY": "t3st-0nly-9fK2mQ7xL4pR8vN1cW6zB5hJ0dY3sE7gU2aT9kV4nM8qX1wC6",
    "ALLOWED_HOSTS": "training.example.org",
}


def test_no_sign_in_provider_without_its_client_id():
    result = manage("shell", "--no-imports", "-c", SHOW_SIGN_IN_SETTINGS, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "None", "[\"'self'\"]"]


def test_sign_in_providers_come_from_the_environment():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        SHOW_SIGN_IN_SETTINGS,
        **PRODUCTION,
        MICROSOFT_CLIENT_ID="ms-id",
        MICROSOFT_CLIENT_SECRET="ms-secret",
        OIDC_CLIENT_ID="oidc-id",
        OIDC_CLIENT_SECRET="oidc-secret",
        OIDC_ISSUER="https://sso.nhs.example/realms/staff",
        OIDC_NAME="NHS Scotland account",
    )

    assert result.returncode == 0, result.stderr
    providers, apps, form_action = result.stdout.splitlines()
    assert providers == "['microsoft', 'openid_connect']"
    assert "'provider_id': 'oidc'" in apps
    assert "'name': 'NHS Scotland account'" in apps
    assert "'server_url': 'https://sso.nhs.example/realms/staff'" in apps
    assert form_action == (
        "[\"'self'\", 'https://login.microsoftonline.com', 'https://sso.nhs.example']"
    )


def test_an_oidc_client_without_an_issuer_is_refused():
    result = manage("check", **PRODUCTION, OIDC_CLIENT_ID="oidc-id")

    assert result.returncode != 0
    assert "OIDC_ISSUER must be the identity provider's address" in result.stderr


def test_check_deploy_stays_clean_with_sign_in_providers():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        MICROSOFT_CLIENT_ID="ms-id",
        OIDC_CLIENT_ID="oidc-id",
        OIDC_ISSUER="https://sso.nhs.example",
    )

    assert result.returncode == 0, result.stdout + result.stderr
