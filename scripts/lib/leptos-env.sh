# The environment cargo-leptos builds the server with (read from `cargo leptos build -vv`). Tests built with the
# same environment share their compiled dependencies with the site build instead of compiling everything twice.
export LEPTOS_OUTPUT_NAME=tengu LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_SITE_ADDR=127.0.0.1:3000
export LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=app LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=false LEPTOS_HASH_FILES=true
export LEPTOS_HASH_FILE_NAME=hash.txt
# No RUSTFLAGS: cargo-leptos sets none (`disable-erase-components` in Cargo.toml), and neither do the tests.
unset RUSTFLAGS
