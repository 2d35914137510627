"""Settings of the test identity provider. Everything comes from the environment the fixture
(or tests/e2e/run.sh) starts it with: OIDC_PROVIDER_DB (SQLite file), OIDC_PROVIDER_KEY (a PEM
RSA private key) and OIDC_PROVIDER_GROUPS (a JSON file: email -> the groups claim)."""

import os

SECRET_KEY = "test identity provider, never deployed"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.oidc_provider.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "allauth",
    "allauth.account",
    "allauth.idp.oidc",
    "tests.oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["OIDC_PROVIDER_DB"]}
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_RATE_LIMITS = False
LOGIN_URL = "/accounts/login/"

IDP_OIDC_PRIVATE_KEY = os.environ.get("OIDC_PROVIDER_KEY", "")
IDP_OIDC_ADAPTER = "tests.oidc_provider.adapter.GroupsAdapter"
OIDC_PROVIDER_GROUPS = os.environ.get("OIDC_PROVIDER_GROUPS", "")

# The test suite runs on a frozen clock; the provider then runs on the same frozen clock, a minute
# behind it, so that the tokens it issues are neither expired nor issued in the future there.
if os.environ.get("OIDC_PROVIDER_NOW"):
    from datetime import datetime, timedelta

    import time_machine

    time_machine.travel(
        datetime.fromisoformat(os.environ["OIDC_PROVIDER_NOW"]) - timedelta(minutes=1), tick=False
    ).start()

# Browsers keep cookies per host, not per port: on 127.0.0.1 beside the site under test, the
# provider's cookies must not take the names of the site's own.
SESSION_COOKIE_NAME = "provider_sessionid"
CSRF_COOKIE_NAME = "provider_csrftoken"
