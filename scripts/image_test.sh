#!/usr/bin/env bash
# Starts tengu's image with podman (Debian's package) as an operator would, and checks it from the outside: its
# health check passes, it runs as a non-root user, it serves the sandbox (clearly labelled) with its stylesheet,
# and a person signs in to it through the sandbox's sign-in pages. Fails loudly at the first thing that is not so.
#   scripts/image_test.sh [release|debug]
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:-debug}
image=localhost/tengu:$profile
port=${IMAGE_TEST_PORT:-$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
base=http://127.0.0.1:$port
name=tengu-image-test-$$
jar=$(mktemp)
export STORAGE_DRIVER=vfs
# runc: crun (podman's default) refuses a machine whose cgroup v2 hierarchy has controllers beside v1's (this one).
podman() { command podman --runtime runc "$@"; }
say() { printf 'image test: %s\n' "$*"; }
fail() {
  printf 'image test: FAILED: %s\n' "$*" >&2
  podman logs "$name" 2>&1 | tail -n 30 >&2 || true
  exit 1
}
command -v podman >/dev/null || fail "podman is missing: scripts/bootstrap.sh installs it"
podman image exists "$image" || fail "$image is missing: run scripts/image.sh $profile first"

cleanup() { podman rm -f -v "$name" >/dev/null 2>&1 || true; rm -f "$jar" "$podman_said"; }
# Podman says that it found no systemd to time health checks with (it is told not to): noise, kept apart.
podman_said=$(mktemp)
trap cleanup EXIT
# The host's network: no bridge or port forwarding to set up; the server listens on a loopback port of its own.
# Limits no higher than this machine's (a sandbox may not raise them), and the health check run by hand below (no
# systemd here to time it).
podman run -d --name "$name" --network host --health-interval disable \
  --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096 \
  -e LEPTOS_SITE_ADDR="127.0.0.1:$port" -e TENGU_PUBLIC_URL="$base" "$image" >/dev/null 2>"$podman_said" \
  || fail "podman run $image did not start: $(grep -v systemd "$podman_said")"

healthy=0
for _ in $(seq 1 60); do
  if podman healthcheck run "$name" >/dev/null 2>&1; then healthy=1; break; fi
  [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] || fail "the container stopped"
  sleep 1
done
[ "$healthy" = 1 ] || fail "the image's health check did not pass within 60 s"
say "the health check passes ($(podman exec "$name" /usr/local/bin/tengu health-check))"

user=$(podman top "$name" user | tail -n 1 | tr -d ' ')
[ "$user" = tengu ] || fail "the server runs as '$user', not as the non-root user tengu"
say "the server runs as $user (uid $(podman inspect --format '{{.Config.User}}' "$image"))"

home=$(curl -sf "$base/sign-in") || fail "GET /sign-in did not answer"
grep -q 'sandbox' <<<"$home" || fail "the sign-in page does not say it is the sandbox"
stylesheet=$(grep -oE 'href="/pkg/[^"]+\.css"' <<<"$home" | head -n 1 | cut -d'"' -f2)
[ -n "$stylesheet" ] || fail "the page links no stylesheet"
curl -sf -o /dev/null "$base$stylesheet" || fail "the stylesheet $stylesheet is not served from the image"

consent=$(curl -sfL -c "$jar" -b "$jar" "$base/auth/github?next=/") || fail "the sign-in did not start"
state=$(grep -oE 'name="state" value="[^"]+"' <<<"$consent" | cut -d'"' -f4)
challenge=$(grep -oE 'name="code_challenge" value="[^"]+"' <<<"$consent" | cut -d'"' -f4)
[ -n "$state" ] && [ -n "$challenge" ] || fail "the sandbox's consent page has no state or challenge"
signed_in=$(curl -sfL -c "$jar" -b "$jar" -H "Origin: $base" \
  --data-urlencode "state=$state" --data-urlencode "code_challenge=$challenge" --data-urlencode "login=carol" \
  "$base/auth/sandbox") || fail "the sandbox sign-in did not answer"
grep -q '@carol\|>carol<' <<<"$signed_in" || fail "after signing in, the dashboard does not show carol"
grep -qi 'sandbox' <<<"$signed_in" || fail "the dashboard does not say it is the sandbox"
say "carol signed in to the sandbox inside the image"
say "image size: $(podman image inspect --format '{{.Size}}' "$image") bytes"
