#!/usr/bin/env bash
# Every figure of the performance budgets, each printed with its budget and "over budget" beside
# one that is over: full runs at N = 10^6 (criterion), wasm against native for every protocol,
# instruction counts, frame work in the page, the page's scaling sweep, and membership at
# N = 2,000 and 10,000. Each benchmark runs even when one before it is over, and the script fails
# at the end if any was.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
set -e
cargo bench --bench engine -- --noplot
cargo build --quiet --release --bin gossip-sim
scripts/build-node.sh
trunk build --release --offline >/dev/null
set +e
over=0
node benches/compare.mjs || over=1
benches/instructions.sh || over=1
node benches/frames.mjs || over=1
node benches/sweep.mjs || over=1
node benches/membership.mjs || over=1
exit $over
