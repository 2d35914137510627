#!/usr/bin/env bash
# Load benchmark: gunicorn (2 workers) serving the demo site, driven by wrk on 127.0.0.1 for a
# bounded time per page. Prints requests/s, p50 and p95 per page, and each page's throughput as a
# ratio of /healthz's in the same run. Figures, not asserts: these machines are shared and noisy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PY=.venv/bin/python
PORT=${BENCH_PORT:-8790}
SECONDS_PER_PAGE=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-8}
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

export DJANGO_SETTINGS_MODULE=cms.settings.production
export SECRET_KEY="bench-only-$(date +%s)-not-secret-000000000000000000000000000"
export ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=false
export DATABASE_URL="sqlite:///$WORK/bench.sqlite3"
export STATIC_ROOT="$WORK/static"
export EMAIL_URL=console:
unset CACHE_URL REDIS_URL

echo "Preparing the demo site..."
"$PY" manage.py setup_demo >/dev/null
# 200 runs across 8 more sites for the public course finder (rows finder*, signed out).
"$PY" tests/perf/finder.py --seed-only
"$PY" manage.py collectstatic --noinput -v 0
signed_in() {  # email -> a session key for that demo account
  "$PY" manage.py shell --no-imports -c "
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.get(email='$1')
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"
}
SESSION=$(signed_in professional@example.com)
TUTOR_SESSION=$(signed_in lay.tutor@example.com)
LEAD_SESSION=$(signed_in lead@example.com)
OPEN_RUN=$("$PY" manage.py shell --no-imports -c "
from courses.models import CourseRun
print(CourseRun.objects.filter(status='open', site__slug='riverside').order_by('pk').first().pk)
")
LESSON=$("$PY" manage.py shell --no-imports -c "
from cms.models import LessonPage
print(LessonPage.objects.live().order_by('-minutes', 'path').first().url)
")

.venv/bin/gunicorn cms.wsgi --bind "127.0.0.1:$PORT" --workers 2 --log-level warning >"$WORK/gunicorn.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

run() {  # name path [cookie]
  local header=()
  if [ -n "${3:-}" ]; then header=(-H "Cookie: sessionid=$3"); fi
  status=$(curl -s -o /dev/null -w '%{http_code}' "${header[@]}" "http://127.0.0.1:$PORT$2")
  if [ "$status" != "200" ]; then echo "$1 ($2) answered $status, not 200" >&2; exit 1; fi
  wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_PER_PAGE}s" --timeout 10s "${header[@]}" \
    -s tests/perf/percentiles.lua "http://127.0.0.1:$PORT$2" | awk -v name="$1" '/^RESULT/ {print name, $0}'
}

{
  run healthz /healthz
  run home /
  run lesson "$LESSON"
  run learn /learn/ "$SESSION"
  run courses /courses/ "$SESSION"
  run finder-all /courses/
  run finder "/courses/?place=Eastgate"
  run finder-pc "/courses/?place=EG2"
  run teach /teach/ "$TUTOR_SESSION"
  run run /sites/riverside/runs/$OPEN_RUN/ "$LEAD_SESSION"
  run reflect /reflections/ "$SESSION"
  run results /sites/riverside/reflections/ "$LEAD_SESSION"
  run programme /programme/ "$LEAD_SESSION"
} >"$WORK/results.txt"

echo
echo "Load benchmark: gunicorn 2 workers, wrk $CONNECTIONS connections, ${SECONDS_PER_PAGE} s per page, $(nproc) cores, SQLite"
"$PY" - "$WORK/results.txt" <<'PYEOF'
import sys
rows = []
for line in open(sys.argv[1]):
    name, _, *fields = line.split()
    values = dict(field.split("=") for field in fields)
    rows.append((name, float(values["requests"]) / float(values["seconds"]), float(values["p50"]), float(values["p95"]), int(values["errors"])))
floor = rows[0][1]
print(f"{'page':<10}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'vs healthz':>12}{'errors':>8}")
for name, rate, p50, p95, errors in rows:
    print(f"{name:<10}{rate:>10.1f}{p50:>10.1f}{p95:>10.1f}{'1/' + format(floor / rate, '.1f'):>12}{errors:>8}")
PYEOF
