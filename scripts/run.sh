#!/usr/bin/env bash
# Builds what is missing and opens the Strata desktop app.
# Usage: bash scripts/run.sh [PROJECT.strata.json]   (no argument: a new support-triage project)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-desktop.sh
bash ui/build.sh
cargo build -p strata-app --bin strata-app
cargo build -p strata --bin strata
exec cargo run -q -p strata-app -- "$@"
