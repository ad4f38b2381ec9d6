// A migratable chare's state must travel: the error points at `migratable`.
use charm_rt::prelude::*;

#[chare(migratable)]
pub struct Particles {
    xs: Vec<f64>,
}

#[chare]
impl Particles {
    fn new() -> Self {
        Particles { xs: Vec::new() }
    }

    pub fn step(&mut self) {
        self.xs.push(1.0);
    }
}

fn main() {}
