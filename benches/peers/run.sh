#!/usr/bin/env bash
# Issue 13's side-by-side table from one run: Strata and the tokio floor
# (`cargo bench --bench side_by_side`), LangGraph (.venv) and Rivet (node_modules), all on the
# same workloads with a zero-latency fake model, then the table with ratios. A peer that is
# not installed (run setup.sh) is left out with a note; the others still print.
# `ROUNDS=5 bash benches/peers/run.sh` for more rounds (3 by default);
# STRATA_BENCH=/path/to/side_by_side-binary uses an already built bench.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "strata + tokio floor ..." >&2
if [[ -n "${STRATA_BENCH:-}" ]]; then
  "$STRATA_BENCH" >"$out/strata.jsonl"
else
  (cd "$root" && cargo bench --quiet --bench side_by_side) >"$out/strata.jsonl"
fi || {
  echo "the Strata bench failed" >&2
  exit 1
}
if [[ -x "$here/.venv/bin/python" ]]; then
  echo "langgraph ..." >&2
  "$here/.venv/bin/python" "$here/langgraph_bench.py" >"$out/langgraph.jsonl" ||
    echo "langgraph: the bench failed" >"$out/langgraph.note"
else
  echo "langgraph: not installed (bash benches/peers/setup.sh)" >"$out/langgraph.note"
fi
if [[ -d "$here/node_modules/@ironclad/rivet-node" ]]; then
  echo "rivet ..." >&2
  (cd "$here" && node --no-warnings rivet_bench.mjs) >"$out/rivet.jsonl" ||
    echo "rivet: the bench failed" >"$out/rivet.note"
else
  echo "rivet: not installed (bash benches/peers/setup.sh)" >"$out/rivet.note"
fi
python3 "$here/table.py" "$out"
