#!/usr/bin/env bash
# Builds the engine's JavaScript export for Node: target/node/gossip_lab.js (wasm-bindgen --target nodejs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# The page's profile (`web`), so that the benchmark measures the engine the page ships.
cargo build --quiet --lib --profile web --features node --target wasm32-unknown-unknown
wasm-bindgen --target nodejs --out-dir target/node --out-name gossip_lab \
  target/wasm32-unknown-unknown/web/gossip_lab.wasm
