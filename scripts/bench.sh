#!/usr/bin/env bash
# Measures the release build on the sandbox, its database holding 100,000 more deployments than the sandbox seeds:
# - each page (signed in: the session and role checks included) at 64 connections with wrk, beside nginx serving
#   the very same bytes from a file in the same run (requests/s, p99, their ratio, the page's size), in 3
#   alternating rounds whose medians (and lowest ratio) are printed; after the first request these are answered
#   from tengu's page cache, as a person's reloads are;
# - each page drawn on its own in the server's code, from the read models, on one thread (server/examples/render_cost.rs);
# - the same pages with every request rendered (each asks for an address of its own, scripts/bench/fresh.lua), and
#   their ratio to nginx's median for the same bytes; the server's CPU time per request of `/`, rendered and reloaded;
# - a flood: `/` (reloaded, and rendered) at 64 connections while 64 more post signed deliveries about a pull
#   request that is not a deploy PR, against the same page quiet;
# - one connection's median latency of `/deployments` under each filter (rendered), of `/insights` for a year and
#   for 30 days, of `/` and of `/sign-in`;
# - `/healthz`, signed webhook deliveries per second on SQLite and on PostgreSQL (each stored durably before its
#   202), the time from a signed `/tengu` slash command to its first answer (median of 20);
# - the gzip size of the release WASM and the server's resident memory after all of it;
# - what sqlx's Any driver costs against SQLite's own on the same history queries (adapters/sql/examples/any_vs_native.rs);
# - the lock and freeze checks a deploy request passes, and the time from COMPLETED to a verification's verdict
#   beyond its bake, with a real HTTP check and a real CloudWatch call against local stand-ins (safety_cost.rs).
# Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/serve.sh
# The examples below build with the flags the site build uses, so they share its compiled crates.
source scripts/lib/leptos-env.sh
source scripts/bench/nginx.sh
trap 'status=$?; stop_nginx; (exit $status); stop_tengu' EXIT

port="${TENGU_BENCH_PORT:-$(free_port)}"
nginx_port="$(free_port)"
duration="${TENGU_BENCH_SECONDS:-10}"
# Each page is measured against nginx this many times, alternately; the table gives the medians, so one run of the
# bench tells a page's cost from the machine's moment-to-moment noise (one round's ratios moved by up to 0.2).
rounds="${TENGU_BENCH_ROUNDS:-3}"
history_rows="${TENGU_BENCH_DEPLOYMENTS:-100000}"
cargo leptos build --release --precompress
webhook_secret="bench-$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")"
slack_secret="bench-slack-$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")"
# The history is filled before the first start, so the sandbox's own deployments are the newest on top of it.
TENGU_DATABASE_URL="sqlite://$tengu_work/tengu.db" ./target/release/tengu migrate >/dev/null
seed_deployments "$tengu_work/tengu.db" "$history_rows"
echo
echo "safe rollouts: the lock and freeze checks a deploy request passes, and what verifying adds beyond the bake"
cargo run -q --release -p tengu-server --example safety_cost
echo
echo "sqlx's Any driver (the store's pool before it ran on each dialect's own) against SQLite's own, same file and queries, one connection, median of 2,000"
cargo run -q --release -p tengu-sql --example any_vs_native -- "$tengu_work/tengu.db"
start_tengu ./target/release/tengu "$port" RUST_LOG=warn,tengu_server=info TENGU_GITHUB_WEBHOOK_SECRET="$webhook_secret" \
  TENGU_SLACK_SIGNING_SECRET="$slack_secret" TENGU_SLACK_TEAM_ID=T0BENCH
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
# The server's CPU time so far (user and system), in microseconds.
cpu_us() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000000 / hz }' "/proc/$tengu_pid/stat"
}
# The server's CPU microseconds per request of one path at 64 connections (everything it does for a request:
# HTTP, session, the page cache, the render), over the whole run.
cpu_per_request() {
  local before after out requests
  before=$(cpu_us)
  out=$(wrk -t2 -c64 -d"${duration}s" "${@:2}" "http://127.0.0.1:$port$1")
  after=$(cpu_us)
  requests=$(awk '/ requests in / { print $1 }' <<<"$out")
  awk -v a="$before" -v b="$after" -v n="$requests" 'BEGIN { printf "%.0f", (b - a) / n }'
}
echo
echo "one page drawn on its own from the read models (nothing kept), on one thread, beside the idle server: the time of"
echo "one draw, which is its CPU time (target for /: well under 100 µs)"
cargo run -q --release -p tengu-server --example render_cost -- "$tengu_work/tengu.db" / /environments/production \
  "$(curl -fsS -H "Cookie: $cookie" "http://127.0.0.1:$port/" | grep -oE '/repos/acme/shop/deploy-prs/[0-9]+' | head -n 1)" \
  /deployments /review-envs
