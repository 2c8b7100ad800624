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
# the pass changes the speed as well as the size.
page=$(grep 'data-bin="gossip-lab"' index.html) || {
  echo "build-node.sh: no data-bin=\"gossip-lab\" link in index.html" >&2
  exit 1
}
level=$(sed -nE 's/.*data-wasm-opt="([^"]*)".*/\1/p' <<<"$page")
flags=$(sed -nE 's/.*data-wasm-opt-params="([^"]*)".*/\1/p' <<<"$page")
if ! [[ $level =~ ^[0-4sz]$ ]]; then
  echo "build-node.sh: index.html's data-wasm-opt is \"$level\", not a wasm-opt level" >&2
  exit 1
fi
if [[ $level != 0 ]]; then
  # shellcheck disable=SC2086 # the flags are words, as Trunk splits them
  wasm-opt "-O$level" $flags target/node/gossip_lab_bg.wasm -o target/node/gossip_lab_bg.wasm
fi
