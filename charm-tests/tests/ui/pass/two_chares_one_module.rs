//! Several chares in one module, referring to each other's proxies; entry methods with the same
//! names in both.
#![deny(warnings)]

use charm_rt::prelude::*;

#[chare]
pub struct Ping {
    pong: Option<PongElemProxy>,
}

#[chare]
impl Ping {
    fn new() -> Self {
        Ping { pong: None }
    }

    pub fn start(&mut self, pong: PongElemProxy) {
        self.pong = Some(pong);
        pong.hit(Self::this_elem(), 0);
    }

    pub fn hit(&mut self, _from: PongElemProxy, n: u32) {
        if let Some(p) = self.pong {
            p.hit(Self::this_elem(), n + 1);
        }
    }
}

#[chare]
pub struct Pong;

#[chare]
impl Pong {
    fn new() -> Self {
        Pong
    }

    pub fn hit(&mut self, from: PingElemProxy, n: u32) {
        from.hit(Self::this_elem(), n + 1);
    }
}

fn main() {
    let _ = PingProxy::new_chare;
    let _ = PongProxy::new_chare;
}
