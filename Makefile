# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of those.
.PHONY: run test bench soak soak-short bootstrap lint deploy-lint unit e2e image image-test migrate

run: bootstrap
	cargo leptos build --release --precompress
	LEPTOS_SITE_ROOT=target/site ./target/release/tengu serve

test: bootstrap lint deploy-lint unit e2e soak-short image-test

bootstrap:
	@scripts/bootstrap.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p tengu-app --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

# cfn-lint, checkov and parliament on deploy/aws.
deploy-lint:
	scripts/deploy_lint.sh

unit:
	scripts/unit.sh

e2e:
	scripts/e2e.sh

# The container image (buildah, FROM scratch) from the release build: localhost/tengu:release.
image: bootstrap
	cargo leptos build --release --precompress
	scripts/image.sh release

# The same recipe on the debug build the e2e step made, started with podman and signed in to: part of `make test`.
image-test:
	scripts/image.sh debug
	scripts/image_test.sh debug

bench: bootstrap
	scripts/bench.sh

# 200 readers and 50 signed deliveries a second for 60 s on the release build (SQLite).
soak: bootstrap
	cargo leptos build --release --precompress
	scripts/soak.sh

# The same, shortened, on the debug build the e2e step made: part of `make test`.
soak-short:
	SOAK_BINARY=./target/debug/tengu SOAK_USERS=50 SOAK_RATE=20 SOAK_SECONDS=10 scripts/soak.sh

migrate:
	cargo run -q -p tengu-server -- migrate
