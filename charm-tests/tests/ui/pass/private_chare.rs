//! A private chare with private argument types, and a `pub` chare with a `pub(crate)` one.
#![deny(warnings)]

use charm_rt::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Secret(u32);

#[chare]
struct Hidden {
    s: Secret,
}

#[chare]
impl Hidden {
    fn new(s: Secret) -> Self {
        Hidden { s }
    }

    pub fn reveal(&self, extra: Secret) -> u32 {
        self.s.0 + extra.0
    }
}

#[chare]
pub struct Open;

#[chare]
impl Open {
    fn new() -> Self {
        Open
    }

    pub(crate) fn internal(&mut self) {}

    pub fn public(&mut self) {}
}

async fn uses(h: HiddenProxy, o: OpenProxy) -> Result<(), CallError> {
    let _: Vec<u32> = h.reveal_ret(Secret(1)).await?;
    o.internal();
    o.public();
    Ok(())
}

fn main() {
    let _ = HiddenProxy::new_group;
    let _ = OpenProxy::new_group;
    let _ = uses;
}
