#!/usr/bin/env bash
# Builds the engine's JavaScript export for Node: target/node/gossip_lab.js (wasm-bindgen --target nodejs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --quiet --lib --release --target wasm32-unknown-unknown
wasm-bindgen --target nodejs --out-dir target/node --out-name gossip_lab \
  target/wasm32-unknown-unknown/release/gossip_lab.wasm
