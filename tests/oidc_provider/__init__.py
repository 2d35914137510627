"""A real OpenID Connect provider for the tests: allauth's own identity provider
(`allauth.idp.oidc`) in a tiny Django project of its own, started by tests/sso_provider.py (and by
tests/e2e/run.sh) as a separate server on its own SQLite database."""