wrk -t2 -c64 -d2s -H "Cookie: $cookie" "http://127.0.0.1:$port/" >/dev/null  # warm-up
start_nginx "$nginx_port"
deploy_pr=$(curl -fsS -H "Cookie: $cookie" "http://127.0.0.1:$port/" | grep -oE '/repos/acme/shop/deploy-prs/[0-9]+' | head -n 1)
[ -n "$deploy_pr" ] || { echo "bench: the overview links no deploy PR" >&2; exit 1; }
page_table=""
# Each page's medians, for the rendered rows and the flood.
declare -A nginx_rps quiet_rps
# The median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Each page beside nginx serving the bytes tengu just answered for it (as a file, without compression: wrk asks
# for none, so tengu sends none either), `rounds` times in turn.
for page in / /environments/production "$deploy_pr" /deployments /review-envs; do
  file="$nginx_root/pages/page-$(tr -c 'a-z0-9\n' '_' <<<"$page" | tr -d '\n').html"
  curl -fsS -H "Cookie: $cookie" "http://127.0.0.1:$port$page" -o "$file"
  chmod 644 "$file"
  if grep -q 'role="alert"' "$file"; then
    echo "bench: $page shows an error instead of its content:" >&2
    grep -o '<p class="notice notice--error"[^<]*' "$file" >&2
    exit 1
  fi
  bytes=$(stat -c %s "$file")
  t_rps=() t_p99=() s_rps=() s_p99=() ratios=()
  for ((round = 1; round <= rounds; round++)); do
    read -r tengu_rps tengu_p99 < <(measure "$page" -H "Cookie: $cookie")
    read -r static_rps static_p99 < <(port=$nginx_port measure "/$(basename "$file")")
    t_rps+=("$tengu_rps") t_p99+=("$tengu_p99") s_rps+=("$static_rps") s_p99+=("$static_p99")
    ratios+=("$(awk -v a="$tengu_rps" -v b="$static_rps" 'BEGIN { print a / b }')")
  done
  nginx_rps[$page]=$(median "${s_rps[@]}")
  quiet_rps[$page]=$(median "${t_rps[@]}")
  page_table+=$(printf '%-32s %10.0f %8.2f %10.0f %8.2f %7.3f %7.3f %8d' "$page" "$(median "${t_rps[@]}")" \
    "$(median "${t_p99[@]}")" "$(median "${s_rps[@]}")" "$(median "${s_p99[@]}")" "$(median "${ratios[@]}")" \
    "$(printf '%s\n' "${ratios[@]}" | sort -g | head -n 1)" "$bytes")$'\n'
done
stop_nginx
# The same pages when none can be answered from the page cache (each request its own address): a render each.
fresh_table=""
for page in / /environments/production "$deploy_pr" /deployments /review-envs; do
  read -r fresh_rps fresh_p99 < <(measure "$page" -H "Cookie: $cookie" -s scripts/bench/fresh.lua)
  [ "$page" = / ] && quiet_fresh_rps=$fresh_rps
  fresh_table+=$(printf '%-32s %10.0f %8.2f %7.3f' "$page" "$fresh_rps" "$fresh_p99" \
    "$(awk -v a="$fresh_rps" -v b="${nginx_rps[$page]}" 'BEGIN { print a / b }')")$'\n'
done
cpu_rendered=$(cpu_per_request / -H "Cookie: $cookie" -s scripts/bench/fresh.lua)
cpu_reloaded=$(cpu_per_request / -H "Cookie: $cookie")
# History filters as a person's first look at them: rendered, never from the page cache.
history_medians=""
# A source PR, a commit and a change's author that one (or a few) of the 100,000 carried.
bench_commit=$(printf '%040x' $((1099511627776 + history_rows / 2)))
for filter in "" "?env=production" "?state=failed" "?actor=mallory" "?env=dev&state=failed" \
  "?from=2026-01-01&to=2026-12-31" "?repo=acme%2Fshop" "?pr=$((1000 + history_rows / 2))" "?author=mallory" \
  "?commit=$bench_commit" "?repo=acme%2Fshop&pr=$((1000 + history_rows / 2))&env=production"; do
  history_medians+=$(printf '%-64s %8s ms' "/deployments$filter" \
    "$(median_ms "/deployments$filter" -H "Cookie: $cookie" -s scripts/bench/fresh.lua)")$'\n'
done
# Insights over the whole history: a year of an environment, and the 30 days a person opens first (rendered).
insights_medians=""
for asked in "?env=production&range=365" "?env=dev&range=365" "?env=production&range=30"; do
  insights_medians+=$(printf '%-64s %8s ms' "/insights$asked" \
    "$(median_ms "/insights$asked" -H "Cookie: $cookie" -s scripts/bench/fresh.lua)")$'\n'
