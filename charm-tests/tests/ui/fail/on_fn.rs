use charm_rt::chare;

#[chare]
pub fn worker() {}

fn main() {}
