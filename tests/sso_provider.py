"""Starts the test identity provider (tests/oidc_provider) as a real server on a free port.

Used by the single sign-on tests' fixture; tests/e2e/run.sh starts it the same way."""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "tests.oidc_provider.settings"
CLIENT_ID = "cotraining-test"
CLIENT_SECRET = "cotraining-test-secret"  # noqa: S105
PASSWORD = "provider-password"  # noqa: S105


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class RunningProvider:
    url: str
    process: subprocess.Popen
    groups_file: Path
    log: Path

    def set_groups(self, email: str, groups: list[str] | None) -> None:
        """The groups claim the provider sends for this person from their next sign-in."""
        groups_by_email = json.loads(self.groups_file.read_text())
        if groups is None:
            groups_by_email.pop(email, None)
        else:
            groups_by_email[email] = groups
        self.groups_file.write_text(json.dumps(groups_by_email))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def provider_prepare(
    *, directory: Path, people: list[dict], redirect_uris: list[str], now: str | None = None
) -> tuple[list[str], dict, Path]:
    """Migrate a fresh SQLite database in `directory` and seed one client and the people.
    Returns the command that serves the provider (its port to add), its environment and the
    groups file."""
    directory.mkdir(parents=True, exist_ok=True)
    groups_file = directory / "groups.json"
    groups_file.write_text("{}")
    people_file = directory / "people.json"
    people_file.write_text(json.dumps(people))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(
        OIDC_PROVIDER_DB=str(directory / "provider.sqlite3"),
        OIDC_PROVIDER_KEY=private_key_pem(),
        OIDC_PROVIDER_GROUPS=str(groups_file),
        PYTHONWARNINGS="ignore",
    )
    if now:
        env["OIDC_PROVIDER_NOW"] = now
    django = [sys.executable, "-m", "django"]
    settings = f"--settings={SETTINGS}"
    subprocess.run(  # noqa: S603 - our own test provider with fixed arguments
        [*django, "migrate", "-v", "0", settings], cwd=ROOT, env=env, check=True, timeout=120
    )
    subprocess.run(  # noqa: S603 - our own test provider with fixed arguments
        [
            *django,
            "seed_provider",
            settings,
            f"--client-id={CLIENT_ID}",
            f"--client-secret={CLIENT_SECRET}",
            f"--people={people_file}",
            *(f"--redirect-uri={uri}" for uri in redirect_uris),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        stdout=subprocess.DEVNULL,
    )
    return [*django, "runserver", "--noreload", settings], env, groups_file


def provider_start(
    *, directory: Path, people: list[dict], redirect_uris: list[str], now: str | None = None
) -> RunningProvider:
    """provider_prepare, then serve the provider at http://127.0.0.1:<free port> until stop()."""
    command, env, groups_file = provider_prepare(
        directory=directory, people=people, redirect_uris=redirect_uris, now=now
    )
    port = free_port()
    log = directory / "provider.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 - our own test provider with fixed arguments
            [*command, f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    provider = RunningProvider(
        url=f"http://127.0.0.1:{port}", process=process, groups_file=groups_file, log=log
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The test identity provider stopped:\n{log.read_text()}")
        try:
            answer = requests.get(f"{provider.url}/.well-known/openid-configuration", timeout=1)
            if answer.ok:
                return provider
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    provider.stop()
    raise RuntimeError(f"The test identity provider did not answer:\n{log.read_text()}")


def provider_sign_in(
    *, provider_url: str, authorize_url: str, email: str, password: str = PASSWORD
):
    """What a person's browser does at the provider: sign in there, then open the authorisation
    address our site sent them to. Returns the provider's redirect back to us (its Location)."""
    browser = requests.Session()
    login_page = browser.get(f"{provider_url}/accounts/login/", timeout=10)
    login_page.raise_for_status()
    answer = browser.post(
        f"{provider_url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": browser.cookies["provider_csrftoken"],
            "login": email,
            "password": password,
        },
        allow_redirects=False,
        timeout=10,
    )
    if answer.status_code != 302:
        raise AssertionError(f"Signing in at the provider failed ({answer.status_code}).")
    back = browser.get(authorize_url, allow_redirects=False, timeout=10)
    if back.status_code != 302:
        raise AssertionError(f"The provider did not send the person back ({back.status_code}).")
    return back.headers["Location"]


def main(argv=None):
    """`python -m tests.sso_provider DIRECTORY PORT REDIRECT_URI EMAIL...`: prepare the provider
    with these people (password PASSWORD) and serve it on PORT in the foreground, as
    tests/e2e/run.sh does beside the demo site."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("redirect_uri")
    parser.add_argument("emails", nargs="+")
    args = parser.parse_args(argv)
    people = [
        {"email": email, "password": PASSWORD, "first_name": "Aileen", "last_name": "Brodie"}
        for email in args.emails
    ]
    command, env, _ = provider_prepare(
        directory=args.directory, people=people, redirect_uris=[args.redirect_uri]
    )
    os.execvpe(command[0], [*command, f"127.0.0.1:{args.port}"], env)  # noqa: S606


if __name__ == "__main__":
    main()
