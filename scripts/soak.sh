#!/usr/bin/env bash
# Load: SOAK_USERS signed-in people reading the dashboard's pages (wrk) while GitHub sends SOAK_RATE signed
# deliveries a second, for SOAK_SECONDS, against one tengu on SQLite. Fails on any 5xx or dropped connection,
# and unless every delivery was stored exactly once and handled (counted in the database). Prints the pages'
# requests/s and p99. `make soak` runs the full form on the release build (200 users, 50/s, 60 s); `make test`
# a shortened one on the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/serve.sh

users="${SOAK_USERS:-200}"
rate="${SOAK_RATE:-50}"
seconds="${SOAK_SECONDS:-60}"
binary="${SOAK_BINARY:-./target/release/tengu}"
[ -x "$binary" ] || { echo "soak: FAILED: $binary is not built" >&2; exit 1; }
port="$(free_port)"
secret="soak-$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")"
start_tengu "$binary" "$port" RUST_LOG=warn,tengu_server=info TENGU_GITHUB_WEBHOOK_SECRET="$secret"
cookie=$(sign_in "$port" alice)
[ -n "$cookie" ] || { echo "soak: FAILED: signing in through the sandbox failed" >&2; tengu_log_tail 50; exit 1; }

echo "soak: $users readers and $rate deliveries/s for ${seconds}s on $binary (SQLite)"
SOAK_COOKIE="$cookie" wrk -t2 -c"$users" -d"${seconds}s" --timeout 10s --latency -s scripts/soak/pages.lua \
  "http://127.0.0.1:$port" >"$tengu_work/pages.txt" &
pages_pid=$!
hooks_status=0
python3 scripts/soak/webhooks.py "http://127.0.0.1:$port" "$secret" "$rate" "$seconds" soak >"$tengu_work/hooks.json" \
  || hooks_status=$?
wait "$pages_pid"
cat "$tengu_work/hooks.json"
[ "$hooks_status" -eq 0 ] || { echo "soak: FAILED: a delivery was answered 5xx or dropped" >&2; tengu_log_tail 30; exit 1; }
if grep -qE "Non-2xx|Socket errors" "$tengu_work/pages.txt"; then
  echo "soak: FAILED: page loads were answered with errors:" >&2
  cat "$tengu_work/pages.txt" >&2
  exit 1
fi
sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$tengu_work/hooks.json")

# Every delivery stored once and handled: counted in the database, waiting up to a minute for the worker.
counts() {
  python3 - "$tengu_work/tengu.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
stored, handled, ids = db.execute(
    "SELECT COUNT(*), COUNT(processed_at), COUNT(DISTINCT delivery_id) FROM webhook_deliveries "
    "WHERE delivery_id LIKE 'soak-%'").fetchone()
print(stored, handled, ids)
PY
}
for _ in $(seq 1 120); do
  read -r stored handled distinct < <(counts)
  [ "$handled" -eq "$sent" ] && break
  sleep 0.5
done
echo "soak: deliveries sent $sent, stored $stored ($distinct distinct), handled $handled"
[ "$stored" -eq "$sent" ] && [ "$distinct" -eq "$sent" ] && [ "$handled" -eq "$sent" ] \
  || { echo "soak: FAILED: every delivery must be stored once and handled" >&2; tengu_log_tail 30; exit 1; }
awk '/^Requests\/sec:/ { rps = $2 } $1 == "99%" { p99 = $2 } $1 == "50%" { p50 = $2 }
     END { printf "soak: pages %s requests/s, p50 %s, p99 %s\n", rps, p50, p99 }' "$tengu_work/pages.txt"
