#!/usr/bin/env bash
# Installs what building and testing the desktop app needs: system libraries for Tauri and
# WebKitGTK, the display stack for the end-to-end test, Chromium and chromedriver for the
# component tests, wasm-bindgen-cli (and its test runner) matching Cargo.lock,
# and tauri-driver. Idempotent: each step is skipped when already present.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev
  libsoup-3.0-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev
  xvfb xauth webkit2gtk-driver fonts-dejavu-core imagemagick xdotool chromium chromium-driver)
# One dpkg-query for all of them: this runs on every launch of scripts/run.sh.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null \
  | awk '/ install ok installed$/ { print $1 }' || true)
missing=()
for p in "${packages[@]}"; do
  grep -qx "$p" <<<"$installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-desktop: installing ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# wasm-bindgen-cli must be the very version Cargo.lock pins; installed without --locked because its
# own lockfile wants a crate version the registry here does not serve.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ -z "$want" ]; then echo "setup-desktop: no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
if ! have wasm-bindgen || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$want" ]; then
  cargo install wasm-bindgen-cli --version "$want" --force
fi

if ! have tauri-driver || ! tauri-driver --help 2>&1 | head -1 | grep -q .; then
  cargo install --locked tauri-driver --version 2.1.0
fi
have WebKitWebDriver || { echo "setup-desktop: WebKitWebDriver missing after install" >&2; exit 1; }
have chromedriver || { echo "setup-desktop: chromedriver missing after install" >&2; exit 1; }
echo "setup-desktop: ready"
