#!/usr/bin/env bash
# The SDK as a third party meets it: every header compiles on its own, and
# the module template builds out of tree from the *installed* pkg-config
# file alone, then runs in a pipeline through the real binary.
set -euo pipefail
BUILD=${BUILD:-build}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for h in sdk/include/cadenza/*.h; do
  echo "#include <cadenza/$(basename "$h")>" > "$tmp/one.c"
  cc -std=c11 -Wall -Wextra -Werror -pedantic -Isdk/include -c "$tmp/one.c" -o "$tmp/one.o" \
    || { echo "header $h does not compile on its own"; exit 1; }
done

make -s install BUILD="$BUILD" SAN="${SAN:-}" PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
[ "$(pkg-config --modversion cadenza)" = "$(cat VERSION)" ]
[ "$(pkg-config --variable=abi_major cadenza)" = "1" ]

# The installed binary finds its installed modules and pipelines by itself.
(unset CADENZA_REGISTRY; "$tmp/prefix/bin/cadenza" run midi --prompt "a short waltz, 20 seconds" --out "$tmp/song" -q >/dev/null)
[ -s "$tmp/song/song.mid" ] || { echo "the installed cadenza did not make a song"; exit 1; }

cp -r "$tmp/prefix/share/cadenza/template" "$tmp/work"
make -s -C "$tmp/work" >/dev/null
[ -f "$tmp/work/example.hello.so" ]

mkdir "$tmp/mods"; cp "$tmp/work/example.hello.so" "$tmp/mods/"
"$BUILD/cadenza" registry build "$tmp/mods" --registry "$tmp/index.json" 2>/dev/null
cat > "$tmp/p.yaml" <<'YAML'
pipeline: third-party
stages:
  - stage: hello
    module: example.hello
    with: { greeting: Hi, repeat: 2 }
YAML
"$BUILD/cadenza" run "$tmp/p.yaml" --registry "$tmp/index.json" --prompt "world" --quiet --save-bus "$tmp/bus"
grep -q '"Hi Hi, world"' "$tmp/bus/bus.json" || { echo "template module did not run"; exit 1; }
"$BUILD/cadenza" inspect example.hello --registry "$tmp/index.json" | grep -q "how many times to say it"
echo ok
