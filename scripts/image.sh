#!/usr/bin/env bash
# Builds tengu's container image with buildah (Debian's package), FROM scratch: the tengu binary and the hash list
# beside it, the site files, CA certificates, and of Debian's packages only the shared libraries the binary loads
# (libc6, libgcc-s1), so nothing is pulled from a registry. It runs as a non-root user (10001) and checks its own
# health with `tengu health-check`.
#   scripts/image.sh [release|debug]    make image: release; make test: debug (the build the e2e step made)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:-release}
image=${TENGU_IMAGE:-localhost/tengu:$profile}
binary=target/$profile/tengu
debs=target/image/debs
rootfs=target/image/rootfs-$profile
say() { printf 'image: %s\n' "$*"; }
fail() { printf 'image: FAILED: %s\n' "$*" >&2; exit 1; }
# vfs: no overlay filesystem is needed, so it works inside an unprivileged sandbox as well.
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot BUILDAH_FORMAT=docker

command -v buildah >/dev/null || fail "buildah is missing: scripts/bootstrap.sh installs it"
[ -x "$binary" ] || fail "$binary is missing: build it first (make image builds it)"
[ -f "target/$profile/hash.txt" ] || fail "target/$profile/hash.txt is missing: build with cargo leptos"
[ -d target/site/pkg ] || fail "target/site/pkg is missing: build with cargo leptos"

# The packages the binary's libraries come from, at the versions this machine runs.
mkdir -p "$debs"
packages=(libc6 libgcc-s1 ca-certificates)
for package in "${packages[@]}"; do
  version=$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null) || fail "$package is not installed here"
  ls "$debs/${package}_"*.deb >/dev/null 2>&1 && continue
  # A machine whose package lists were never read knows no download address: read them once and try again.
  (cd "$debs" && apt-get download -q "$package=$version" >/dev/null 2>&1) \
    || { apt-get update -qq >/dev/null 2>&1; (cd "$debs" && apt-get download -q "$package=$version" >/dev/null 2>&1); } \
    || fail "apt-get download $package=$version did not work; Debian's package registry must be reachable"
done
unpacked=target/image/unpacked
rm -rf "$unpacked" "$rootfs"
mkdir -p "$unpacked" "$rootfs"
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$unpacked"; done

# Only what the binary loads: its interpreter and each library ldd names, at the path the binary asks for.
copy_from_packages() {
  local wanted=$1 found
  found=$(find "$unpacked" -name "$(basename "$wanted")" \( -type f -o -type l \) | head -n 1)
  [ -n "$found" ] || fail "$(basename "$wanted") is in none of ${packages[*]}"
  mkdir -p "$rootfs$(dirname "$wanted")"
  cp -L "$found" "$rootfs$wanted"
}
while read -r library; do
  copy_from_packages "$library"
done < <(ldd "$binary" | grep -oE '/[^ ]+\.so[^ ]*' | sort -u)

mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/usr/local/bin" "$rootfs/srv/tengu" "$rootfs/var/lib/tengu/data" "$rootfs/tmp"
cat "$unpacked"/usr/share/ca-certificates/mozilla/*.crt >"$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0::/:/nonexistent\ntengu:x:10001:10001::/var/lib/tengu:/nonexistent\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\ntengu:x:10001:\n' >"$rootfs/etc/group"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
cp "$binary" "target/$profile/hash.txt" "$rootfs/usr/local/bin/"
strip "$rootfs/usr/local/bin/tengu"
cp -r target/site "$rootfs/srv/tengu/site"
chmod 1777 "$rootfs/tmp"

say "building $image from $binary"
container=$(buildah from scratch)
trap 'buildah rm "$container" >/dev/null 2>&1 || true' EXIT
buildah copy --quiet "$container" "$rootfs/" / >/dev/null
# A copy belongs to root unless told otherwise: tengu's own folder is tengu's (the SQLite default lives in data/).
buildah copy --quiet --chown 10001:10001 "$container" "$rootfs/var/lib/tengu" /var/lib/tengu >/dev/null
buildah config \
  --user 10001:10001 \
  --workingdir /var/lib/tengu \
  --env LEPTOS_SITE_ROOT=/srv/tengu/site \
  --env LEPTOS_SITE_ADDR=0.0.0.0:3000 \
  --env LEPTOS_SITE_PKG_DIR=pkg \
  --env LEPTOS_OUTPUT_NAME=tengu \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --port 3000 \
  --entrypoint '["/usr/local/bin/tengu"]' \
  --cmd serve \
  --healthcheck 'CMD /usr/local/bin/tengu health-check' \
  --healthcheck-interval 30s --healthcheck-timeout 5s --healthcheck-start-period 20s --healthcheck-retries 3 \
  --label org.opencontainers.image.title=tengu \
  "$container"
# Docker's format: OCI images have no place for a health check.
buildah commit --quiet --format docker --rm "$container" "$image" >/dev/null
trap - EXIT
size=$(buildah images --format '{{.Size}}' "$image" | head -n 1)
say "built $image: $size ($(du -sh "$rootfs" | cut -f1) of files)"
