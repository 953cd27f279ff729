# Shared helpers for the scripts in this folder (sourced, not run).

say() { printf '\033[1;32m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock
}

# Runs cargo for the wasm32 front end: rustup's cargo when its wasm32 target is installed,
# otherwise Debian's rustc-web, which builds the standard library for wasm from source.
# WASM_TOOLCHAIN=debian forces the second way (to test it where rustup has the target).
wasm_cargo() {
  if [ "${WASM_TOOLCHAIN:-}" != debian ] && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    cargo "$@"
  elif [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ]; then
    RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/bin/wasm-ld \
      /usr/bin/cargo "$@" -Zbuild-std=std,panic_abort
  else
    die "no WebAssembly toolchain: run ./scripts/setup.sh"
  fi
}

# The cargo profile of the server build: release for the run command, dev for tests (shared
# with cargo test, so nothing is compiled twice).
server_profile_dir() {
  case $1 in release) echo release ;; *) echo debug ;; esac
}
