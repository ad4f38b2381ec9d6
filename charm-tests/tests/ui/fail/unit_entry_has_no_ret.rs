use charm_rt::chare;

#[chare]
pub struct Pinger;

#[chare]
impl Pinger {
    fn new() -> Self {
        Pinger
    }

    pub fn ping(&mut self) {}
}

#[allow(dead_code)]
fn use_it(p: PingerProxy) {
    let _ = p.ping_ret();
}

fn main() {}
