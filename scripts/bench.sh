#!/usr/bin/env bash
# Measures the release build on the sandbox: requests/s and p99 latency of `/` (signed in: the session and role
# checks included) and `/healthz` at 64 connections with wrk, their ratio, one connection's median latency of
# `/` signed in and of `/sign-in` (the session layer without a person), signed webhook deliveries per second on
# SQLite and on PostgreSQL (each stored durably before its 202), the time from a signed `/tengu` slash command to
# its first answer (median of 20), and the gzip size of the release WASM.
# Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/serve.sh

port="${TENGU_BENCH_PORT:-$(free_port)}"
duration="${TENGU_BENCH_SECONDS:-10}"
cargo leptos build --release
webhook_secret="bench-$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")"
slack_secret="bench-slack-$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")"
start_tengu ./target/release/tengu "$port" RUST_LOG=warn,tengu_server=info TENGU_GITHUB_WEBHOOK_SECRET="$webhook_secret" \
  TENGU_SLACK_SIGNING_SECRET="$slack_secret"
cookie=$(sign_in "$port" alice)
[ -n "$cookie" ] || { echo "bench: signing in through the sandbox failed" >&2; tengu_log_tail 50; exit 1; }
curl -fsS -H "Cookie: $cookie" "http://127.0.0.1:$port/" | grep -q "@alice" \
  || { echo "bench: tengu did not render / for a signed-in person" >&2; tengu_log_tail 50; exit 1; }

# Prints "<requests/s> <p99 in ms>" for one path (extra wrk arguments after it).
measure() {
  local out rps p99
  out=$(wrk -t2 -c64 -d"${duration}s" --latency "${@:2}" "http://127.0.0.1:$port$1")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 }; print v }' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then echo "bench: $1 answered errors:" >&2; echo "$out" >&2; exit 1; fi
  echo "$rps $p99"
}

# One connection, one request at a time: what a person waits for, and what the session and role checks add.
median_ms() {
  wrk -t1 -c1 -d"${duration}s" --latency "${@:2}" "http://127.0.0.1:$port$1" \
    | awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) }; print v }'
}
wrk -t2 -c64 -d2s -H "Cookie: $cookie" "http://127.0.0.1:$port/" >/dev/null  # warm-up
read -r home_rps home_p99 < <(measure / -H "Cookie: $cookie")
home_median=$(median_ms / -H "Cookie: $cookie")
signin_median=$(median_ms /sign-in)
read -r health_rps health_p99 < <(measure /healthz)
# Webhooks: GitHub's `opened` example turned into `edited` on a PR that is not a deploy PR, signed once.
export WEBHOOK_BODY="$tengu_work/webhook.json"
python3 - "$WEBHOOK_BODY" <<'PY'
import json, sys
payload = json.load(open("server/tests/fixtures/github-webhooks/pull_request.opened.json"))
payload["action"] = "edited"
payload["changes"] = {"body": {"from": ""}}
payload["repository"]["full_name"] = "acme/shop"
json.dump(payload, open(sys.argv[1], "w"))
PY
WEBHOOK_SIGNATURE="sha256=$(openssl dgst -sha256 -hmac "$webhook_secret" -hex <"$WEBHOOK_BODY" | awk '{ print $NF }')"
export WEBHOOK_SIGNATURE
read -r hook_rps hook_p99 < <(measure /webhooks/github -s scripts/bench/webhook.lua)
slack_times=$(python3 scripts/bench/slack_commands.py "http://127.0.0.1:$port" "$slack_secret" 20)
# The same deliveries into PostgreSQL (when a server answers on 127.0.0.1:5432), on a database of its own that the
# bench drops afterwards; named like the test databases, so CI's clean-up finds it if the bench is interrupted.
pg_hook_rps="" pg_hook_p99=""
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  pg_admin="${TENGU_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  pg_db="tengu_test_bench_$$"
  psql -q "$pg_admin" -c "CREATE DATABASE $pg_db" >/dev/null
  kill -TERM "$tengu_pid" && wait "$tengu_pid" || true
  start_tengu ./target/release/tengu "$port" RUST_LOG=warn,tengu_server=info \
    TENGU_GITHUB_WEBHOOK_SECRET="$webhook_secret" TENGU_DATABASE_URL="${pg_admin%/*}/$pg_db"
  read -r pg_hook_rps pg_hook_p99 < <(measure /webhooks/github -s scripts/bench/webhook.lua)
  kill -TERM "$tengu_pid" && wait "$tengu_pid" || true
  tengu_pid=""
  psql -q "$pg_admin" -c "DROP DATABASE $pg_db" >/dev/null
fi
wasm=$(ls target/site/pkg/*.wasm | head -n 1)
wasm_raw=$(stat -c %s "$wasm")
wasm_gzip=$(gzip -9 -c "$wasm" | wc -c)

printf '\n%-10s %12s %10s\n' "path" "requests/s" "p99 ms"
printf '%-10s %12.0f %10.2f\n' "/" "$home_rps" "$home_p99"
printf '%-10s %12.0f %10.2f\n' "/healthz" "$health_rps" "$health_p99"
printf '%-10s %12.0f %10.2f   (signed deliveries, each stored before the 202; SQLite, synchronous=FULL)\n' \
  "webhooks" "$hook_rps" "$hook_p99"
if [ -n "$pg_hook_rps" ]; then
  printf '%-10s %12.0f %10.2f   (the same on PostgreSQL, synchronous_commit on)\n' "webhooks" "$pg_hook_rps" "$pg_hook_p99"
else
  echo "webhooks on PostgreSQL: not measured (nothing answers on 127.0.0.1:5432)"
fi
awk -v a="$home_rps" -v b="$health_rps" 'BEGIN { printf "ratio / : /healthz = %.3f (target >= 0.25)\n", a / b }'
printf 'one connection, median: / signed in %s ms; /sign-in (no person) %s ms\n' "$home_median" "$signin_median"
printf 'release WASM %s: %d bytes raw, %d bytes gzip (%.0f KB; target <= 200 KB)\n' \
  "$(basename "$wasm")" "$wasm_raw" "$wasm_gzip" "$(awk -v g="$wasm_gzip" 'BEGIN { print g / 1024 }')"
echo "$slack_times"
