#!/usr/bin/env bash
# Instructions of one gossip run at N = 10^5 (seed 7, one trial, one thread), the whole process
# under callgrind: a count that a loaded machine does not disturb. Budgets in millions.
set -uo pipefail
cd "$(dirname "$0")/.."
sim="${CARGO_TARGET_DIR:-target}/release/gossip-sim"
if ! command -v valgrind >/dev/null; then
  echo "instructions: valgrind is not installed (apt-get install valgrind): not measured"
  exit 0
fi
echo
echo "Instructions, gossip-sim --nodes 100000 --mode M --trials 1 --seed 7 --threads 1 (callgrind)"
failed=0
for pair in push:40 pull:72 push-pull:62; do
  mode=${pair%%:*} budget=${pair##*:}
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$sim" --nodes 100000 --mode "$mode" \
    --trials 1 --seed 7 --threads 1 --quiet >/dev/null 2>"$out"
  refs=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out")
  rm -f "$out"
  millions=$(awk -v r="$refs" 'BEGIN { printf "%.1f", r / 1e6 }')
  verdict=$(awk -v m="$millions" -v b="$budget" 'BEGIN { if (m > b) print "   over budget" }')
  [ -n "$verdict" ] && failed=1
  printf '%-10s %8s M   budget <= %s M%s\n' "$mode" "$millions" "$budget" "$verdict"
done
exit $failed
