use charm_rt::chare;

#[chare]
impl Missing {
    fn new() -> Self {
        Missing
    }
}

fn main() {}
