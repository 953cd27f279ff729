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

say "front end (wasm32, profile wasm-release)"
wasm_cargo build -p hydrate --lib --target wasm32-unknown-unknown --target-dir "$FRONT_TARGET" \
  --profile wasm-release
wasm=$FRONT_TARGET/wasm32-unknown-unknown/wasm-release/hydrate.wasm

# Binding and optimising take ~15 s; skip them when the wasm has not changed. The bound
# files are staged unhashed; what the server serves is copied from there below.
STAGE=target/site-stage
stamp=$STAGE/.source
if [ ! -f "$stamp" ] || [ "$wasm" -nt "$stamp" ] || [ ! -f "$STAGE/$NAME.wasm" ]; then
  say "wasm-bindgen $have + wasm-opt"
  rm -rf "$STAGE" && mkdir -p "$STAGE"
  wasm-bindgen --target web --no-typescript --out-dir "$STAGE" --out-name "$NAME" "$wasm"
  mv "$STAGE/${NAME}_bg.wasm" "$STAGE/$NAME.wasm"
  "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$STAGE/$NAME.wasm" -o "$STAGE/$NAME.wasm"
  touch "$stamp"
fi
cp style/main.css "$STAGE/$NAME.css"

# Served names carry a hash of the content (cached for a year, immutable), with brotli and gzip
# copies beside them; pkg/current names the set for the server.
hash=$(cat "$STAGE/$NAME.js" "$STAGE/$NAME.wasm" "$STAGE/$NAME.css" | sha256sum | cut -c1-16)
if [ "$(cat "$PKG/current" 2>/dev/null)" != "$NAME.$hash" ]; then
  say "assets $NAME.$hash.{js,wasm,css} with brotli and gzip copies"
  rm -rf "$PKG" && mkdir -p "$PKG"
  for ext in js wasm css; do cp "$STAGE/$NAME.$ext" "$PKG/$NAME.$hash.$ext"; done
  node scripts/precompress.mjs "$PKG/$NAME.$hash".{js,wasm,css}
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
