# Sourced by the e2e and bench scripts: start a built `tengu` on the sandbox with a throwaway database, wait
# until it answers, and stop it (and remove the database) when the calling script exits.

tengu_work=$(mktemp -d)
tengu_pid=""

# SIGTERM, as a service manager would send it: tengu must finish in-flight requests and exit within 10 s.
stop_tengu() {
  local status=$?
  if [ -n "$tengu_pid" ] && kill -0 "$tengu_pid" 2>/dev/null; then
    kill -TERM "$tengu_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$tengu_pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$tengu_pid" 2>/dev/null; then
      echo "tengu did not stop within 10 s of SIGTERM" >&2
      kill -KILL "$tengu_pid" 2>/dev/null || true
      status=1
    elif ! grep -q "stopped" "$tengu_work/server.log"; then
      echo "tengu exited on SIGTERM without a graceful shutdown; its log:" >&2
      tail -n 20 "$tengu_work/server.log" >&2
      status=1
    fi
  fi
  rm -rf "$tengu_work"
  exit "$status"
}
trap stop_tengu EXIT

# start_tengu BINARY PORT [extra environment assignments...]
start_tengu() {
  local binary=$1 port=$2
  shift 2
  # Another server on the port would answer for ours (and its state would leak into the tests).
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is already in use on 127.0.0.1; stop what listens there or choose another port" >&2
    return 1
  fi
  env TENGU_DATABASE_URL="sqlite://$tengu_work/tengu.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
    LEPTOS_SITE_ROOT=target/site "$@" "$binary" serve >"$tengu_work/server.log" 2>&1 &
  tengu_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    if ! kill -0 "$tengu_pid" 2>/dev/null; then
      echo "tengu exited before answering; its log:" >&2
      cat "$tengu_work/server.log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "tengu did not answer /healthz on port $port within 20 s; its log:" >&2
  cat "$tengu_work/server.log" >&2
  return 1
}

# A port nothing listens on, for a server of this run alone.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

tengu_log_tail() {
  tail -n "${1:-50}" "$tengu_work/server.log" >&2
}

# sign_in PORT LOGIN: signs in through the sandbox's consent page as a browser would; prints the session cookie
# (`name=value`) for tools that cannot follow the flow themselves (wrk).
sign_in() {
  local port=$1 login=$2 jar="$tengu_work/cookies-$2" base="http://127.0.0.1:$1" consent state challenge back
  consent=$(curl -fsS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$base/auth/github")
  state=$(sed -E 's/.*[?&]state=([^&]*).*/\1/' <<<"$consent")
  challenge=$(sed -E 's/.*[?&]code_challenge=([^&]*).*/\1/' <<<"$consent")
  back=$(curl -fsS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' -H "Origin: $base" \
    --data "state=$state&code_challenge=$challenge&login=$login" "$base/auth/sandbox")
  curl -fsS -c "$jar" -b "$jar" -o /dev/null "$back"
  awk '$6 == "tengu_session" { print $6 "=" $7 }' "$jar"
}
