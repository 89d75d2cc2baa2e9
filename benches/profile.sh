#!/usr/bin/env bash
# Flame graphs of the side-by-side workloads: `perf record` of `cargo bench --bench
# side_by_side -- <workload>`, folded and drawn by inferno into docs/perf/<name>.svg.
# Needs perf and inferno (`cargo install inferno`); INFERNO=/path/to/bin if not on PATH.
# Usage: bash benches/profile.sh [label] (label is added to the file names, e.g. "before");
# BENCH=/path/to/side_by_side-binary skips the cargo build; WORKLOADS="iterator_1000 …" profiles
# only those.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
label="${1:-}"
bin_dir="${INFERNO:-}"
collapse="${bin_dir:+$bin_dir/}inferno-collapse-perf"
flamegraph="${bin_dir:+$bin_dir/}inferno-flamegraph"
cd "$root"
bench="${BENCH:-}"
[[ -n "$bench" ]] || bench="$(cargo bench --bench side_by_side --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "side_by_side" and m.get("executable"):
        print(m["executable"])')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
workloads="${WORKLOADS:-chain_40 iterator_1000 iterator_10000_x16 fan_out_100_x_10ms react_10_steps compile_40}"
for workload in $workloads; do
  name="$workload${label:+-$label}"
  ROUNDS=2 perf record -q -F 2000 --call-graph dwarf,16384 -o "$work/perf.data" -- "$bench" "$workload" >/dev/null 2>&1
  perf script -i "$work/perf.data" 2>/dev/null | "$collapse" >"$work/$name.folded"
  "$flamegraph" --title "$name" --minwidth 0.2 <"$work/$name.folded" >"docs/perf/$name.svg"
  echo "docs/perf/$name.svg"
done
