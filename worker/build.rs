//! With the `libtorch` feature, `LIBTORCH_RPATH` (set by `scripts/build-worker-libtorch.sh`)
//! becomes the binaries' run path, so they find LibTorch without `LD_LIBRARY_PATH`.
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH_RPATH");
    if std::env::var_os("CARGO_FEATURE_LIBTORCH").is_some() {
        if let Ok(dir) = std::env::var("LIBTORCH_RPATH") {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        }
    }
}
