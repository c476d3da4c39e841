#!/usr/bin/env bash
# Every unit and integration test on SQLite, and the store story again on PostgreSQL when
# TENGU_TEST_POSTGRES_URL is set or a server answers on 127.0.0.1:5432 (required when TENGU_REQUIRE_POSTGRES=1).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/leptos-env.sh

# The tests run under cargo-nextest (`.config/nextest.toml`): each in its own process, several at a time, so the
# ones that wait (on a sandbox rollout's 20 s, on a server they started) overlap with the ones that compute. Doc
# tests are not run: no crate has one. A hung test must fail the run, not eat CI's 90 minutes: the build and every
# test get 40 minutes together (and nextest stops any one test after 10).
run_tests() {
  timeout --foreground 2400 cargo nextest run --workspace --no-fail-fast "$@" || {
    status=$?
    [ "$status" -eq 124 ] && echo "unit: FAILED: the tests did not finish within 40 minutes (a hang?)" >&2
    exit "$status"
  }
}

postgres_answers() {
  (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
}

if [ -n "${TENGU_TEST_POSTGRES_URL:-}" ] || postgres_answers; then
  export TENGU_TEST_POSTGRES_URL="${TENGU_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  echo "unit: the store tests run on SQLite and on PostgreSQL"
  run_tests
elif [ "${TENGU_REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "unit: FAILED: PostgreSQL is required (TENGU_REQUIRE_POSTGRES=1) but nothing answers on 127.0.0.1:5432" >&2
  exit 1
else
  echo "unit: NOTE: no PostgreSQL on 127.0.0.1:5432 and TENGU_TEST_POSTGRES_URL unset;"
  echo "unit: NOTE: the PostgreSQL store tests are NOT run (SQLite only)"
  run_tests -E 'not test(/postgres/)'
fi
