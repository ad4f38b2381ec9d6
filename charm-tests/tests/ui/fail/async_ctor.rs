use charm_rt::chare;

#[chare]
pub struct Slow;

#[chare]
impl Slow {
    async fn new() -> Self {
        Slow
    }
}

fn main() {}
