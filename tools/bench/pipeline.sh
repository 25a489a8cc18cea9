#!/usr/bin/env bash
# The whole seven-stage pipeline on a 3-minute song at 48 kHz, on one core:
# wall time per stage and in total, real-time factor and peak memory; and,
# in the same run, the peer: fluidsynth rendering the exported MIDI alone
# (`fluidsynth -ni -F out.wav SF2 song.mid`). Median of RUNS runs each.
# Prints figures and ratios; never fails on a number.
set -euo pipefail
BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
SF2=${SF2:-/usr/share/sounds/sf2/FluidR3_GM.sf2}
PROMPT=${PROMPT:-"energetic synthwave with arpeggios and a big chorus, 3 minutes, 112 bpm"}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export CADENZA_REGISTRY=${CADENZA_REGISTRY:-registry/index.json}
one_core=(taskset -c 0)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for i in $(seq "$RUNS"); do
  rm -rf "$tmp/out"
  /usr/bin/time -f "%e %M" -o "$tmp/time.$i" "${one_core[@]}" "$BUILD/cadenza" run default \
    --prompt "$PROMPT" --seed 1 --out "$tmp/out" >/dev/null 2>"$tmp/progress.$i"
  cp "$tmp/out/song.json" "$tmp/song.$i.json"
done
python3 - "$tmp" "$RUNS" <<'PY'
import json, sys, statistics
tmp, runs = sys.argv[1], int(sys.argv[2])
import re
stages = {}
for i in range(1, runs + 1):
    # the progress lines (one per stage) carry every stage's time,
    # finalization's included, which song.json cannot (it is written by it)
    for line in open(f"{tmp}/progress.{i}"):
        m = re.search(r"\] (\S+): done in ([0-9.]+) ms", line)
        if m:
            stages.setdefault(m.group(1), []).append(float(m.group(2)))
print("per stage (median ms):")
for name, v in stages.items():
    print(f"  {name:<14} {statistics.median(v):9.1f}")
PY
wall=$(for i in $(seq "$RUNS"); do cut -d' ' -f1 "$tmp/time.$i"; done | median)
peak=$(for i in $(seq "$RUNS"); do cut -d' ' -f2 "$tmp/time.$i"; done | median)
dur=$(python3 -c "import json;print(json.load(open('$tmp/song.1.json')).get('master',{}).get('duration_s') or json.load(open('$tmp/song.1.json'))['spec']['duration_s'])")
echo "cadenza: 7 stages, ${dur} s song at 48 kHz, one core: ${wall} s wall (median of $RUNS), peak RSS $((peak / 1024)) MB"
python3 -c "print(f'real-time factor: {float($dur)/float($wall):.0f}x faster than real time (target: 3-min song in <= 1.0 s; peak < 400 MB)')"

if command -v fluidsynth >/dev/null && [ -f "$SF2" ]; then
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$tmp/fs.$i" "${one_core[@]}" fluidsynth -ni -r 48000 -F "$tmp/fs.wav" "$SF2" "$tmp/out/song.mid" >/dev/null 2>&1
  done
  fs=$(for i in $(seq "$RUNS"); do cut -d' ' -f1 "$tmp/fs.$i"; done | median)
  fspeak=$(for i in $(seq "$RUNS"); do cut -d' ' -f2 "$tmp/fs.$i"; done | median)
  echo "peer: fluidsynth -ni -F renders the same MIDI in ${fs} s (peak $((fspeak / 1024)) MB)"
  python3 -c "print(f'ratio cadenza/fluidsynth: {float($wall)/float($fs):.2f} (below 1.0 = faster than the peer, which only renders)')"
else
  echo "peer: fluidsynth or $SF2 missing; run tools/install-deps"
fi
