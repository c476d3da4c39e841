#!/usr/bin/env bash
# End-to-end tests: build the site (server + the browser program's WASM + CSS), start the built `tengu` on the sandbox with a
# throwaway database, run Playwright in Debian's Chromium, stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/serve.sh

port="${TENGU_E2E_PORT:-$(free_port)}"
echo "e2e: building the site (cargo leptos build)"
cargo leptos build
echo "e2e: tengu migrate on a throwaway database"
TENGU_DATABASE_URL="sqlite://$tengu_work/migrated.db" ./target/debug/tengu migrate | grep -q "is up to date" \
  || { echo "e2e: FAILED: tengu migrate did not report an up-to-date database" >&2; exit 1; }
echo "e2e: starting tengu on 127.0.0.1:$port with a throwaway database"
# A webhook secret, so the tests can deliver signed GitHub webhooks as GitHub would.
webhook_secret="e2e-$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")"
start_tengu ./target/debug/tengu "$port" TENGU_LOG_FORMAT=pretty TENGU_GITHUB_WEBHOOK_SECRET="$webhook_secret"

status=0
(cd end2end && TENGU_E2E_URL="http://127.0.0.1:$port" TENGU_E2E_WEBHOOK_SECRET="$webhook_secret" npx playwright test) \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "e2e: the server's log follows" >&2
  tengu_log_tail 50
fi
exit "$status"
