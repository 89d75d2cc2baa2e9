#!/usr/bin/env bash
# Installs what building and testing Strata needs. Idempotent and quick when all is present.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
have python3 || { echo "setup: python3 is required for local handlers and inline code" >&2; exit 1; }

# bubblewrap isolates local handlers and inline code on Linux (see README, "What local code
# can reach"); without it they run unisolated, with a warning.
if [ "$(uname -s)" = Linux ] && ! have bwrap && have apt-get; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  echo "setup: installing bubblewrap"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y bubblewrap
fi

# cfn-lint, AWS's CloudFormation linter, checks every template the export tests write
# (tests/support/cfn_lint.rs finds it at this path, or through $STRATA_CFN_LINT, or on PATH). Pinned to
# the release whose bundled schemas tests/data/cfn-schemas was copied from; kept in its own
# virtual environment under the user's cache so it never touches the system Python.
cfn_lint_version=1.58.0
cfn_lint_venv="${XDG_CACHE_HOME:-$HOME/.cache}/strata/cfn-lint-$cfn_lint_version"
# Installed means its package metadata is there: asking `cfn-lint --version` takes seconds.
if ! [ -x "$cfn_lint_venv/bin/cfn-lint" ] \
  || ! compgen -G "$cfn_lint_venv/lib/python3*/site-packages/cfn_lint-$cfn_lint_version.dist-info" >/dev/null; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    echo "setup: installing python3-venv"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv
  fi
  echo "setup: installing cfn-lint $cfn_lint_version into $cfn_lint_venv"
  rm -rf "$cfn_lint_venv"
  python3 -m venv "$cfn_lint_venv"
  "$cfn_lint_venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$cfn_lint_version"
fi
