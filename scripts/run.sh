#!/usr/bin/env bash
# Builds what is missing and opens the Strata desktop app.
# Usage: bash scripts/run.sh [PROJECT.strata.json]   (no argument: a new support-triage project)
# One cargo invocation builds the app and the command line together, with the same feature set as
# scripts/test.sh (the workspace-hack crate unifies them), so after the tests nothing is rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-desktop.sh
bash ui/build.sh
app=$(cargo build -p strata-app -p strata --bins --message-format=json-render-diagnostics \
  | python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "strata-app":
        print(message["executable"])')
exec "$app" "$@"
