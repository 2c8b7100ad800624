#!/usr/bin/env bash
# Builds the engine's JavaScript export for Node: target/node/gossip_lab.js (wasm-bindgen --target nodejs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# The page's profile (`web`), so that the benchmark measures the engine the page ships.
cargo build --quiet --lib --profile web --features node --target wasm32-unknown-unknown
wasm-bindgen --target nodejs --out-dir target/node --out-name gossip_lab \
  target/wasm32-unknown-unknown/web/gossip_lab.wasm
# And the page's wasm-opt pass, with the level and flags index.html gives Trunk for the page:
# it changes the speed too (a few percent either way, and once a SIMD loop by 40 %).
page=$(grep 'data-bin="gossip-lab"' index.html)
level=$(sed -E 's/.*data-wasm-opt="([^"]*)".*/\1/' <<<"$page")
read -r -a params <<<"$(sed -E 's/.*data-wasm-opt-params="([^"]*)".*/\1/' <<<"$page")"
wasm-opt "-O$level" "${params[@]}" target/node/gossip_lab_bg.wasm -o target/node/gossip_lab_bg.wasm
