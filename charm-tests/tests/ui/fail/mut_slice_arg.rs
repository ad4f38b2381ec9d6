use charm_rt::chare;

#[chare]
pub struct Summer;

#[chare]
impl Summer {
    fn new() -> Self {
        Summer
    }

    pub fn scale(&mut self, data: &mut [f64]) {
        data.iter_mut().for_each(|x| *x *= 2.0);
    }
}

fn main() {}
