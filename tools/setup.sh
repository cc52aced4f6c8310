#!/usr/bin/env bash
# Set up facemood on a fresh machine: a virtual environment in .venv with everything the app needs and
# facemood itself (the `facemood` command, running this checkout's code), and, on Debian/Ubuntu, the
# system libraries Qt's window needs.
#   bash tools/setup.sh              the app: .venv/bin/facemood
#   bash tools/setup.sh --test       the app, the tests and benchmarks (adds pytest, scikit-image, Xvfb and
#                                    desktop-file-validate)
#   bash tools/setup.sh --libraries  only the Debian libraries (before `pipx install .` or `pip install .`)
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
mode=${1:-app}
case "$mode" in
  app|--test|--libraries) ;;
  *) echo "usage: bash tools/setup.sh [--test | --libraries]" >&2; exit 2 ;;
esac

# Libraries QtWebEngine loads that minimal Debian systems lack (desktops usually have them), and an
# emoji font: song titles are full of emoji.
debs="libegl1 libnss3 libasound2 libxcomposite1 libxdamage1 libxtst6 libxkbcommon-x11-0 libxcb-cursor0
      libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
      fonts-noto-color-emoji"
[ "$mode" = --test ] && debs="$debs xvfb xauth desktop-file-utils"

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
[ "$mode" = --libraries ] && { echo "tools/setup.sh --libraries: done"; exit 0; }

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$mode" = --test ]; then
  .venv/bin/python -m pip install -q -r requirements-dev.txt
else
  .venv/bin/python -m pip install -q -r requirements.txt
fi
# Editable: .venv/bin/facemood runs this checkout's code and keeps data/, models/ and labels.npy here.
.venv/bin/python -m pip install -qq --no-deps -e .  # -qq: not the build backend's notes on editable installs
echo "facemood is set up in .venv: run .venv/bin/facemood (or .venv/bin/python infer.py)"
