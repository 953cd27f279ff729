#!/usr/bin/env bash
# Builds Grove: the WebAssembly front end, then the server.   ./scripts/build.sh [release|debug]
#   -> target/site/pkg/grove.<hash>.{js,wasm,css} (+ .br, .gz) and pkg/current,
#      target/site/* (public/), target/<profile>/grove
# The front end is always optimised for size (a debug wasm is 20x larger); MODE picks the
# server's profile: release for running Grove, debug for the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
MODE=${1:-release}
NAME=grove
SITE=target/site
PKG=$SITE/pkg
FRONT_TARGET=target/front
WASM_OPT=e2e/node_modules/.bin/wasm-opt

want=$(locked_wasm_bindgen_version)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
[ "$want" = "$have" ] || die "wasm-bindgen CLI is '${have:-missing}', Cargo.lock wants $want: run ./scripts/setup.sh"
[ -x "$WASM_OPT" ] || die "wasm-opt missing: run ./scripts/setup.sh (it installs e2e/ npm packages)"

# Two bundles from one compilation of the app: `hydrate` (the volunteer's pages, what most
# visitors download) and `hydrate-full` (every page; sent with moderation and statistics pages).
say "front end (wasm32, profile wasm-release): volunteer and full bundles"
wasm_cargo build -p hydrate -p hydrate-full --lib --target wasm32-unknown-unknown \
  --target-dir "$FRONT_TARGET" --profile wasm-release
wasm_dir=$FRONT_TARGET/wasm32-unknown-unknown/wasm-release

# Binding and optimising take ~15 s a bundle; skip them when the wasm has not changed. The
# bound files are staged unhashed; what the server serves is copied from there below.
STAGE=target/site-stage
mkdir -p "$STAGE"
bind() { # crate file name, staged name (wasm-bindgen takes no dot in it)
  local wasm=$wasm_dir/$1.wasm out=$2 stamp=$STAGE/.$2.source
  if [ ! -f "$stamp" ] || [ "$wasm" -nt "$stamp" ] || [ ! -f "$STAGE/$out.wasm" ]; then
    say "wasm-bindgen $have + wasm-opt: $out"
    wasm-bindgen --target web --no-typescript --out-dir "$STAGE" --out-name "$out" "$wasm"
    mv "$STAGE/${out}_bg.wasm" "$STAGE/$out.wasm"
    # rustc's modules keep memory below 1 MiB for the stack and start zero-filled, so binaryen
    # may assume both (-2 KB compressed). -Os until nothing changes (--converge) compresses
    # better than -Oz (-5.7 KB brotli for the volunteer bundle, BENCHMARKS.md) at 9 % more raw
    # WebAssembly.
    "$WASM_OPT" -Os --converge --low-memory-unused --zero-filled-memory \
      --enable-bulk-memory --enable-nontrapping-float-to-int \
      "$STAGE/$out.wasm" -o "$STAGE/$out.wasm"
    touch "$stamp"
  fi
}
bind hydrate "$NAME"
bind hydrate_full "${NAME}_full"
for ext in js wasm; do cp "$STAGE/${NAME}_full.$ext" "$STAGE/$NAME.full.$ext"; done
cp style/main.css "$STAGE/$NAME.css"

# Served names carry a hash of the content (cached for a year, immutable), with brotli and gzip
# copies beside them; pkg/current names the set for the server (the full bundle is
# <name>.full.{js,wasm}).
files=("$NAME.js" "$NAME.wasm" "$NAME.full.js" "$NAME.full.wasm" "$NAME.css")
hash=$(cd "$STAGE" && cat "${files[@]}" | sha256sum | cut -c1-16)
if [ "$(cat "$PKG/current" 2>/dev/null)" != "$NAME.$hash" ]; then
  say "assets $NAME.$hash.{js,wasm,full.js,full.wasm,css} with brotli and gzip copies"
  rm -rf "$PKG" && mkdir -p "$PKG"
  for file in "${files[@]}"; do cp "$STAGE/$file" "$PKG/${file/#$NAME./$NAME.$hash.}"; done
  node scripts/precompress.mjs "$PKG/$NAME.$hash".*
  echo "$NAME.$hash" > "$PKG/current"
fi
cp -r public/. "$SITE/"

say "server (grove, $MODE)"
if [ "$MODE" = release ]; then
  cargo build --release -p server --bin grove
else
  cargo build -p server --bin grove
fi
ls -l "$PKG" | awk 'NR>1 {print "   " $5 "\t" $9}' >&2
