#!/usr/bin/env bash
# Installs everything `make run` and `make test` need on a fresh machine of this kind, from the package
# registries only (crates.io, npm, Debian). Idempotent: when everything is present at the right version it
# finishes in seconds. Each step fails with a sentence saying what could not be done.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION="0.3.10"
MOTO_VERSION="5.2.1"
# The linters `make test` runs on deploy/aws (PyPI).
DEPLOY_LINTERS="cfn-lint==1.51.0 checkov==3.3.30 parliament==1.6.4"
# Each line says how long the bootstrap has run so far, so a fresh machine's steps can be timed from the log.
say() { printf 'bootstrap [%4ds]: %s\n' "$SECONDS" "$*"; }
fail() { printf 'bootstrap: FAILED: %s\n' "$*" >&2; exit 1; }
export PATH="$HOME/.cargo/bin:$PATH"

need_apt_update=1
apt_install() {
  if [ "$need_apt_update" = 1 ]; then
    apt-get update -qq >/dev/null || fail "apt-get update did not work; Debian's package registry must be reachable"
    need_apt_update=0
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || fail "apt-get install $* did not work"
}

# The wasm-bindgen version is whatever Cargo.lock holds; the CLI must equal it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

step_wasm_target() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then return; fi
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >/dev/null || fail "rustup could not add wasm32-unknown-unknown"
}

step_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return; fi
  # cargo-leptos asks for a vendored OpenSSL (through cargo-generate); building OpenSSL from C took 498 of the
  # install's 956 s here. OPENSSL_NO_VENDOR links Debian's instead.
  dpkg -s libssl-dev pkg-config >/dev/null 2>&1 || apt_install libssl-dev pkg-config
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (a long build, once per machine: about 6 min on 2 cores)"
  # Built without optimisation but for the compressors: its own work is running cargo, wasm-bindgen, wasm-opt and
  # sass, and compressing the site, which keeps its speed (see README, "Two commands").
  local fast=()
  for crate in brotli brotli-decompressor alloc-no-stdlib alloc-stdlib libflate libflate_lz77 flate2 miniz_oxide \
    adler2 adler32 crc32fast rle-decode-fast; do
    fast+=(--config "profile.dev.package.$crate.opt-level=3")
  done
  OPENSSL_NO_VENDOR=1 CARGO_PROFILE_DEV_DEBUG=0 \
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads --debug \
    "${fast[@]}" --quiet \
    || fail "cargo install cargo-leptos $CARGO_LEPTOS_VERSION did not work"
}

step_wasm_bindgen() {
  local want; want=$(wasm_bindgen_version)
  [ -n "$want" ] || fail "Cargo.lock names no wasm-bindgen version; run 'cargo generate-lockfile' first"
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then return; fi
  say "installing wasm-bindgen-cli $want (about 3 min)"
  # Not --locked: its own lock file pins a yanked crate.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install wasm-bindgen-cli --version "$want" --force --quiet \
    || fail "cargo install wasm-bindgen-cli $want did not work"
}

# `make unit` runs the tests under cargo-nextest (machines of this kind have it; elsewhere it is built once).
step_nextest() {
  cargo nextest --version >/dev/null 2>&1 && return
  say "installing cargo-nextest (a long build, once per machine)"
  cargo install cargo-nextest --locked --quiet || fail "cargo install cargo-nextest did not work"
}

step_npm_tools() {
  command -v npm >/dev/null || fail "npm is missing; install Node.js 20 first"
  local missing=()
  command -v sass >/dev/null || missing+=(sass)
  # Debian's binaryen (108) produces WASM that fails in the browser; the npm one is current.
  local wasm_opt_version
  wasm_opt_version=$(wasm-opt --version 2>/dev/null | grep -oE '[0-9]+' | head -n 1 || true)
  if [ -z "$wasm_opt_version" ] || [ "$wasm_opt_version" -lt 116 ]; then missing+=(binaryen); fi
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]} from npm"
  npm install -g --silent "${missing[@]}" >/dev/null || fail "npm install -g ${missing[*]} did not work"
}

step_chromium() {
  [ -x /usr/bin/chromium ] && return
  say "installing Debian chromium"
  apt_install chromium
}

step_load_generator() {
  command -v wrk >/dev/null && return
  say "installing wrk (for make bench)"
  apt_install wrk
}

# make bench puts each page beside nginx serving the same bytes. Installed without starting Debian's service (which
# would take port 80): the bench starts its own on a free loopback port.
step_nginx() {
  command -v nginx >/dev/null && return
  say "installing nginx (for make bench)"
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1
  fi
  apt_install nginx
  [ "$created" = 1 ] && rm -f "$policy"
  command -v nginx >/dev/null || fail "nginx was installed but is not on the PATH"
}

# moto's server emulates ECS and ECR for the ECS adapter's tests (PyPI).
step_moto() {
  if command -v moto_server >/dev/null \
    && [ "$(python3 -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" = "$MOTO_VERSION" ]; then return; fi
  say "installing moto $MOTO_VERSION (the ECS and ECR emulator the tests run)"
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >/dev/null 2>&1 \
    || fail "pip install moto[server]==$MOTO_VERSION did not work; PyPI must be reachable"
}

# cfn-lint, checkov and parliament check the CloudFormation template and the task role's policy.
step_deploy_linters() {
  local wanted installed
  wanted=$(printf '%s\n' $DEPLOY_LINTERS | sort)
  installed=$(python3 -m pip list --format=freeze --disable-pip-version-check 2>/dev/null \
    | grep -iE '^(cfn-lint|checkov|parliament)==' | tr 'A-Z' 'a-z' | sort)
  [ "$installed" = "$wanted" ] && command -v checkov >/dev/null && return
  say "installing $DEPLOY_LINTERS (the deploy/aws linters)"
  # shellcheck disable=SC2086
  python3 -m pip install --quiet --disable-pip-version-check $DEPLOY_LINTERS >/dev/null 2>&1 \
    || fail "pip install $DEPLOY_LINTERS did not work; PyPI must be reachable"
}

# make image builds with buildah; make test starts the image with podman (both Debian's).
step_containers() {
  command -v buildah >/dev/null && command -v podman >/dev/null && command -v runc >/dev/null && return
  say "installing buildah, podman and runc (the container image and its test)"
  apt_install buildah podman runc
}

step_end2end_packages() {
  [ -f end2end/package-lock.json ] || return 0
  if [ -d end2end/node_modules/@playwright/test ] && [ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ]; then
    return
  fi
  say "installing the end2end npm packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >/dev/null) \
    || fail "npm ci in end2end/ did not work"
}

step_wasm_target
step_moto
step_deploy_linters
step_npm_tools
step_chromium
step_load_generator
step_nginx
step_containers
step_end2end_packages
step_nextest
step_wasm_bindgen
step_cargo_leptos
say "ready"
