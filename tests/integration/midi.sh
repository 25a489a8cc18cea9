#!/usr/bin/env bash
# tests/integration/midi.sh - the real binary exports a song as MIDI.
#
# Runs config/pipelines/midi.yaml (ideation.rules, composition.theory,
# arrangement.sections, finalization.midi) and reads DIR/song.mid back with
# python3-mido, checking it against the spec the run produced:
#   - every track is named, the conductor track after the spec's title;
#   - tempo = spec tempo_bpm, time signature = spec meter;
#   - the song lasts spec duration_s give or take one bar;
#   - drums and percussion only on MIDI channel 10 (mido channel 9), and
#     pitched instruments never there;
#   - the same prompt and seed give identical bytes, another prompt others.
# The spec is read from DIR/spec.json, else DIR/song.json, else the bus
# saved with --save-bus. Needs $BUILD (default build) and $CADENZA_REGISTRY from the caller
# (make check sets both). Fails, never skips, when something is missing.
set -euo pipefail

# Paths given relative to the caller's folder stay valid after the cd.
BUILD=${BUILD:-build}
[ -e "$BUILD" ] && BUILD=$(cd "$BUILD" && pwd)
if [ -n "${CADENZA_REGISTRY:-}" ] && [ -e "$CADENZA_REGISTRY" ]; then
  CADENZA_REGISTRY=$(cd "$(dirname "$CADENZA_REGISTRY")" && pwd)/$(basename "$CADENZA_REGISTRY")
  export CADENZA_REGISTRY
fi
cd "$(dirname "$0")/../.."
BIN=$BUILD/cadenza
PIPELINE=config/pipelines/midi.yaml

fail() { echo "midi.sh: FAIL: $*" >&2; exit 1; }

[ -x "$BIN" ] || fail "$BIN is missing or not executable (build it with make BUILD=$BUILD)"
[ -f "$PIPELINE" ] || fail "$PIPELINE is missing"
[ -n "${CADENZA_REGISTRY:-}" ] || fail "CADENZA_REGISTRY is not set"
[ -f "$CADENZA_REGISTRY" ] || fail "registry $CADENZA_REGISTRY does not exist"

# python3 with mido: the first python3 on PATH may be another install
# (pyenv) than Debian's, which is where python3-mido lives.
PY=
for c in python3 /usr/bin/python3; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import mido' 2>/dev/null; then
    PY=$c
    break
  fi
done
[ -n "$PY" ] || fail "no python3 with the mido module (install python3-mido: tools/install-deps)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cz-midi-it.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

PROMPT_A="dark synthwave for night driving, 100 bpm, with drums"
PROMPT_B="gentle acoustic folk waltz in 3/4 about the sea, 84 bpm"

run() { # run OUTDIR PROMPT SEED
  local out=$1 prompt=$2 seed=$3
  # --save-bus keeps the final bus (with ideation.spec) beside the output,
  # for when nothing in the pipeline writes spec.json.
  if ! "$BIN" run "$PIPELINE" --prompt "$prompt" --seed "$seed" --out "$out" \
       --save-bus "$out.bus" >"$TMP/run.log" 2>&1; then
    cat "$TMP/run.log" >&2
    fail "cadenza run failed for prompt \"$prompt\" seed $seed"
  fi
  [ -s "$out/song.mid" ] || { ls -la "$out" >&2 || true; fail "$out/song.mid was not written"; }
}

run "$TMP/a1" "$PROMPT_A" 11
run "$TMP/a2" "$PROMPT_A" 11
run "$TMP/b" "$PROMPT_B" 11

cmp -s "$TMP/a1/song.mid" "$TMP/a2/song.mid" \
  || fail "same prompt and seed gave different MIDI bytes"
if cmp -s "$TMP/a1/song.mid" "$TMP/b/song.mid"; then
  fail "different prompts gave identical MIDI bytes"
fi

