#!/usr/bin/env bash
# The README's picture of a handout: the top of AlexNet's, as a browser window 1200x900 shows it.
#   scripts/screenshot.sh [OUT.png]   (default: docs/handout-alexnet.png in this repository)
# Needs Chromium (Debian: apt-get install chromium; CHROMIUM names another binary) and an
# interpreter where archstats imports (PYTHON, default python3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/docs/handout-alexnet.png}")
cd "$root"
chromium=${CHROMIUM:-chromium}
if ! command -v "$chromium" >/dev/null; then
    echo "screenshot.sh: $chromium is not installed (Debian: apt-get install chromium)" >&2
    exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"${PYTHON:-python3}" -m archstats.cli report alexnet --device cpu --html "$work/alexnet.html" >/dev/null
# Headless, as root in a container, off the network, with a fresh profile; Chromium's own
# D-Bus and GPU chatter on stderr is not ours to show.
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
    --user-data-dir="$work/profile" --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=1200,900 --screenshot="$work/handout.png" "file://$work/alexnet.html" 2>/dev/null
mkdir -p "$(dirname "$out")"
mv "$work/handout.png" "$out"
echo "wrote $out" >&2
