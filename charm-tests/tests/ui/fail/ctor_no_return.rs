use charm_rt::chare;

#[chare]
pub struct Counter;

#[chare]
impl Counter {
    fn new() {}
}

fn main() {}
