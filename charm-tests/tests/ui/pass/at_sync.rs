// Chares that take part in load balancing, exclusive and shared, with and without the
// `resume_from_sync` hook, migratable or not.
use charm_rt::prelude::*;
use std::cell::Cell as StdCell;

#[chare(migratable, at_sync)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Block {
    step: u32,
}

#[chare]
impl Block {
    fn new() -> Self {
        Block { step: 0 }
    }

    pub fn work(&mut self) {
        self.step += 1;
        self.at_sync();
    }

    fn resume_from_sync(&mut self) {
        Self::this_elem().work();
    }
}

#[chare(migratable, at_sync)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Shared {
    step: StdCell<u32>,
}

#[chare]
impl Shared {
    fn new() -> Self {
        Shared { step: StdCell::new(0) }
    }

    pub async fn work(&self) {
        self.step.set(self.step.get() + 1);
        self.at_sync();
    }

    fn resume_from_sync(&self) {
        Self::this_elem().work();
    }
}

#[chare(at_sync)]
pub struct Fixed {
    step: u32,
}

#[chare]
impl Fixed {
    fn new() -> Self {
        Fixed { step: 0 }
    }

    pub fn work(&mut self) {
        self.step += 1;
        self.at_sync();
    }
}

fn main() {
    charm_rt::start(|_| async {
        BlockProxy::new_array(4).work();
        SharedProxy::new_array(2).work();
        FixedProxy::new_array(2).work();
    })
}
