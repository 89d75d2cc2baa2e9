#!/usr/bin/env bash
# Runs the editor's component tests (ui/tests/components.rs) in headless Chromium through
# wasm-bindgen-test-runner and Debian's chromedriver. scripts/setup-desktop.sh installs both.
set -euo pipefail
cd "$(dirname "$0")/../ui"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
# The runner reads webdriver.json (Chromium's flags: headless, no sandbox as root, quiet
# on a closed network) from the current folder.
exec cargo test -p strata-ui --target wasm32-unknown-unknown --test components "$@"
