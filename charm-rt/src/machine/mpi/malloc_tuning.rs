//! Keeps large allocations in the heap instead of fresh pages from the OS.
//!
//! glibc serves allocations above its mmap threshold with `mmap` and returns them with `munmap`
//! when freed, and it trims the top of the heap back to the OS; either way the next large
//! array a message delivers is written into fresh pages, one page fault per 4 KiB. For arrays
//! of a few hundred KiB and more that costs several times the transfer itself (measured here:
//! 1 MiB messages 5.7x slower). Raising both thresholds keeps freed buffers in the heap for
//! reuse, as Charm++'s own allocator does. `CHARM_MALLOC_TUNING=0` turns it off.

/// Applies the tuning unless disabled; returns whether it did.
pub(super) fn apply() -> bool {
    if matches!(
        std::env::var("CHARM_MALLOC_TUNING").as_deref(),
        Ok("0" | "false" | "off")
    ) {
        return false;
    }
    apply_glibc()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn apply_glibc() -> bool {
    // glibc accepts at most 32 MiB (HEAP_MAX_SIZE / 2 on 64-bit) here.
    const MMAP_THRESHOLD: i32 = 32 << 20;
    const TRIM_THRESHOLD: i32 = 1 << 30;
    // SAFETY: `mallopt` only sets allocator parameters; it is called before the runtime starts
    // its PE thread's work, with valid parameter names and values.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn apply_glibc() -> bool {
    false
}
