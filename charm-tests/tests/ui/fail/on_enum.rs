use charm_rt::chare;

#[chare]
pub enum State {
    Idle,
    Busy,
}

fn main() {}
