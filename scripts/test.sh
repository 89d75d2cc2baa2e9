#!/usr/bin/env bash
# The one check CI and people share: formatting, lints, every test, the wasm build of the core.
# Every cargo command here compiles each dependency with one feature set (the workspace-hack crate
# unifies them) and all wasm is built in one profile, ui-release (the UI bundle, the component
# tests, the core), so nothing is compiled twice for the same purpose, and scripts/run.sh afterwards
# reuses this build of the app instead of compiling everything again.
set -euo pipefail
cd "$(dirname "$0")/.."
# A one-off build (CI's fresh clone) gains nothing from incremental compilation's bookkeeping.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
bash scripts/setup.sh
echo "== desktop: tools and the UI bundle"
bash scripts/setup-desktop.sh
bash ui/build.sh
# The app embeds ui/dist when src-tauri/src/main.rs compiles, through a cache of compressed files
# that tauri-codegen writes in place (not atomically) and reuses once the file exists. `cargo test`
# compiles main.rs twice at once, the app and its unit tests, and the second could embed a
# half-written wasm module: an app whose window stays blank (1 cold CI run in 5). Building the app
# alone first fills the cache once; cargo test reuses this build and reads only complete files.
cargo build -p strata-app --bin strata-app

echo "== cargo fmt --check"
cargo fmt --all -- --check
# cargo fmt never reaches the modules declared inside a macro (the node kinds' files in src/nodes/
# and src/run/nodes/), so every tracked Rust file is checked by name as well.
git ls-files -z '*.rs' | xargs -0 rustfmt --edition 2021 --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace
echo "== editor component tests in headless Chromium"
cargo clippy -p strata-ui --tests --target wasm32-unknown-unknown -- -D warnings
bash scripts/test-ui-components.sh --profile ui-release
echo "== core builds for wasm32 without default features"
cargo build -p strata --lib --no-default-features --target wasm32-unknown-unknown --profile ui-release
echo "== all checks passed"
