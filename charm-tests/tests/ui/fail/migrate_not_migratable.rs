// `migrate` exists only for `#[chare(migratable)]` chares: the error names the chare at the call.
use charm_rt::prelude::*;

#[chare]
pub struct Fixed {}

#[chare]
impl Fixed {
    fn new() -> Self {
        Fixed {}
    }

    pub fn work(&mut self) {}
}

fn main() {
    charm_rt::start(|_| async {
        let a = FixedProxy::new_array(4);
        a.elem(0).migrate(1);
    })
}
