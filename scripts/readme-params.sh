#!/usr/bin/env bash
# Rewrites the README's parameter table from the engine's description (`gossip-sim --params-markdown`).
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(cargo run --quiet --release --bin gossip-sim -- --params-markdown)
python3 - "$table" <<'PY'
import sys
table = sys.argv[1].strip("\n") + "\n"
text = open("README.md").read()
start = text.index("| JSON key | CLI flag |")
end = start
lines = text[start:].split("\n")
count = 0
for line in lines:
    if not line.startswith("|"):
        break
    count += 1
end = start + sum(len(l) + 1 for l in lines[:count])
open("README.md", "w").write(text[:start] + table + text[end:])
PY
