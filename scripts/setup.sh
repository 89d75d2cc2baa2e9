#!/usr/bin/env bash
# Installs what building and testing Strata needs. Idempotent and quick when all is present.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
have python3 || { echo "setup: python3 is required for local handlers and inline code" >&2; exit 1; }
