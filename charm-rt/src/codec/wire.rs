//! An 8-byte-aligned byte buffer: the unit of encoded messages.
//!
//! Alignment lets a receiver view a directly copied `[f64]` (or any other plain numeric type) in
//! place, without copying it out of the message.

use std::cell::RefCell;

/// Growable byte buffer whose start is aligned to 8 bytes. Large buffers are recycled through a
/// per-thread pool when dropped, so big messages do not pay for fresh pages every time.
#[derive(Default, Clone)]
pub struct WireBuf {
    words: Vec<u64>,
    len: usize,
}

/// Buffers at least this large are pooled.
const POOL_MIN_BYTES: usize = 64 * 1024;
/// Most buffers a thread keeps, and most bytes.
const POOL_MAX_BUFFERS: usize = 8;
const POOL_MAX_BYTES: usize = 256 << 20;

thread_local! {
    static POOL: RefCell<Vec<Vec<u64>>> = const { RefCell::new(Vec::new()) };
}

impl Drop for WireBuf {
    fn drop(&mut self) {
        if self.words.len() * 8 >= POOL_MIN_BYTES {
            let words = std::mem::take(&mut self.words);
            let _ = POOL.try_with(|p| {
                if let Ok(mut p) = p.try_borrow_mut() {
                    let held: usize = p.iter().map(|w| w.len() * 8).sum();
                    if p.len() < POOL_MAX_BUFFERS && held + words.len() * 8 <= POOL_MAX_BYTES {
                        p.push(words);
                    }
                }
            });
        }
    }
}

impl WireBuf {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty buffer with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Self {
        WireBuf {
            words: Vec::with_capacity(bytes.div_ceil(8)),
            len: 0,
        }
    }

    /// A zero-filled buffer of `len` bytes, to receive into.
    pub fn zeroed(len: usize) -> Self {
        WireBuf {
            words: vec![0; len.div_ceil(8)],
            len,
        }
    }

    /// A buffer over received words; `len` bytes of them are meaningful.
    pub fn from_words(words: Vec<u64>, len: usize) -> Self {
        assert!(len <= words.len() * 8, "length beyond the buffer");
        WireBuf { words, len }
    }

    /// Replaces the contents with `words` (all their bytes), reusing the capacity.
    pub fn assign_words(&mut self, words: &[u64]) {
        self.words.clear();
        self.words.extend_from_slice(words);
        self.len = words.len() * 8;
    }

    /// Bytes the buffer can hold without growing.
    pub fn capacity_bytes(&self) -> usize {
        self.words.capacity() * 8
    }

    /// The storage as whole words (the last one padded with zeros). Meaningful after
    /// [`WireBuf::align8`].
    pub fn words(&self) -> &[u64] {
        &self.words[..self.len.div_ceil(8)]
    }

    /// The storage as whole words, mutable (to receive into a [`WireBuf::zeroed`] buffer).
    pub fn words_mut(&mut self) -> &mut [u64] {
        let n = self.len.div_ceil(8);
        &mut self.words[..n]
    }

    /// Takes the storage out (all of it, beyond the written length too).
    pub fn into_words(mut self) -> Vec<u64> {
        std::mem::take(&mut self.words)
    }

    /// Gives storage taken with [`WireBuf::into_words`] back to this thread's pool.
    pub fn recycle(words: Vec<u64>) {
        drop(WireBuf { words, len: 0 });
    }

    /// Forgets the contents, keeping the capacity.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Number of bytes written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The written bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &bytemuck::cast_slice::<u64, u8>(&self.words)[..self.len]
    }

    /// The written bytes, mutable (to receive into a [`WireBuf::zeroed`] buffer).
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        let len = self.len;
        &mut bytemuck::cast_slice_mut::<u64, u8>(&mut self.words)[..len]
    }

    #[inline]
    fn grow_to(&mut self, new_len: usize) {
        if new_len.div_ceil(8) > self.words.len() {
            self.grow_slow(new_len);
        }
    }

    #[cold]
    fn grow_slow(&mut self, new_len: usize) {
        let words = new_len.div_ceil(8);
        {
            let target = words.max(self.words.len() * 2);
            if target * 8 >= POOL_MIN_BYTES {
                if let Some(mut w) = take_pooled(target) {
                    let n = self.len.div_ceil(8);
                    w[..n].copy_from_slice(&self.words[..n]);
                    let old = std::mem::replace(&mut self.words, w);
                    WireBuf::recycle(old);
                    return;
                }
            }
            self.words.resize(target, 0);
        }
    }

    /// Appends bytes.
    #[inline]
    pub fn extend_from_slice(&mut self, src: &[u8]) {
        let start = self.len;
        self.grow_to(start + src.len());
        bytemuck::cast_slice_mut::<u64, u8>(&mut self.words)[start..start + src.len()]
            .copy_from_slice(src);
        self.len = start + src.len();
    }

    /// Appends one little-endian word.
    #[inline]
    pub fn push_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_le_bytes());
    }

    /// Pads with zeros up to a multiple of 8 bytes.
    #[inline]
    pub fn align8(&mut self) {
        let pad = self.len.next_multiple_of(8) - self.len;
        if pad > 0 {
            self.extend_from_slice(&[0u8; 8][..pad]);
        }
    }

    /// Overwrites 8 bytes at `at` (already written) with `v`, little-endian.
    #[inline]
    pub fn patch_u64(&mut self, at: usize, v: u64) {
        self.as_bytes_mut()[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }

    /// Overwrites 4 bytes at `at` (already written) with `v`, little-endian.
    #[inline]
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        self.as_bytes_mut()[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
}

/// A pooled buffer of at least `words` words (the smallest that fits).
fn take_pooled(words: usize) -> Option<Vec<u64>> {
    POOL.try_with(|p| {
        let mut p = p.try_borrow_mut().ok()?;
        let best = p
            .iter()
            .enumerate()
            .filter(|(_, w)| w.len() >= words)
            .min_by_key(|(_, w)| w.len())?
            .0;
        Some(p.swap_remove(best))
    })
    .ok()
    .flatten()
}

impl std::fmt::Debug for WireBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WireBuf({} bytes)", self.len)
    }
}
