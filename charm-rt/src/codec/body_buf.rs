//! The buffer behind an encoded body: shared by several receivers, or owned by one body.
//!
//! A small message taken from the network has one reader. Giving it an `Arc` cost three atomic
//! operations per message (take the buffer back with `get_mut`, hand out a clone, drop it),
//! about 15 ns in a tight loop. An owned buffer comes from a per-thread pool and goes back to it
//! when the body is dropped: no allocation and no atomic counter. Bodies read by several
//! receivers (broadcasts, multicasts, constructor arguments) are made shared first.

use super::wire::WireBuf;
use std::cell::RefCell;
use std::ops::Deref;
use std::sync::Arc;

/// How many owned buffers a thread keeps for reuse.
const POOL_MAX: usize = 16;
/// Owned buffers beyond this capacity are not kept (the pool is for small messages).
const POOL_MAX_BYTES: usize = 8 * 1024;

thread_local! {
    // Boxed: a body holds one pointer (the enum stays two words), and buffers move in and out
    // of the pool as pointers.
    #[allow(clippy::vec_box)]
    static POOL: RefCell<Vec<Box<WireBuf>>> = const { RefCell::new(Vec::new()) };
}

/// An encoded body's bytes.
#[derive(Debug)]
pub enum BodyBuf {
    /// Read by several receivers.
    Shared(Arc<WireBuf>),
    /// Read by this body alone; returns to its thread's pool when dropped.
    Owned(PooledBuf),
}

/// A buffer on loan from the thread's pool (always `Some` until dropped).
#[derive(Debug)]
pub struct PooledBuf(Option<Box<WireBuf>>);

impl PooledBuf {
    /// A buffer holding a copy of `words`, from the pool when it has one.
    pub fn from_words(words: &[u64]) -> Self {
        let reused = POOL
            .try_with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop()))
            .ok()
            .flatten();
        let mut buf = reused.unwrap_or_default();
        buf.assign_words(words);
        PooledBuf(Some(buf))
    }

    fn get(&self) -> &WireBuf {
        self.0.as_ref().expect("a pooled buffer until dropped")
    }
}

impl Drop for PooledBuf {
    fn drop(&mut self) {
        let Some(buf) = self.0.take() else { return };
        if buf.capacity_bytes() > POOL_MAX_BYTES {
            return;
        }
        // During thread teardown the pool may be gone: then the buffer is simply freed.
        let _ = POOL.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                if p.len() < POOL_MAX {
                    p.push(buf);
                }
            }
        });
    }
}

impl BodyBuf {
    /// Makes the buffer shareable (several bodies then read it without copies).
    pub fn share(&mut self) {
        if let BodyBuf::Owned(p) = self {
            let buf = p.0.take().expect("a pooled buffer until dropped");
            *self = BodyBuf::Shared(Arc::from(buf));
        }
    }
}

impl Deref for BodyBuf {
    type Target = WireBuf;
    #[inline]
    fn deref(&self) -> &WireBuf {
        match self {
            BodyBuf::Shared(a) => a,
            BodyBuf::Owned(p) => p.get(),
        }
    }
}

impl Clone for BodyBuf {
    /// Shared buffers are shared; an owned one is copied (call [`BodyBuf::share`] first where
    /// one body is read many times).
    fn clone(&self) -> Self {
        match self {
            BodyBuf::Shared(a) => BodyBuf::Shared(a.clone()),
            BodyBuf::Owned(p) => BodyBuf::Owned(PooledBuf::from_words(p.get().words())),
        }
    }
}

impl From<WireBuf> for BodyBuf {
    fn from(buf: WireBuf) -> Self {
        BodyBuf::Shared(Arc::new(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_buffers_are_reused_and_copied_on_clone() {
        let a = BodyBuf::Owned(PooledBuf::from_words(&[1, 2, 3]));
        assert_eq!(a.words(), &[1, 2, 3]);
        let mut b = a.clone();
        assert_eq!(b.words(), &[1, 2, 3]);
        b.share();
        assert!(matches!(b, BodyBuf::Shared(_)));
        assert_eq!(b.words(), &[1, 2, 3]);
        let addr = a.words().as_ptr();
        drop(a);
        // The dropped buffer is the next one handed out.
        let c = PooledBuf::from_words(&[9]);
        assert_eq!(c.get().words().as_ptr(), addr);
        assert_eq!(c.get().words(), &[9]);
    }
}
