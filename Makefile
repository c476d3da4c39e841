# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of those.
.PHONY: run test bench bootstrap lint unit e2e migrate

run: bootstrap
	cargo leptos build --release
	LEPTOS_SITE_ROOT=target/site ./target/release/tengu serve

test: bootstrap lint unit e2e

bootstrap:
	@scripts/bootstrap.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p tengu-app --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

unit:
	scripts/unit.sh

e2e:
	scripts/e2e.sh

bench: bootstrap
	scripts/bench.sh

migrate:
	cargo run -q -p tengu-server -- migrate
