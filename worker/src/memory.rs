//! The worker's memory allocator: mimalloc, keeping the pages it frees for reuse.
//!
//! A training step allocates and frees gigabytes of activations and gradients (BERT-base at
//! 16 pairs × 128 tokens: tensors of 25-94 MB, about 1.7 GB of fresh pages a step). glibc's
//! `malloc` serves every block over 32 MB with its own `mmap` and unmaps it on `free`, and
//! mimalloc by default decommits freed memory after 10 ms: either way the next step's tensors
//! land on pages the kernel has to fault in and clear again. That was 12-20 % of a step's CPU
//! time in `clear_page_erms`, in LibTorch's steps as in PyTorch's (BENCHMARKS.md, "The memory
//! allocator"). Here freed memory is *reset* (`MADV_FREE`) rather than decommitted: the kernel
//! may take those pages back when another process needs memory, and until then a new tensor
//! reuses them without a fault.
//!
//! The Rust side allocates through mimalloc as the global allocator (`main.rs`); with the
//! `libtorch` feature, mimalloc also replaces the C `malloc` that LibTorch allocates tensors
//! with (`mimalloc/override`).

use libmimalloc_sys::{mi_option_set, mi_option_t};

/// `mi_option_purge_decommits` (mimalloc.h; 5 in both v2 and v3, whose option numbers are kept
/// stable): whether a purge decommits (1, the default) or resets (0) freed memory.
const PURGE_DECOMMITS: mi_option_t = 5;

/// From now on mimalloc resets freed memory instead of decommitting it (see the module).
#[allow(unsafe_code)]
pub fn keep_freed_pages() {
    // SAFETY: sets a process-wide option by its number; mimalloc reads options atomically.
    unsafe { mi_option_set(PURGE_DECOMMITS, 0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{
        alloc::{GlobalAlloc, Layout},
        time::Duration,
    };

    /// Whether [`keep_freed_pages`] is in force.
    #[allow(unsafe_code)]
    fn keeps_freed_pages() -> bool {
        // SAFETY: reads a process-wide option by its number.
        unsafe { libmimalloc_sys::mi_option_get(PURGE_DECOMMITS) == 0 }
    }

    /// The minor page faults of the calling thread so far.
    #[allow(unsafe_code)]
    fn minor_faults() -> i64 {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage fills the struct it is given.
        let usage = unsafe {
            assert_eq!(libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr()), 0);
            usage.assume_init()
        };
        usage.ru_minflt
    }

    /// Allocates `bytes` through mimalloc, writes one byte a page, frees it: the faults taken.
    #[allow(unsafe_code)]
    fn touch_and_free(bytes: usize) -> i64 {
        let layout = Layout::from_size_align(bytes, 64).expect("layout");
        let before = minor_faults();
        // SAFETY: a non-zero layout; every write is inside the block, which is freed once.
        unsafe {
            let block = mimalloc::MiMalloc.alloc(layout);
            assert!(!block.is_null());
            for offset in (0..bytes).step_by(4096) {
                block.add(offset).write_volatile(1);
            }
            mimalloc::MiMalloc.dealloc(block, layout);
        }
        minor_faults() - before
    }

    #[test]
    fn freed_tensors_are_reused_without_page_faults() {
        keep_freed_pages();
        assert!(keeps_freed_pages());
        // tensors of a step's sizes, freed and allocated in turn: each free lets mimalloc purge
        // what was freed before (decommitted by default, so it would fault in again)
        let sizes = [64 << 20, 48 << 20, 25 << 20, 3 << 20];
        let first: i64 = sizes.iter().map(|&bytes| touch_and_free(bytes)).sum();
        let mut again = 0;
        for _ in 0..4 {
            for &bytes in &sizes {
                // past mimalloc's purge delay (10 ms; 100 ms for its arenas)
                std::thread::sleep(Duration::from_millis(150));
                again += touch_and_free(bytes);
            }
        }
        assert!(
            again < first,
            "{again} page faults reusing, {first} the first time"
        );
    }
}
