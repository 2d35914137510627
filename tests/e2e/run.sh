#!/usr/bin/env bash
# `make e2e`: browser journeys in Chromium against a live demo site.
#
# Starts the site with development settings on a fresh, throwaway SQLite database, loads the demo
# data, writes every email to tests/e2e/mail/ (the journeys read sign-up and password-reset links
# from there), runs the tests marked e2e and always stops the server afterwards.
# Extra arguments go to pytest, for example: bash tests/e2e/run.sh -k password -x
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

ROOT=$(pwd)
E2E_DIR=tests/e2e
PY=.venv/bin/python
PORT=${E2E_PORT:-8765}
BASE_URL=http://127.0.0.1:$PORT
MAIL_DIR=$ROOT/$E2E_DIR/mail
SCREENSHOT_DIR=$ROOT/$E2E_DIR/screenshots
SERVER_LOG=$ROOT/$E2E_DIR/.server.log
DB=/tmp/cotraining-e2e-$$.sqlite3
STATIC=/tmp/cotraining-e2e-static-$$
SERVER_PID=""
# The local OpenID Connect provider (tests/oidc_provider) the single sign-on journey signs in with.
OIDC_PORT=${E2E_OIDC_PORT:-$((PORT + 1000))}
OIDC_URL=http://127.0.0.1:$OIDC_PORT
OIDC_DIR=/tmp/cotraining-e2e-oidc-$$
OIDC_LOG=$ROOT/$E2E_DIR/.oidc-provider.log
OIDC_PID=""
# The local stand-in for GOV.UK Notify (tests/notify_server.py): the site sends its text messages
# there with Notify's own client, and it posts delivery receipts back to the site.
NOTIFY_PORT=${E2E_NOTIFY_PORT:-$((PORT + 2000))}
NOTIFY_URL=http://127.0.0.1:$NOTIFY_PORT
NOTIFY_TOKEN=e2e-notify-callback-token
NOTIFY_LOG=$ROOT/$E2E_DIR/.notify.log
NOTIFY_PID=""

say() { printf '\n==> %s\n' "$*"; }

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$OIDC_PID" ] && kill -0 "$OIDC_PID" 2>/dev/null; then
    kill "$OIDC_PID" 2>/dev/null || true
    wait "$OIDC_PID" 2>/dev/null || true
  fi
  if [ -n "$NOTIFY_PID" ] && kill -0 "$NOTIFY_PID" 2>/dev/null; then
    kill "$NOTIFY_PID" 2>/dev/null || true
    wait "$NOTIFY_PID" 2>/dev/null || true
  fi
  rm -rf "$OIDC_DIR"
  rm -f "$DB" "$DB-journal" "$DB-wal" "$DB-shm"
  rm -rf "$STATIC"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Chromium from the distribution (Playwright's own browser download is not used).
if ! command -v chromium >/dev/null 2>&1; then
  say "Installing Chromium with apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
fi
CHROMIUM=$(command -v chromium)

# 2. axe-core, pinned in tests/e2e/package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is needed to install axe-core (for example: apt-get install -y nodejs npm)." >&2
  exit 1
fi
axe_wanted=$(node -p "require('./$E2E_DIR/package-lock.json').packages['node_modules/axe-core'].version")
axe_installed=$(node -p "require('./$E2E_DIR/node_modules/axe-core/package.json').version" 2>/dev/null || true)
if [ "$axe_installed" != "$axe_wanted" ]; then
  say "Installing axe-core $axe_wanted"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

# 3. A fresh demo site, run as in production: DEBUG off, hashed static files served by whitenoise,
#    the site's own error pages. Settings that would point it at shared services are dropped.
server_env=(
  env -u CACHE_URL -u REDIS_URL -u TASKS_BACKEND
  DJANGO_SETTINGS_MODULE=cms.settings.dev
  DEBUG=false
  STATIC_ROOT="$STATIC"
  DATABASE_URL="sqlite:///$DB"
  EMAIL_URL="file://$MAIL_DIR"
  SITE_URL="$BASE_URL"
  OIDC_CLIENT_ID=cotraining-test
  OIDC_CLIENT_SECRET=cotraining-test-secret
  OIDC_ISSUER="$OIDC_URL"
  OIDC_NAME="NHS Scotland account"
  NOTIFY_API_KEY="$("$PY" -c 'from tests.notify_server import API_KEY; print(API_KEY)')"
  NOTIFY_BASE_URL="$NOTIFY_URL"
  NOTIFY_TEMPLATE_DEFAULT="$("$PY" -c 'from tests.notify_server import TEMPLATE_ID; print(TEMPLATE_ID)')"
  NOTIFY_CALLBACK_TOKEN="$NOTIFY_TOKEN"
)

healthy() {
  "$PY" - "$BASE_URL/healthz" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=1) as response:
    sys.exit(0 if response.read().strip() == b"ok" else 1)
EOF
}

