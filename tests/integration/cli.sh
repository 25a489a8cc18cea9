#!/usr/bin/env bash
# The command line as a user meets it: help, version, exit codes, errors
# that say what and where, and nothing half-written after a failure.
set -euo pipefail
BUILD=${BUILD:-build}
CZ="$BUILD/cadenza"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { local want=$1; shift; set +e; "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?; set -e
  [ "$rc" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "'$*' exited $rc, expected $want"; }; }

"$CZ" --version | grep -Eq '^cadenza [0-9]+\.[0-9]+\.[0-9]+ \(module ABI 1\.2\)$' || fail "--version"
for c in run validate modules inspect registry analyze conform; do
  "$CZ" "$c" --help | grep -q "usage: cadenza $c" || fail "$c --help"
done
expect_rc 2 "$CZ"
expect_rc 2 "$CZ" frobnicate
grep -q "unknown command 'frobnicate'" "$tmp/err" || fail "unknown command message"
expect_rc 2 "$CZ" run default --bogus
grep -q "unknown option '--bogus'" "$tmp/err" || fail "unknown option message"
expect_rc 2 "$CZ" run default --seed -3
grep -q -- "--seed: '-3' is not a whole number" "$tmp/err" || fail "seed message"
expect_rc 2 "$CZ" run default --seed
expect_rc 4 "$CZ" modules --registry "$tmp/none.json"
grep -q "cadenza registry build" "$tmp/err" || fail "missing registry hint"

# Test modules in a registry of their own.
mkdir "$tmp/mods"; cp "$BUILD"/tests/modules/{writer,reader,fail,output}.so "$tmp/mods/"
"$CZ" registry build "$tmp/mods" --registry "$tmp/index.json" 2>/dev/null
R=(--registry "$tmp/index.json")
"$CZ" modules "${R[@]}" | grep -q "^test.writer" || fail "modules lists test.writer"
"$CZ" inspect test.writer "${R[@]}" | grep -q "value .*int .*default 7, range -1000 to 1000" || fail "inspect shows defaults and ranges"
expect_rc 4 "$CZ" inspect test.none "${R[@]}"

cat > "$tmp/bad.yaml" <<'YAML'
pipeline: bad
stages:
  - stage: w
    module: test.writer
    with: { value: lots }
  - stage: r
    module: test.nothere
YAML
expect_rc 3 "$CZ" validate "$tmp/bad.yaml" "${R[@]}"
grep -q "bad.yaml:5:20: option 'value' of test.writer: expected an integer, got a string" "$tmp/err" || { cat "$tmp/err"; fail "validate location"; }
grep -q "bad.yaml:7:13: no module named 'test.nothere'" "$tmp/err" || fail "validate reports every problem"
expect_rc 3 "$CZ" run "$tmp/bad.yaml" "${R[@]}" --out "$tmp/never"
[ ! -e "$tmp/never" ] || fail "an invalid pipeline created its output folder"

cat > "$tmp/fails.yaml" <<'YAML'
pipeline: fails
stages:
  - { stage: o, module: test.output, with: { file: song.txt } }
  - { stage: f, module: test.fail, with: { message: "no inspiration today" } }
YAML
expect_rc 1 "$CZ" run "$tmp/fails.yaml" "${R[@]}" --out "$tmp/out1"
grep -q "stage f (test.fail) failed: no inspiration today" "$tmp/err" || fail "failure names the stage"
[ ! -e "$tmp/out1" ] || fail "a failed job left files behind"
mkdir "$tmp/out2"; echo keep > "$tmp/out2/mine.txt"
expect_rc 1 "$CZ" run "$tmp/fails.yaml" "${R[@]}" --out "$tmp/out2"
[ "$(ls -A "$tmp/out2")" = "mine.txt" ] || fail "a failed job touched an existing folder"

cat > "$tmp/ok.yaml" <<'YAML'
pipeline: ok
stages:
  - { stage: w, module: test.writer }
  - { stage: o, module: test.output, with: { file: song.txt, text: la } }
YAML
"$CZ" run "$tmp/ok.yaml" "${R[@]}" --out "$tmp/out3" --set w.value=12 >"$tmp/out" 2>"$tmp/err"
grep -qx "$tmp/out3/song.txt" "$tmp/out" || fail "published files are printed on stdout"
grep -q "\[1/2\] w: done" "$tmp/err" || fail "plain progress lines when not a terminal"
expect_rc 3 "$CZ" run "$tmp/ok.yaml" "${R[@]}" --set w.value=99999
grep -q -- "--set w.value=99999: option 'value' of test.writer: 99999 is out of range" "$tmp/err" || fail "--set errors name the --set"
# A module rebuilt after indexing is caught as stale.
cp "$BUILD/tests/modules/reader.so" "$tmp/mods/writer.so.new"; mv "$tmp/mods/writer.so.new" "$tmp/mods/writer.so"
expect_rc 4 "$CZ" run "$tmp/ok.yaml" "${R[@]}"
grep -q "stale registry entry" "$tmp/err" || fail "stale entry message"
echo ok
