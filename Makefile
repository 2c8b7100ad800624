# Gossip Lab: `make serve` to use it, `make test` to check everything. Each installs what is missing.
SHELL := /bin/bash
PORT ?= 8080

.PHONY: serve test dist bench setup clean

setup:
	@scripts/setup.sh

serve: setup
	@source scripts/env.sh && echo "Gossip Lab: open http://127.0.0.1:$(PORT)/" && trunk serve --release --offline --no-autoreload --address 127.0.0.1 --port $(PORT)

test: setup
	@scripts/check.sh

dist: setup
	@source scripts/env.sh && trunk build --release --offline

bench: setup
	@scripts/bench.sh

clean:
	cargo clean
	rm -rf dist e2e/artifacts
