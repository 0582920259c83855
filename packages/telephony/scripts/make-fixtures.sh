#!/bin/sh
# Regenerates the sox-made fixtures under src/fixtures. The tests read the committed files, so sox is
# needed only to regenerate them: apt-get install sox.
set -eu
command -v sox >/dev/null 2>&1 || { echo "make-fixtures: sox is not installed (apt-get install sox)" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "make-fixtures: node is not installed" >&2; exit 1; }

out="$(cd "$(dirname "$0")/../src/fixtures" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Every PCM16 value, -32768..32767 in order, little-endian.
node -e '
const b = Buffer.alloc(65536 * 2);
for (let i = 0; i < 65536; i++) b.writeInt16LE(i - 32768, i * 2);
process.stdout.write(b);
' > "$tmp/all-pcm16.raw"
# Every mu-law code, 0..255 in order.
node -e '
const b = Buffer.alloc(256);
for (let i = 0; i < 256; i++) b[i] = i;
process.stdout.write(b);
' > "$tmp/all-codes.ulaw"

# -D: no dither, so sox's encoder output depends on the input value alone.
sox -D -t raw -e signed -b 16 -r 8000 -c 1 -L "$tmp/all-pcm16.raw" -t raw -e mu-law -b 8 -r 8000 -c 1 "$out/sox-encode-all-pcm16.ulaw"
sox -D -t raw -e mu-law -b 8 -r 8000 -c 1 "$tmp/all-codes.ulaw" -t raw -e signed -b 16 -L -r 8000 -c 1 "$out/sox-decode-all-codes.s16le"

# Small WAV files as sox writes them, for the WAV reader: a 50 ms 440 Hz tone at -6 dBFS.
sox -D -n -r 8000 -c 1 -e mu-law -b 8 "$out/sox-tone-mulaw.wav" synth 0.05 sine 440 gain -6
sox -D -n -r 8000 -c 1 -e signed -b 16 "$out/sox-tone-pcm16.wav" synth 0.05 sine 440 gain -6
sox -D -n -r 16000 -c 2 -e signed -b 16 "$out/sox-tone-pcm16-stereo.wav" synth 0.01 sine 440 gain -6
# The same mu-law tone as raw bytes, to check the reader returns exactly the sample bytes.
sox -D "$out/sox-tone-mulaw.wav" -t raw "$out/sox-tone-mulaw.ulaw"

ls -l "$out"
