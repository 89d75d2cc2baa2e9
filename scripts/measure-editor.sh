#!/usr/bin/env bash
# Measures the editor in the real desktop app (issue 13.4 and 13.5): launch → project drawn,
# keystroke → next frame and commit → next frame on a 40-node flow, as medians and 95th
# percentiles. Builds the page (ui/build.sh) and the app, starts Xvfb on $DISPLAY_NUM (12) unless
# that display is already up, and runs the `app` bench (src-tauri/benches/app.rs) there through
# tauri-driver → WebKitWebDriver. A measurement, not a test: nothing asserts on the figures.
#
#   bash scripts/measure-editor.sh                   # 3 launches, 40 keystrokes and 10 commits each
#   LAUNCHES=5 KEYSTROKES=100 bash scripts/measure-editor.sh
#   BISECT=1 bash scripts/measure-editor.sh          # also with canvas / Problems / filters off
#   SHOT_DIR=/tmp bash scripts/measure-editor.sh     # also saves editor-40-nodes.png there
#   TYPE=0 bash scripts/measure-editor.sh            # without the real key presses (xdotool)
#   PROFILE=release bash scripts/measure-editor.sh   # the app as a user runs it (long build)
#   NO_BUILD=1 bash scripts/measure-editor.sh        # measure the page already in ui/dist
#   STRATA_APP=/path/to/strata-app bash ...          # measure another build of the app
#   APP_ENV="WEBKIT_SKIA_ENABLE_CPU_RENDERING=0" bash ...   # more environment for the app
set -euo pipefail
cd "$(dirname "$0")/.."
num="${DISPLAY_NUM:-12}"
# The app in the dev profile by default (its page is always built by ui/build.sh, in the ui-release
# profile); PROFILE=release.
profile="${PROFILE:-dev}"
[ -n "${NO_BUILD:-}" ] || bash ui/build.sh
# Built through cargo, run directly (cargo would hold the shared target's lock while it runs),
# on a private copy of the app (other builds in a shared target overwrite it).
artifacts=$(cargo bench -p strata-app --bench app --profile "$profile" --no-run --message-format=json)
executable() { grep "\"kind\":\[\"$1\"\]" <<<"$artifacts" | grep "\"name\":\"$2\"" \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1; }
bench=$(executable bench app)
copy=$(mktemp -d /tmp/strata-measure.XXXXXX)
cp "$(executable bin strata-app)" "$copy/strata-app"
xvfb=""
trap 'rm -rf "$copy"; [ -z "$xvfb" ] || kill "$xvfb" 2>/dev/null || true' EXIT
if [ ! -e "/tmp/.X11-unix/X$num" ]; then
  Xvfb ":$num" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X$num" ] && break; sleep 0.1; done
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
DISPLAY=":$num" STRATA_APP="${STRATA_APP:-$copy/strata-app}" "$bench" --bench
