#!/usr/bin/env bash
# The quality gate: everything CI runs, in order, stopping at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "format"
cargo fmt --all --check

step "clippy (native)"
cargo clippy --quiet --workspace --all-targets -- -D warnings

step "clippy (wasm32)"
cargo clippy --quiet --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings

step "engine tests (native: fixtures, properties, theory)"
cargo test --quiet --workspace

step "gossip-sim reproduces the page's runs and rejects bad arguments"
cargo build --quiet --release --bin gossip-sim
scripts/build-node.sh
node --test tests/node/

step "component tests (wasm-bindgen-test in headless Chromium)"
cargo test --target wasm32-unknown-unknown --test web

step "release build (trunk) and the page's size budget"
trunk build --release --offline >/dev/null
# The page's wasm and JavaScript, gzipped, within 600 KB: half a second on a campus network.
gzipped=$(cat dist/*.wasm dist/*.js | gzip -9 | wc -c)
echo "dist: $(cat dist/*.wasm dist/*.js | wc -c) bytes of wasm and JS, $gzipped bytes gzipped (budget 614400)"
[ "$gzipped" -le 614400 ] || { echo "the page's wasm and JS are over 600 KB gzipped by $((gzipped - 614400)) bytes" >&2; exit 1; }

step "end-to-end (Playwright driving Chromium over the served dist/)"
node --test --test-concurrency=1 e2e/
