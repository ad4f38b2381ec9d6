use charm_rt::chare;

#[chare]
pub struct Holder<T> {
    value: T,
}

fn main() {}
