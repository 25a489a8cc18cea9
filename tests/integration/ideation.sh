#!/usr/bin/env bash
# tests/integration/ideation.sh - the real binary turns prompts into specs.
#
# Runs a one-stage pipeline (ideation.rules) with `cadenza run` and reads
# OUT/spec.json back:
#   - what the prompt states comes out as stated, with source "prompt";
#   - the same prompt and seed give identical spec.json bytes;
#   - a 20 KB prompt, an empty prompt and a prompt with emoji all work;
#   - `with:` options reach the module (enhance: false, max_duration_s);
#   - a misspelt option and a bad model_proposal are refused before running.
# Needs $BUILD (default build) and $CADENZA_REGISTRY (make check sets both).
set -euo pipefail

BUILD=${BUILD:-build}
[ -e "$BUILD" ] && BUILD=$(cd "$BUILD" && pwd)
if [ -n "${CADENZA_REGISTRY:-}" ] && [ -e "$CADENZA_REGISTRY" ]; then
  CADENZA_REGISTRY=$(cd "$(dirname "$CADENZA_REGISTRY")" && pwd)/$(basename "$CADENZA_REGISTRY")
  export CADENZA_REGISTRY
fi
cd "$(dirname "$0")/../.."
BIN=$BUILD/cadenza

fail() { echo "ideation.sh: FAIL: $*" >&2; exit 1; }

[ -x "$BIN" ] || fail "$BIN is missing or not executable (build it with make BUILD=$BUILD)"
[ -n "${CADENZA_REGISTRY:-}" ] || fail "CADENZA_REGISTRY is not set"
[ -f "$CADENZA_REGISTRY" ] || fail "registry $CADENZA_REGISTRY does not exist"
command -v python3 >/dev/null || fail "python3 is needed to read the JSON"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cz-ideation-it.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

pipeline() { # pipeline FILE WITH-BLOCK
  cat >"$1" <<EOF
pipeline: ideation-only
seed: 1
stages:
  - stage: ideation
    module: ideation.rules
    with: $2
EOF
}
pipeline "$TMP/p.yaml" "{}"

run() { # run PIPELINE OUTDIR SEED PROMPT
  if ! "$BIN" run "$1" --prompt "$4" --seed "$3" --out "$2" >"$TMP/log" 2>&1; then
    cat "$TMP/log" >&2
    fail "cadenza run failed for prompt \"${4:0:60}\""
  fi
  [ -f "$2/spec.json" ] || fail "no spec.json for prompt \"${4:0:60}\""
}

# check SPEC PYTHON-EXPRESSION MESSAGE: the expression sees the spec as s
check() {
  python3 - "$1" "$2" "$3" <<'EOF' || exit 1
import json, sys
s = json.load(open(sys.argv[1]))
src = s["sources"]
if not eval(sys.argv[2]):
    print("ideation.sh: FAIL: %s (%s)" % (sys.argv[3], sys.argv[2]), file=sys.stderr)
    print(json.dumps({k: s[k] for k in s if k != "trace"}, indent=1)[:3000], file=sys.stderr)
    sys.exit(1)
EOF
}

# 1. what is stated comes out as stated
run "$TMP/p.yaml" "$TMP/a" 7 "dark synthwave for night driving, 100 bpm in F# minor, 3:30, no piano"
S=$TMP/a/spec.json
check "$S" 's["genre"] == "synthwave" and src["genre"] == "prompt"' "genre"
check "$S" 's["tempo_bpm"] == 100 and src["tempo_bpm"] == "prompt"' "tempo"
check "$S" 's["key"] == "F#" and s["tonic_pc"] == 6 and s["mode"] == "minor"' "key"
check "$S" 's["duration_s"] == 210 and src["duration_s"] == "prompt"' "duration"
check "$S" '"piano" in s["exclude"] and not any("piano" in i["name"] for i in s["instruments"])' "no piano"
check "$S" 's["use"] == "driving" and "dark" in s["mood"]' "use and mood"
check "$S" 'isinstance(s["trace"], list) and all(t["step"] == n + 1 for n, t in enumerate(s["trace"]))' "trace"

# 2. same prompt and seed: identical bytes; another seed may differ only where inferred
run "$TMP/p.yaml" "$TMP/a2" 7 "dark synthwave for night driving, 100 bpm in F# minor, 3:30, no piano"
cmp -s "$TMP/a/spec.json" "$TMP/a2/spec.json" || fail "same prompt and seed gave different spec.json"
run "$TMP/p.yaml" "$TMP/a3" 8 "dark synthwave for night driving, 100 bpm in F# minor, 3:30, no piano"
check "$TMP/a3/spec.json" 's["tempo_bpm"] == 100 and s["key"] == "F#" and s["duration_s"] == 210' \
  "stated fields survive another seed"

# 3. odd prompts
python3 -c 'print("a warm jazz ballad in Eb at 70 bpm. " + "and then the rain came down again, softly; " * 500)' >"$TMP/long.txt"
LONG=$(cat "$TMP/long.txt")
[ ${#LONG} -gt 20000 ] || fail "the long prompt is too short"
run "$TMP/p.yaml" "$TMP/long" 3 "$LONG"
check "$TMP/long/spec.json" 's["genre"] == "jazz" and s["tempo_bpm"] == 70 and s["key"] == "Eb"' "long prompt"
run "$TMP/p.yaml" "$TMP/empty" 3 ""
check "$TMP/empty/spec.json" 'len(s["instruments"]) > 0 and 40 <= s["tempo_bpm"] <= 220 and s["title"]' "empty prompt"
run "$TMP/p.yaml" "$TMP/emoji" 3 "🎷 café jazz, no 🥁 ✨"
check "$TMP/emoji/spec.json" 'any("sax" in i["name"] for i in s["instruments"]) and not any(i["role"] == "drums" for i in s["instruments"])' "emoji"

# 4. options from with:
pipeline "$TMP/neutral.yaml" "{ enhance: false }"
run "$TMP/neutral.yaml" "$TMP/n" 3 "house in A minor"
check "$TMP/n/spec.json" 's["genre"] == "house" and s["tempo_bpm"] == 120 and src["tempo_bpm"] == "default" and s["key"] == "A"' "enhance false"
pipeline "$TMP/short.yaml" "{ max_duration_s: 300 }"
run "$TMP/short.yaml" "$TMP/s" 3 "ten minutes of ambient drone"
check "$TMP/s/spec.json" 's["duration_s"] == 300' "max_duration_s clamps"

# 5. bad options are refused before anything runs
pipeline "$TMP/typo.yaml" "{ enhanse: false }"
if "$BIN" run "$TMP/typo.yaml" --prompt "x" --seed 1 --out "$TMP/typo" >"$TMP/log" 2>&1; then
  fail "a misspelt option was accepted"
fi
grep -q "enhanse" "$TMP/log" || fail "the error does not name the misspelt option: $(cat "$TMP/log")"
pipeline "$TMP/bad.yaml" "{ model_proposal: [1, 2] }"
if "$BIN" run "$TMP/bad.yaml" --prompt "x" --seed 1 --out "$TMP/bad" >"$TMP/log" 2>&1; then
  fail "a model_proposal that is not an object was accepted"
fi
grep -q "model_proposal" "$TMP/log" || fail "the error does not name model_proposal: $(cat "$TMP/log")"

echo "ideation.sh: all checks passed"
