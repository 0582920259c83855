#!/usr/bin/env bash
# Regenerates the spoken assets (8 kHz mu-law, raw) with espeak-ng and sox. The outputs are committed,
# so neither tool is needed at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en-us -s 165 -a 120 -w "$tmp/one-moment.wav" "One moment, please."
sox "$tmp/one-moment.wav" -r 8000 -c 1 -e mu-law -t raw assets/one-moment.ulaw norm -3 fade 0.01 0 0.05
echo "assets/one-moment.ulaw: $(stat -c %s assets/one-moment.ulaw) bytes"
