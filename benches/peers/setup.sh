#!/usr/bin/env bash
# Installs the peers of the side-by-side benchmark: LangGraph into benches/peers/.venv and
# Rivet into benches/peers/node_modules. Needs PyPI and npm; the test suite never runs it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -r requirements.txt
npm install --no-audit --no-fund --loglevel=error
echo "peers installed: $(.venv/bin/python -c 'import importlib.metadata as m; print("langgraph", m.version("langgraph"))'), rivet-node $(node -p 'require("./node_modules/@ironclad/rivet-node/package.json").version')"
