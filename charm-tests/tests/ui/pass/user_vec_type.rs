//! A user type that happens to be called `Vec` is not `std::vec::Vec`: `mine::Vec<f64>` is a
//! plain serde type.
//!
use charm_rt::chare;

mod mine {
    #[derive(serde::Serialize, serde::Deserialize)]
    pub struct Vec<T>(pub T);
}

#[chare]
pub struct Worker;

#[chare]
impl Worker {
    fn new() -> Self {
        Worker
    }

    pub fn take(&mut self, v: mine::Vec<f64>) -> f64 {
        v.0
    }
}

fn main() {}
