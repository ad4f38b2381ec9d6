//! Coroutines: the futures of async entry methods and of the main function, polled by their PE.
//!
//! Tasks are `!Send` and never leave their PE. A task's waker pushes the task back on its PE's
//! ready queue; a wake from another thread goes through a mutex-protected list and the doorbell.

use crate::machine::Doorbell;
use crate::message::ReplyTo;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

#[cfg(test)]
mod test;

/// A task's slot and generation in its PE's task table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TaskKey {
    pub slot: u32,
    pub gen: u32,
}

/// What a task runs for, to name it when it panics.
#[derive(Clone, Debug)]
pub(crate) enum Origin {
    Main,
    Entry {
        chare: &'static str,
        method: &'static str,
        elem: super::ElemCtx,
        reply: Option<ReplyTo>,
    },
    Spawned,
}

pub(crate) struct Task {
    pub future: Option<Pin<Box<dyn Future<Output = ()>>>>,
    pub waker: Waker,
    pub elem: Option<super::ElemCtx>,
    pub origin: Origin,
    pub queued: bool,
    /// Its steps are timed for the element's load (see `LoadClock`).
    pub timed: bool,
}

struct Slot {
    gen: u32,
    task: Option<Task>,
}

/// The tasks of one PE.
#[derive(Default)]
pub(crate) struct TaskTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

impl TaskTable {
    pub(crate) fn insert(&mut self, make: impl FnOnce(TaskKey) -> Task) -> TaskKey {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot { gen: 0, task: None });
            (self.slots.len() - 1) as u32
        });
        let s = &mut self.slots[slot as usize];
        s.gen = s.gen.wrapping_add(1);
        let key = TaskKey { slot, gen: s.gen };
        s.task = Some(make(key));
        key
    }

    pub(crate) fn get_mut(&mut self, key: TaskKey) -> Option<&mut Task> {
        let s = self.slots.get_mut(key.slot as usize)?;
        if s.gen != key.gen {
            return None;
        }
        s.task.as_mut()
    }

    pub(crate) fn remove(&mut self, key: TaskKey) -> Option<Task> {
        let s = self.slots.get_mut(key.slot as usize)?;
        if s.gen != key.gen {
            return None;
        }
        let t = s.task.take();
        if t.is_some() {
            self.free.push(key.slot);
        }
        t
    }

    /// How many tasks the table holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.task.is_some()).count()
    }

    /// Drops every task (at shutdown, on the PE's own thread).
    pub(crate) fn clear(&mut self) -> Vec<Task> {
        self.free.clear();
        self.slots.drain(..).filter_map(|s| s.task).collect()
    }
}

/// Shared between a PE and the wakers of its tasks.
#[derive(Default)]
pub(crate) struct WakeShared {
    pub doorbell: Arc<Doorbell>,
    foreign: Mutex<Vec<TaskKey>>,
    has_foreign: AtomicBool,
}

impl WakeShared {
    pub(crate) fn new(doorbell: Arc<Doorbell>) -> Self {
        WakeShared {
            doorbell,
            foreign: Mutex::new(Vec::new()),
            has_foreign: AtomicBool::new(false),
        }
    }

    #[inline]
    pub(crate) fn has_foreign(&self) -> bool {
        self.has_foreign.load(Ordering::Acquire)
    }

    pub(crate) fn take_foreign(&self) -> Vec<TaskKey> {
        self.has_foreign.store(false, Ordering::Release);
        std::mem::take(&mut *self.foreign.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

pub(crate) struct TaskWaker {
    pub key: TaskKey,
    pub shared: Arc<WakeShared>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !super::wake_local(&self.shared, self.key) {
            self.shared
                .foreign
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.key);
            self.shared.has_foreign.store(true, Ordering::Release);
            self.shared.doorbell.ring();
        }
    }
}
