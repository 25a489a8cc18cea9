#!/usr/bin/env bash
# tests/integration/providers.sh - the shipped provider pipelines through
# the real binary, with no network at all.
#
#   - config/pipelines/acestep.yaml and llm.yaml validate;
#   - acestep.yaml with its ACE-Step server unreachable (a closed loopback
#     port) still makes a song: router.fallback records the failed acestep
#     attempts and the offline provider's answer in song.json;
#   - the same prompt and seed give the same song.wav, byte for byte;
#   - a pipeline naming an unset API key variable is refused by validate,
#     with the variable's name and the file:line:col.
# (The fake ACE-Step server run, end to end, is a Check test:
# test_providers' cadenza_run_makes_a_song_through_the_fake_acestep.)
# Needs $BUILD and $CADENZA_REGISTRY (make check sets both).
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=$BUILD/cadenza
fail() { echo "providers.sh: FAIL: $*" >&2; exit 1; }

[ -x "$BIN" ] || fail "$BIN is missing (build it with make BUILD=$BUILD)"
[ -n "${CADENZA_REGISTRY:-}" ] && [ -f "$CADENZA_REGISTRY" ] || fail "CADENZA_REGISTRY is not set or missing"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$BIN" validate config/pipelines/acestep.yaml config/pipelines/llm.yaml > "$TMP/validate.txt" 2>&1 \
  || { cat "$TMP/validate.txt"; fail "the shipped provider pipelines do not validate"; }

run() { # out-dir
  "$BIN" run config/pipelines/acestep.yaml --prompt "a bright pop song, 20 seconds" --seed 11 \
    --set providers.acestep.base_url=http://127.0.0.1:9 --set providers.acestep.max_retries=0 \
    --out "$1" > "$TMP/run.txt" 2>&1 || { cat "$TMP/run.txt"; fail "acestep.yaml did not fall back to the offline provider"; }
}
run "$TMP/a"
run "$TMP/b"
[ -s "$TMP/a/song.wav" ] || fail "no song.wav"
[ -s "$TMP/a/song.json" ] || fail "no song.json"
cmp -s "$TMP/a/song.wav" "$TMP/b/song.wav" || fail "the same prompt and seed gave two different songs"

PY=$(command -v python3 || true)
if [ -n "$PY" ]; then
  "$PY" - "$TMP/a/song.json" <<'PYEOF' || fail "song.json does not record the fallback"
import json, sys
song = json.load(open(sys.argv[1]))
def find(o):
    if isinstance(o, list) and o and isinstance(o[0], dict) and "outcome" in o[0]:
        return o
    if isinstance(o, dict):
        for v in o.values():
            r = find(v)
            if r: return r
    if isinstance(o, list):
        for v in o:
            r = find(v)
            if r: return r
    return None
att = find(song)
assert att, "no attempts in song.json"
got = [(a["provider"], a["outcome"]) for a in att if a["capability"] == "audio"]
assert got == [("acestep", "failed"), ("local", "ok")], got
audio = [a for a in att if a["capability"] == "audio"]
assert "127.0.0.1:9" in audio[0]["error"], audio[0]["error"]
# ideation asked for chat first; provider.procedural answered it
assert [(a["provider"], a["outcome"]) for a in att if a["capability"] == "chat"] == [("local", "ok")], att
PYEOF
else
  grep -q '"acestep"' "$TMP/a/song.json" || fail "song.json does not name the acestep attempt"
fi

cat > "$TMP/key.yaml" <<'YEOF'
pipeline: key
stages:
  - { stage: ideation, module: ideation.rules }
  - { stage: production, module: production.provider }
providers:
  - name: rep
    module: provider.replicate
    with: { api_key_env: CADENZA_TEST_SURELY_UNSET }
router: { module: router.fallback }
YEOF
unset CADENZA_TEST_SURELY_UNSET
if "$BIN" validate "$TMP/key.yaml" > "$TMP/key.txt" 2>&1; then
  fail "validate accepted an unset API key variable"
fi
grep -q "key.yaml:8:.*environment variable CADENZA_TEST_SURELY_UNSET is not set" "$TMP/key.txt" \
  || { cat "$TMP/key.txt"; fail "the unset variable's message lacks its name or location"; }
echo "providers.sh: ok"
