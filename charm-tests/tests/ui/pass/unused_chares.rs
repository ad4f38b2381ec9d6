//! Chares that the program never uses: the generated items must not warn.
#![deny(warnings)]

use charm_rt::prelude::*;

#[chare]
pub struct PublicUnused {
    n: u32,
}

#[chare]
impl PublicUnused {
    fn new(n: u32) -> Self {
        PublicUnused { n }
    }

    pub fn get(&self) -> u32 {
        self.n
    }

    pub fn set(&mut self, n: u32, data: &[f64]) {
        self.n = n + data.len() as u32;
    }
}

#[chare]
struct PrivateUnused {
    n: u32,
}

#[chare]
impl PrivateUnused {
    fn new() -> Self {
        PrivateUnused { n: 0 }
    }

    pub fn get(&self) -> u32 {
        self.n
    }

    pub async fn wait(&self) -> u32 {
        self.n
    }
}

fn main() {}
