#!/usr/bin/env bash
# Builds the editor page into ui/dist: the wasm crate, wasm-bindgen's glue, the static files.
# The desktop shell embeds ui/dist when it compiles, so run this before building strata-app.
# Only files whose content changed are replaced (the others keep their modification times), so an
# unchanged UI never makes Cargo compile the app again.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
# ui-release (Cargo.toml): built for size, since the app fetches and compiles the module on every
# launch. UI_PROFILE=dev builds it quickly, unoptimised, with its function names.
profile="${UI_PROFILE:-ui-release}"
cargo build -p strata-ui --bin strata-ui --target wasm32-unknown-unknown --profile "$profile"
dir="$profile"; [ "$profile" = dev ] && dir=debug
# The names section only names functions in stack traces; it was a sixth of the module.
names=(); [ "$profile" = dev ] || names=(--remove-name-section --remove-producers-section)

staged=$(mktemp -d "$target/ui-dist-staged.XXXXXX")
trap 'rm -rf "$staged"' EXIT
wasm-bindgen --target web --no-typescript "${names[@]}" --out-dir "$staged" --out-name strata_ui \
  "$target/wasm32-unknown-unknown/$dir/strata-ui.wasm"
cp ui/index.html ui/boot.js ui/style.css "$staged/"

mkdir -p ui/dist
changed=0
for file in "$staged"/*; do
  name=$(basename "$file")
  if ! cmp -s "$file" "ui/dist/$name"; then
    cp "$file" "ui/dist/$name.tmp-build" && mv -f "ui/dist/$name.tmp-build" "ui/dist/$name"
    changed=$((changed + 1))
  fi
done
for file in ui/dist/*; do
  [ -e "$staged/$(basename "$file")" ] || { rm -rf "$file"; changed=$((changed + 1)); }
done
echo "ui/dist: $changed file(s) replaced ($(du -sh ui/dist | cut -f1))"
