#!/usr/bin/env bash
# Set up facemood on a fresh machine: a virtual environment in .venv with everything the app needs,
# and, on Debian/Ubuntu, the system libraries Qt's window needs.
#   bash tools/setup.sh          the app
#   bash tools/setup.sh --test   the app, the tests and benchmarks (adds pytest, scikit-image and Xvfb)
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
want_tests=false
[ "${1:-}" = "--test" ] && want_tests=true

# Libraries QtWebEngine loads that minimal Debian systems lack (desktops usually have them), and an
# emoji font: song titles are full of emoji.
debs="libegl1 libnss3 libasound2 libxcomposite1 libxdamage1 libxtst6 libxkbcommon-x11-0 libxcb-cursor0
      libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
      fonts-noto-color-emoji"
$want_tests && debs="$debs xvfb xauth"

if command -v apt-get >/dev/null 2>&1; then
  missing=$(for p in $debs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
  if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing Debian packages: $(echo $missing)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
  fi
else
  echo "note: not a Debian-like system; make sure Qt 6's xcb and WebEngine libraries are installed" >&2
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if $want_tests; then
  .venv/bin/python -m pip install -q -r requirements-dev.txt
else
  .venv/bin/python -m pip install -q -r requirements.txt
fi
echo "facemood is set up in .venv"
