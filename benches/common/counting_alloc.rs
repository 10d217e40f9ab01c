//! The benches' counting allocator: live heap bytes and their high-water
//! mark, for peak memory without an external profiler (load and launch).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

/// Counts live heap bytes and their high-water mark so the bench can report
/// peak memory without an external profiler. Implementing `GlobalAlloc`
/// requires `unsafe impl`; every call forwards to `System` unchanged, and
/// this exists only in the bench binaries (the library stays
/// `forbid(unsafe_code)`). Counting stops (`COUNTING`) once peak memory is
/// measured: the timed loads must not pay for two atomic updates per
/// allocation that the raw parse, which does not allocate, never pays.
struct Counting;

pub static LIVE: AtomicUsize = AtomicUsize::new(0);
pub static PEAK: AtomicUsize = AtomicUsize::new(0);
pub static COUNTING: AtomicBool = AtomicBool::new(true);

fn grew(by: usize) {
    if COUNTING.load(Relaxed) {
        let now = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(now, Relaxed);
    }
}

fn shrank(by: usize) {
    if COUNTING.load(Relaxed) {
        LIVE.fetch_sub(by, Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's; forwarded unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;