done
home_median=$(median_ms / -H "Cookie: $cookie")
home_fresh_median=$(median_ms / -H "Cookie: $cookie" -s scripts/bench/fresh.lua)
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
# The flood: `/` while 64 connections post those deliveries for as long (and a second more on each side).
flood_table=""
for kind in reloaded rendered; do
  script=() quiet=${quiet_rps[/]}
  [ "$kind" = rendered ] && script=(-s scripts/bench/fresh.lua) quiet=$quiet_fresh_rps
  wrk -t2 -c64 -d"$((duration + 2))s" -s scripts/bench/webhook.lua "http://127.0.0.1:$port/webhooks/github" \
    >"$tengu_work/flood-$kind.txt" &
  flood_pid=$!
  sleep 1
  read -r flood_rps flood_p99 < <(measure / -H "Cookie: $cookie" "${script[@]}")
  wait "$flood_pid"
  if grep -q "Non-2xx" "$tengu_work/flood-$kind.txt"; then
    echo "bench: deliveries were refused during the flood:" >&2
    cat "$tengu_work/flood-$kind.txt" >&2
    exit 1
  fi
  flood_hooks=$(awk '/^Requests\/sec:/ { print $2 }' "$tengu_work/flood-$kind.txt")
  flood_table+=$(printf '%-14s %10.0f %8.2f %10.0f %7.3f %12.0f' "/ $kind" "$flood_rps" "$flood_p99" "$quiet" \
    "$(awk -v a="$flood_rps" -v b="$quiet" 'BEGIN { print a / b }')" "$flood_hooks")$'\n'
done
slack_times=$(python3 scripts/bench/slack_commands.py "http://127.0.0.1:$port" "$slack_secret" 20)
# After every page, filter, webhook and command above: what the SQLite instance holds.
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$tengu_pid/status" 2>/dev/null || echo 0)
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
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null \
    || echo "bench: could not drop $pg_db; drop it by hand" >&2
fi
# The build's own WASM (its name carries a hash: older builds' files may lie beside it).
wasm_hash=$(awk -F': *' '$1 == "wasm" { print $2 }' target/release/hash.txt 2>/dev/null || true)
wasm="target/site/pkg/tengu${wasm_hash:+.$wasm_hash}.wasm"
[ -f "$wasm" ] || wasm=$(ls -t target/site/pkg/*.wasm | head -n 1)
wasm_raw=$(stat -c %s "$wasm")
wasm_gzip=$(gzip -9 -c "$wasm" | wc -c)

printf '\npages with %s more deployments in the history, 64 connections, medians of %s alternating rounds (targets: ratio >= 0.5, p99 <= 25 ms)\n' "$history_rows" "$rounds"
printf '%-32s %10s %8s %10s %8s %7s %7s %8s\n' "page" "tengu r/s" "p99 ms" "nginx r/s" "p99 ms" "ratio" "lowest" "bytes"
printf '%s' "$page_table"
printf '\nthe same pages, each request rendered (none from the page cache), 64 connections; ratio to nginx above (target for /: >= 0.3)\n%-32s %10s %8s %7s\n%s' \
  page "tengu r/s" "p99 ms" "ratio" "$fresh_table"
printf 'server CPU per request of /, all of it (HTTP, session, cache, render): rendered %s µs (target: well under 100), reloaded %s µs\n' \
  "$cpu_rendered" "$cpu_reloaded"
printf '\npages under a webhook flood: 64 connections on / while 64 post signed deliveries (targets: p99 < 50 ms, ratio >= 0.5)\n%-14s %10s %8s %10s %7s %12s\n%s' \
  page "tengu r/s" "p99 ms" "quiet r/s" "ratio" "deliveries/s" "$flood_table"
printf '\none connection, median, rendered (target: /deployments p50 <= 10 ms under any filter)\n%s' "$history_medians"
printf '\none connection, median, rendered, from the days kept as deployments finish (target: a year < 50 ms)\n%s' \
  "$insights_medians"
printf '\n%-10s %12s %10s\n' "path" "requests/s" "p99 ms"
printf '%-10s %12.0f %10.2f\n' "/healthz" "$health_rps" "$health_p99"
printf '%-10s %12.0f %10.2f   (signed deliveries, each stored before the 202; SQLite, synchronous=FULL)\n' \
  "webhooks" "$hook_rps" "$hook_p99"
if [ -n "$pg_hook_rps" ]; then
  printf '%-10s %12.0f %10.2f   (the same on PostgreSQL, synchronous_commit on)\n' "webhooks" "$pg_hook_rps" "$pg_hook_p99"
else
  echo "webhooks on PostgreSQL: not measured (nothing answers on 127.0.0.1:5432)"
fi
printf 'one connection, median: / signed in %s ms (rendered: %s ms); /sign-in (no person) %s ms\n' "$home_median" \
  "$home_fresh_median" "$signin_median"
printf 'server resident memory after the bench (SQLite): %d MB (target <= 60 MB)\n' "$((rss_kb / 1024))"
wasm_br=$(stat -c %s "$wasm.br" 2>/dev/null || echo 0)
printf 'release WASM %s: %d bytes raw, %d bytes gzip -9 (%.0f KB; target <= 150 KB); sent as its precompressed .br: %d bytes\n' \
  "$(basename "$wasm")" "$wasm_raw" "$wasm_gzip" "$(awk -v g="$wasm_gzip" 'BEGIN { print g / 1024 }')" "$wasm_br"
echo "$slack_times"
