from urllib.parse import urlsplit

import pytest

from tests import clock
from tests.sso_provider import CLIENT_ID, CLIENT_SECRET, provider_sign_in, provider_start

PROVIDER_ID = "oidc"
PROVIDER_NAME = "NHS Scotland account"
CALLBACK = f"http://testserver/accounts/oidc/{PROVIDER_ID}/login/callback/"

# The people who have an account at the identity provider.
PEOPLE = [
    {"email": "clinician@nhs.example", "first_name": "Aileen", "last_name": "Brodie"},
    {"email": "existing@nhs.example", "first_name": "Morag", "last_name": "Reid"},
    {"email": "unverified@nhs.example", "first_name": "Iain", "last_name": "Kerr"},
    {"email": "lead@nhs.example", "first_name": "Fiona", "last_name": "Grant"},
    {"email": "mapped@nhs.example", "first_name": "Hamish", "last_name": "Ross"},
]


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """allauth's own OpenID Connect provider, a real server beside the tests, for this worker."""
    from tests.sso_provider import PASSWORD

    provider = provider_start(
        directory=tmp_path_factory.mktemp("identity-provider"),
        people=[{**person, "password": PASSWORD} for person in PEOPLE],
        redirect_uris=[CALLBACK],
        now=clock.instant().isoformat(),
    )
    yield provider
    provider.stop()


def oidc_app(server_url):
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": PROVIDER_ID,
                    "name": PROVIDER_NAME,
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": server_url},
                }
            ],
        }
    }


@pytest.fixture
def sso(settings, identity_provider):
    """Our site configured for the test provider, as OIDC_* would configure it."""
    settings.SOCIALACCOUNT_PROVIDERS = oidc_app(identity_provider.url)
    yield identity_provider
    for person in PEOPLE:
        identity_provider.set_groups(person["email"], None)


def sso_sign_in(client, provider, email):
    """A whole sign-in: the button on our sign-in page, the provider's pages, and back to our
    callback. Returns our callback's response."""
    start = client.post(f"/accounts/oidc/{PROVIDER_ID}/login/")
    assert start.status_code == 302, start.content
    back = provider_sign_in(provider_url=provider.url, authorize_url=start["Location"], email=email)
    parts = urlsplit(back)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return client.get(f"{parts.path}?{parts.query}")
