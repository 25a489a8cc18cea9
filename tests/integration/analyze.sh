#!/usr/bin/env bash
# tests/integration/analyze.sh - `cadenza analyze FILE... [--json]` as a
# user runs it.
#
# Writes 16-bit WAV test tones with python3's wave module (EBU Tech 3341
# case 1: stereo 1 kHz at -23 dBFS; case 2 at -33 dBFS), then checks:
#   - text output: one block per file with the integrated loudness, exit 0;
#   - --json: a JSON list, one object per file in order, -23.0 / -33.0 LUFS
#     within 0.1 LU, true peak, rate, channels and length right;
#   - a missing file and a file that is not audio: non-zero exit, the error
#     on stderr names the file, nothing on stdout.
# Needs $BUILD (default build) and $CADENZA_REGISTRY (make check sets both).
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=$BUILD/cadenza

fail() { echo "analyze.sh: FAIL: $*" >&2; exit 1; }

[ -x "$BIN" ] || fail "$BIN is missing or not executable (build it with make BUILD=$BUILD)"
[ -n "${CADENZA_REGISTRY:-}" ] || fail "CADENZA_REGISTRY is not set"
[ -f "$CADENZA_REGISTRY" ] || fail "registry $CADENZA_REGISTRY does not exist"
command -v python3 >/dev/null || fail "python3 is needed to write the test tones"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cz-analyze.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

python3 - "$TMP" <<'PY'
import math, struct, sys, wave
def tone(path, dbfs, seconds, rate=48000):
    a = 10 ** (dbfs / 20) * 32767
    w = wave.open(path, "wb")
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate)
    step = 2 * math.pi * 1000 / rate
    frames = bytearray()
    for i in range(int(seconds * rate)):
        v = int(round(a * math.sin(step * i)))
        frames += struct.pack("<hh", v, v)
    w.writeframes(bytes(frames)); w.close()
tone(sys.argv[1] + "/minus23.wav", -23, 20)
tone(sys.argv[1] + "/minus33.wav", -33, 20)
PY
echo "this is not audio" > "$TMP/notes.wav"

# Text for people.
out=$("$BIN" analyze "$TMP/minus23.wav" "$TMP/minus33.wav") || fail "analyze exited $?"
grep -q "^$TMP/minus23.wav\$" <<<"$out" || fail "text does not name minus23.wav: $out"
grep -q "integrated *-23.0 LUFS" <<<"$out" || fail "text lacks -23.0 LUFS: $out"
grep -q "integrated *-33.0 LUFS" <<<"$out" || fail "text lacks -33.0 LUFS: $out"
grep -q "48000 Hz, 2 channels" <<<"$out" || fail "text lacks rate/channels: $out"

# JSON for programs.
"$BIN" analyze --json "$TMP/minus23.wav" "$TMP/minus33.wav" > "$TMP/report.json" \
  || fail "analyze --json exited $?"
python3 - "$TMP" <<'PY' || fail "the JSON report is wrong"
import json, sys
d = sys.argv[1]
rep = json.load(open(d + "/report.json"))
assert isinstance(rep, list) and len(rep) == 2, rep
for o, want, name in ((rep[0], -23.0, "minus23.wav"), (rep[1], -33.0, "minus33.wav")):
    assert o["file"].endswith(name), o["file"]
    assert abs(o["integrated_lufs"] - want) <= 0.1, o
    assert abs(o["true_peak_dbtp"] - want) <= 0.2, o
    assert abs(o["momentary_max_lufs"] - want) <= 0.1, o
    assert abs(o["short_term_max_lufs"] - want) <= 0.1, o
    assert o["sample_rate"] == 48000 and o["channels"] == 2, o
    assert o["frames"] == 960000 and abs(o["duration_s"] - 20.0) < 1e-6, o
    assert o["clipped_samples"] == 0, o
PY

# Failures name the file and exit non-zero.
for bad in "$TMP/missing.wav" "$TMP/notes.wav"; do
  set +e
  "$BIN" analyze "$TMP/minus23.wav" "$bad" > "$TMP/out" 2> "$TMP/err"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "analyze of $bad exited 0"
  grep -q "$bad" "$TMP/err" || fail "error does not name $bad: $(cat "$TMP/err")"
  [ ! -s "$TMP/out" ] || fail "stdout is not empty on failure: $(cat "$TMP/out")"
done
echo "analyze.sh: ok"
