# Sourced by scripts/bench.sh: nginx on loopback serving, from files, the very bytes tengu answered for each page,
# so each page's requests/s can be put beside what a static file server does on the same machine in the same run.

nginx_pid=""
# A folder of its own that nginx's workers (which drop to an unprivileged user) may read.
nginx_root=$(mktemp -d)
chmod 755 "$nginx_root"

# start_nginx PORT: Debian's nginx (installed by the bootstrap), two workers like the two cores, no access log.
start_nginx() {
  local port=$1
  command -v nginx >/dev/null || { echo "bench: nginx is missing; run scripts/bootstrap.sh" >&2; return 1; }
  mkdir -p "$nginx_root/pages" "$nginx_root/tmp"
  chmod 755 "$nginx_root/pages"
  cat >"$nginx_root/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $nginx_root/nginx.pid;
error_log $nginx_root/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $nginx_root/tmp;
  proxy_temp_path $nginx_root/tmp;
  fastcgi_temp_path $nginx_root/tmp;
  uwsgi_temp_path $nginx_root/tmp;
  scgi_temp_path $nginx_root/tmp;
  server {
    listen 127.0.0.1:$port;
    root $nginx_root/pages;
    default_type text/html;
    location / { try_files \$uri =404; }
  }
}
CONF
  nginx -p "$nginx_root" -c "$nginx_root/nginx.conf" &
  nginx_pid=$!
  for _ in $(seq 1 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && return 0
    # A 404 for the empty root also means nginx answers.
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 404 ] && return 0
    sleep 0.1
  done
  echo "bench: nginx did not answer on port $port; its log:" >&2
  cat "$nginx_root/error.log" >&2
  return 1
}

stop_nginx() {
  if [ -n "$nginx_pid" ]; then
    kill -TERM "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=""
  fi
  rm -rf "$nginx_root"
}

# seed_deployments DATABASE ROWS: finished deployments of production and dev, older than the sandbox's own, a few
# of them failed and a few by mallory (so the filters have rare values to find), each carrying a source PR of its own
# (number 1000 + id, a few by mallory) and a commit (SHA: 2^40 + id in hex), then ANALYZE.
seed_deployments() {
  python3 - "$1" "$2" <<'PY'
import sqlite3, sys, time
# A year of history: the deployments evenly over the last 365 days (two thirds to production), each carrying a
# source PR and ten commits (a million at 100,000 deployments).
db, rows = sys.argv[1], int(sys.argv[2])
start = int(time.time() * 1000) - 365 * 86_400_000
step = 365 * 86_400_000 // (rows + 1)
con = sqlite3.connect(db, timeout=30)
con.execute("""
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
  INSERT INTO deployments (env, repo, image, sha, trigger_kind, actor, source_prs, task_definitions, state,
                           requested_at, finished_at)
  SELECT CASE WHEN i % 3 = 0 THEN 'dev' ELSE 'production' END, 'acme/shop',
         '123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:bench-' || i, NULL, 'button',
         CASE WHEN i % 983 = 0 THEN 'mallory' ELSE 'alice' END, '[' || (1000 + i) || ']', '[]',
         CASE WHEN i % 991 = 0 THEN 'failed' ELSE 'succeeded' END, ? + i * ?, ? + i * ? + 180000
  FROM n""", (rows, start, step, start, step))
con.execute("""
  INSERT INTO deployment_changes (deployment_id, source_pr, sha, author)
  SELECT id, 1000 + id, NULL, CASE WHEN id % 983 = 0 THEN 'mallory' ELSE 'alice' END
  FROM deployments WHERE image LIKE '%:bench-%'""")
con.execute("""
  WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 9)
  INSERT INTO deployment_changes (deployment_id, source_pr, sha, author)
  SELECT id, 1000 + id, printf('%040x', 1099511627776 + id + j * 1000000000), NULL
  FROM deployments, k WHERE image LIKE '%:bench-%'""")
con.commit()
con.execute("ANALYZE")
con.close()
PY
}
