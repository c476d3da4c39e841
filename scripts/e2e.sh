#!/usr/bin/env bash
# End-to-end tests: build the site (server + hydrate WASM + CSS), start the built `tengu` on the sandbox with a
# throwaway database, wait until it answers, run Playwright in Debian's Chromium, stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${TENGU_E2E_PORT:-3100}"
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "e2e: building the site (cargo leptos build)"
cargo leptos build

echo "e2e: starting tengu on 127.0.0.1:$port with a throwaway database"
TENGU_DATABASE_URL="sqlite://$work/tengu.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
  TENGU_LOG_FORMAT=pretty ./target/debug/tengu serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "e2e: FAILED: tengu exited before answering; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "e2e: FAILED: tengu did not answer /healthz in 20 s" >&2; exit 1; }

status=0
(cd end2end && TENGU_E2E_URL="http://127.0.0.1:$port" npx playwright test) || status=$?
if [ "$status" -ne 0 ]; then
  echo "e2e: the server's log follows" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
