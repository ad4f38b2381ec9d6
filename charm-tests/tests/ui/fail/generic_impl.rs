use charm_rt::chare;

pub struct Holder<T> {
    value: T,
}

#[chare]
impl<T: Default> Holder<T> {
    fn new() -> Self {
        Holder {
            value: T::default(),
        }
    }
}

fn main() {}