if healthy; then
  echo "Something is already serving $BASE_URL; stop it or set E2E_PORT to another port." >&2
  exit 1
fi

provider_up() {
  "$PY" - "$OIDC_URL/.well-known/openid-configuration" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=1) as response:
    sys.exit(0 if response.status == 200 else 1)
EOF
}

if provider_up; then
  echo "Something is already serving $OIDC_URL; stop it or set E2E_OIDC_PORT to another port." >&2
  exit 1
fi

rm -rf "$MAIL_DIR" "$SCREENSHOT_DIR"
mkdir -p "$MAIL_DIR" "$SCREENSHOT_DIR"
rm -f "$DB"

say "Loading the demo site into $DB"
"${server_env[@]}" "$PY" manage.py setup_demo >/dev/null
"${server_env[@]}" "$PY" manage.py collectstatic --noinput -v 0

say "Starting the site at $BASE_URL (log: $E2E_DIR/.server.log)"
"${server_env[@]}" "$PY" manage.py runserver "127.0.0.1:$PORT" --noreload >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 120); do
  if healthy; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "The site stopped before it answered. Server log:" >&2
    cat "$SERVER_LOG" >&2
    exit 1
  fi
  sleep 0.25
done
if ! healthy; then
  echo "The site did not answer $BASE_URL/healthz within 30 seconds. Server log:" >&2
  cat "$SERVER_LOG" >&2
  exit 1
fi

say "Starting the local OpenID Connect provider at $OIDC_URL (log: $E2E_DIR/.oidc-provider.log)"
"$PY" -m tests.sso_provider "$OIDC_DIR" "$OIDC_PORT" "$BASE_URL/accounts/oidc/oidc/login/callback/" \
  e2e-clinician@nhs.example >"$OIDC_LOG" 2>&1 &
OIDC_PID=$!
for _ in $(seq 1 120); do
  if provider_up; then break; fi
  if ! kill -0 "$OIDC_PID" 2>/dev/null; then
    echo "The OpenID Connect provider stopped before it answered. Its log:" >&2
    cat "$OIDC_LOG" >&2
    exit 1
  fi
  sleep 0.25
done
if ! provider_up; then
  echo "The OpenID Connect provider did not answer within 30 seconds. Its log:" >&2
  cat "$OIDC_LOG" >&2
  exit 1
fi

notify_up() {
  "$PY" - "$NOTIFY_URL/_sent" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=1) as response:
    sys.exit(0 if response.status == 200 else 1)
EOF
}

say "Starting the local stand-in for GOV.UK Notify at $NOTIFY_URL (log: $E2E_DIR/.notify.log)"
"$PY" -m tests.notify_server --port "$NOTIFY_PORT" --callback-url "$BASE_URL/notify/callback/" \
  --callback-token "$NOTIFY_TOKEN" >"$NOTIFY_LOG" 2>&1 &
NOTIFY_PID=$!
for _ in $(seq 1 120); do
  if notify_up; then break; fi
  if ! kill -0 "$NOTIFY_PID" 2>/dev/null; then
    echo "The Notify stand-in stopped before it answered. Its log:" >&2
    cat "$NOTIFY_LOG" >&2
    exit 1
  fi
  sleep 0.25
done

say "Running the browser journeys"
status=0
env DJANGO_SETTINGS_MODULE=cms.settings.test \
  E2E_BASE_URL="$BASE_URL" E2E_MAIL_DIR="$MAIL_DIR" E2E_CHROMIUM="$CHROMIUM" \
  E2E_DATABASE_URL="sqlite:///$DB" E2E_OIDC_URL="$OIDC_URL" E2E_NOTIFY_URL="$NOTIFY_URL" \
  "$PY" -m pytest "$E2E_DIR" -m e2e -p no:randomly "$@" || status=$?

if [ "$status" -ne 0 ]; then
  echo "Screenshots: $E2E_DIR/screenshots/  Emails: $E2E_DIR/mail/  Server log: $E2E_DIR/.server.log"
fi
exit "$status"
