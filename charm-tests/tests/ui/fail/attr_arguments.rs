use charm_rt::chare;

#[chare(foo)]
pub struct Worker;

fn main() {}
