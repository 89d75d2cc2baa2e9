#!/usr/bin/env bash
# Builds the editor page into ui/dist: the wasm crate, wasm-bindgen's glue, the static files.
# The desktop shell embeds ui/dist when it compiles, so run this before building strata-app.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
profile="${UI_PROFILE:-release}"
flag=(); [ "$profile" = release ] && flag=(--release)
cargo build -p strata-ui --bin strata-ui --target wasm32-unknown-unknown "${flag[@]}"
rm -rf ui/dist && mkdir -p ui/dist
wasm-bindgen --target web --no-typescript --out-dir ui/dist --out-name strata_ui \
  "$target/wasm32-unknown-unknown/$profile/strata-ui.wasm"
cp ui/index.html ui/boot.js ui/style.css ui/dist/
echo "ui/dist built ($(du -sh ui/dist | cut -f1))"
