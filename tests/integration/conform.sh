#!/usr/bin/env bash
# Every module in the tree keeps the module contract (cadenza conform), and
# the checker itself catches a module that breaks it.
set -euo pipefail
BUILD=${BUILD:-build}
out=$("$BUILD/cadenza" conform "$BUILD"/modules/*.so 2>&1) || { printf '%s\n' "$out" | grep -v '^  ok'; exit 1; }
printf '%s\n' "$out" | tail -n 1
# A module that declares a write it never makes must fail conformance.
if "$BUILD/cadenza" conform "$BUILD/tests/modules/liar.so" >/dev/null 2>&1; then
  echo "conform passed test.liar, which breaks its write promise"; exit 1
fi
# A crashing constructor is reported, not fatal to the checker.
set +e
"$BUILD/cadenza" conform "$BUILD/tests/modules/bad_major.so" "$BUILD/tests/modules/noop.so" > /tmp/conform.$$ 2>&1
rc=$?
set -e
grep -q "a different major version" /tmp/conform.$$ && grep -q "test.noop" /tmp/conform.$$
rm -f /tmp/conform.$$
[ "$rc" -eq 1 ]