check() { # check OUTDIR
  "$PY" - "$1" <<'PYEOF'
import json, os, sys
import mido

out = sys.argv[1]

def fail(msg):
    sys.exit("midi.sh: FAIL (%s): %s" % (out, msg))

def find_spec(node):
    """The ideation spec: a JSON object with tempo_bpm and duration_s."""
    if isinstance(node, dict):
        if "tempo_bpm" in node and "duration_s" in node:
            return node
        for key in ("spec", "ideation.spec", "ideation"):
            if key in node:
                found = find_spec(node[key])
                if found:
                    return found
        for value in node.values():
            found = find_spec(value)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = find_spec(value)
            if found:
                return found
    return None

spec = None
for path in (os.path.join(out, "spec.json"), os.path.join(out, "song.json"),
             os.path.join(out + ".bus", "bus.json")):
    if os.path.exists(path):
        with open(path) as f:
            spec = find_spec(json.load(f))
        if spec:
            break
if not spec:
    fail("no spec (tempo_bpm, duration_s) in spec.json, song.json or the saved "
         "bus; files: %s" % sorted(os.listdir(out)))

try:
    mid = mido.MidiFile(os.path.join(out, "song.mid"))
except Exception as e:  # mido raises several types for broken files
    fail("song.mid does not parse: %s" % e)

if mid.type != 1:
    fail("MIDI type %d, want 1" % mid.type)
if len(mid.tracks) < 2:
    fail("%d tracks: want a conductor track and at least one more" % len(mid.tracks))
ppq = mid.ticks_per_beat

def metas(track, kind):
    return [m for m in track if m.is_meta and m.type == kind]

# names: the conductor after the title, every track named
conductor = mid.tracks[0]
names = metas(conductor, "track_name")
title = spec.get("title") or "Cadenza"
if not names or names[0].name != title:
    fail("conductor track name %r, want %r" % (names[0].name if names else None, title))
for i, t in enumerate(mid.tracks[1:], 1):
    n = metas(t, "track_name")
    if not n or not n[0].name.strip():
        fail("track %d has no name" % i)

# tempo and meter
tempos = [m for t in mid.tracks for m in t if m.is_meta and m.type == "set_tempo"]
if len(tempos) != 1:
    fail("%d tempo events, want 1" % len(tempos))
bpm = mido.tempo2bpm(tempos[0].tempo)
if abs(bpm - float(spec["tempo_bpm"])) > 0.01:
    fail("tempo %.3f bpm, spec says %s" % (bpm, spec["tempo_bpm"]))
ts = metas(conductor, "time_signature")
if not ts:
    fail("no time signature")
num = int(spec.get("meter_num", 4))
den = int(spec.get("meter_den", 4))
if (ts[0].numerator, ts[0].denominator) != (num, den):
    fail("time signature %d/%d, spec says %d/%d"
         % (ts[0].numerator, ts[0].denominator, num, den))
if not metas(conductor, "key_signature"):
    fail("no key signature")

# length: the last end-of-track, at the one tempo, within a bar of duration_s
sec_per_tick = tempos[0].tempo / 1e6 / ppq
end_ticks = max(sum(m.time for m in t) for t in mid.tracks)
length = end_ticks * sec_per_tick
bar = num * 4.0 / den * 60.0 / bpm
duration = float(spec["duration_s"])
if abs(length - duration) > bar + 1e-6:
    fail("song lasts %.2f s, spec asks %.2f s (one bar = %.2f s)" % (length, duration, bar))
if abs(mid.length - length) > 1e-3:
    fail("mido's length %.3f s differs from the end-of-track %.3f s" % (mid.length, length))

# channels: a kit only on channel 10 (mido 9), pitched instruments never
kit_roles = {"drums", "perc"}
roles = {}
for ins in spec.get("instruments", []):
    if isinstance(ins, dict) and ins.get("name"):
        roles[ins["name"].strip().lower()] = ins.get("role")
want_kit = any(r in kit_roles for r in roles.values())
kit_tracks = 0
notes = 0
for i, t in enumerate(mid.tracks[1:], 1):
    name = metas(t, "track_name")[0].name
    chans = {m.channel for m in t if not m.is_meta and hasattr(m, "channel")}
    programs = [m for m in t if m.type == "program_change"]
    ons = [m for m in t if m.type == "note_on" and m.velocity > 0]
    notes += len(ons)
    if len(chans) > 1:
        fail("track %d %r plays on several channels %s" % (i, name, sorted(chans)))
    if 9 in chans:
        kit_tracks += 1
        if programs:
            fail("drum track %d %r has a program change" % (i, name))
        if roles.get(name.strip().lower()) not in (None, "drums", "perc"):
            fail("pitched track %d %r is on the drum channel" % (i, name))
    elif roles.get(name.strip().lower()) in kit_roles:
        fail("drum track %d %r is on channel %s, not 10" % (i, name, sorted(chans)))
if notes == 0:
    fail("no notes in the file")
if want_kit and kit_tracks == 0:
    fail("the spec has drums but no track plays on channel 10")
if not want_kit and kit_tracks:
    fail("the spec has no drums or percussion, yet %d tracks use channel 10" % kit_tracks)

print("midi.sh: %s: %d tracks, %d notes, %.1f s (spec %.0f s), %.2f bpm, %d/%d"
      % (out, len(mid.tracks), notes, length, duration, bpm, num, den))
PYEOF
}

check "$TMP/a1"
check "$TMP/b"
echo "midi.sh: ok"
