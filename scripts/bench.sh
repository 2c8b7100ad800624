#!/usr/bin/env bash
# Full runs at N = 10^6, fanout 1, no loss, for each mode: native (criterion) beside WASM (Node);
# membership at N = 2,000 and 10,000 against its budgets.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench --bench engine -- --noplot
cargo build --quiet --release --bin gossip-sim
scripts/build-node.sh
node benches/compare.mjs
trunk build --release --offline >/dev/null
node benches/frames.mjs
node benches/membership.mjs
