#!/usr/bin/env bash
# Builds Strata and shows it working on the support-triage template.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --bin strata
bin=target/release/strata
dir=$(mktemp -d)
"$bin" new support-triage --template support-triage --dir "$dir"
"$bin" validate "$dir/support-triage.strata.json"
"$bin" graph "$dir/support-triage.strata.json" --format plan
