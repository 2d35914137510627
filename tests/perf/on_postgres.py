"""Running a benchmark on PostgreSQL, as the dashboard and referral benchmarks do: in a database of
its own (made and dropped around the run, on the server of DATABASE_URL or the local one), or in
the one <NAME>_BENCH_DATABASE_URL names, kept. The measuring runs in a child process with the
test settings pointed at that database, so Django is set up once, for it."""

import os
import platform
import subprocess
import sys
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}", query=""))


def _admin(url: str, statement: str):
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(statement)


def run_on_postgres(name: str, measure: Callable[[], None], script: str) -> None:
    """Run `measure` (of the benchmark `script`, called `name`) in a child process on a
    PostgreSQL database; say so and return when there is no server to use."""
    prefix = f"{name.upper()}_BENCH"
    if os.environ.get(f"{prefix}_CHILD"):
        measure()
        return
    chosen = os.environ.get(f"{prefix}_DATABASE_URL")
    created = None
    if chosen:
        url = chosen
    else:
        server = os.environ.get("DATABASE_URL", "")
        if not server.startswith(("postgres://", "postgresql://")):
            server = DEFAULT_SERVER
        created = f"cotraining_{name}_bench_{os.getpid()}"
        import psycopg

        try:
            _admin(server, f'CREATE DATABASE "{created}"')
        except psycopg.OperationalError as error:
            print(f"{name} benchmark skipped: no PostgreSQL server to use ({error})")
            return
        url = with_database(server, created)
    print(
        f"{name} benchmark on PostgreSQL ({urlsplit(url).path.lstrip('/')}): machine "
        f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    try:
        environment = {
            **os.environ,
            f"{prefix}_CHILD": "1",
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        }
        subprocess.run([sys.executable, script], env=environment, check=True)  # noqa: S603
    finally:
        if created:
            _admin(url, f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
